#pragma once
// Durable storage, knowing nothing of chat: ordered streams of opaque records (stream name,
// position, bytes) and small keyed snapshots (kind, key, bytes). The platform maps its events
// and state onto these; a PostgreSQL backend is a second implementation of this interface.
//
// Threading: load/read functions are for start-up (called before serving, on one thread).
// commit() may be called from the owner's thread at any time; batches are applied in the order
// they were submitted, each atomically, and several pending batches may share one transaction
// and one fsync (group commit). `done` runs on the store's writer thread: the caller re-posts
// it to its own thread.
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace carebridge::store {

struct Record {
    std::string stream;
    std::uint64_t position = 0;  // unique and increasing within a stream
    std::string data;
};

struct Snapshot {
    std::string kind;
    std::string key;
    std::string data;
};

// Applied atomically, removals first (dropped_streams, truncations, erases), then appends and
// puts: a batch can reset a stream or a snapshot and write its new content in one step, and
// never removes what it writes itself.
struct Batch {
    std::vector<Record> appends;  // insert; an existing (stream, position) is an error
    std::vector<Snapshot> puts;   // upsert by (kind, key)
    std::vector<std::pair<std::string, std::string>> erases;        // (kind, key)
    std::vector<std::pair<std::string, std::uint64_t>> truncations;  // drop records < position
    std::vector<std::string> dropped_streams;                        // drop every record
    bool empty() const {
        return appends.empty() && puts.empty() && erases.empty() && truncations.empty() &&
               dropped_streams.empty();
    }
};

// Raised at open for a database that cannot be used (corrupt, newer schema, unreadable).
struct StoreError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

class Store {
public:
    virtual ~Store() = default;

    // --- start-up reads ---
    virtual std::vector<Snapshot> load(const std::string& kind) = 0;
    // Records of `stream` with position >= from, in order, at most max.
    virtual std::vector<Record> read(const std::string& stream, std::uint64_t from,
                                     std::size_t max) = 0;
    // Every stream with at least one record: name -> highest position.
    virtual std::map<std::string, std::uint64_t> streams() = 0;

    // --- writes ---
    // error is empty on success; otherwise a human-readable reason (disk full, read-only...),
    // and nothing of the batch was applied.
    // Shared, not copied: the owner may keep the batch to submit it again after a failure, and
    // a durable message's records are kilobytes.
    virtual void commit(std::shared_ptr<const Batch> batch, std::function<void(const std::string& error)> done) = 0;
    void commit(Batch batch, std::function<void(const std::string& error)> done) {
        commit(std::make_shared<const Batch>(std::move(batch)), std::move(done));
    }
    // False after a failed commit until a later commit succeeds.
    virtual bool healthy() const = 0;
    // Waits for every submitted batch to finish (for shutdown and tests).
    virtual void drain() = 0;

    // Statistics for metrics and benchmarks.
    struct Stats {
        std::uint64_t batches = 0;       // batches committed
        std::uint64_t transactions = 0;  // transactions (fsyncs) used for them
        std::uint64_t failures = 0;
        std::uint64_t checkpoints = 0;  // WAL copies into the database (background)
        std::uint64_t record_bytes = 0;         // data of the records committed, as given
        std::uint64_t record_bytes_stored = 0;  // the same as stored (compressed)
    };
    virtual Stats stats() const = 0;
};

}  // namespace carebridge::store
