#pragma once
// The writer thread of the SQLite store: a queue of batches and a thread that group-commits
// every pending batch (up to a limit) in one transaction, so many small commits share an fsync.
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "store/record_compression.hpp"
#include "store/sqlite/sqlite_checkpointer.hpp"
#include "store/sqlite/record_index.hpp"
#include "store/sqlite/sqlite_handle.hpp"
#include "store/store.hpp"

namespace carebridge::store::sqlite {

class Writer {
public:
    using Done = std::function<void(const std::string& error)>;

    // Takes the migrated writer connection; prepares its statements (StoreError on failure)
    // and starts the thread. label names the database in error messages and logs.
    // checkpoint_db is a second connection for the checkpointer thread (see SqliteOptions
    // for checkpoint_pages).
    // index is the database's loaded RecordIndex: the writer keeps it in step with its
    // transactions.
    // compressor (optional) compresses records' data (codec column); snapshots are few and
    // stored as given.
    Writer(Connection db, Connection checkpoint_db, std::shared_ptr<RecordIndex> index,
           std::size_t max_batches_per_transaction, std::size_t checkpoint_pages, std::string label,
           std::unique_ptr<RecordCompressor> compressor = nullptr);
    // Finishes every submitted batch, then stops the thread.
    ~Writer();
    Writer(const Writer&) = delete;
    Writer& operator=(const Writer&) = delete;

    // Any thread. Returns at once; done runs later on the writer thread, in submission order.
    void submit(std::shared_ptr<const Batch> batch, Done done);
    // Any thread but the writer's own (a done callback): blocks until every batch submitted
    // before the call has had its done called.
    void drain();
    bool healthy() const { return healthy_.load(); }
    Store::Stats stats() const;

private:
    struct Pending {
        std::shared_ptr<const Batch> batch;
        Done done;
    };

    void run();
    // Commits [first, last) and calls every done, in order.
    void commit_group(Pending* first, Pending* last);
    // Applies [first, last) in one transaction; "" on success, else why nothing was applied.
    // When a batch's own statements failed, *culprit (if given) points at it.
    std::string transact(Pending* first, Pending* last, Pending** culprit);
    std::string apply(const Batch& batch);  // inside an open transaction
    void rollback();
    void succeeded(Pending& p);
    void failed(Pending& p, const std::string& error);
    std::string repeats_note();  // and resets the count
    // SQLite's WAL hook, after each commit: pages = frames now in the WAL.
    static int on_wal_commit(void* self, sqlite3* db, const char* schema, int pages);

    // --- writer thread only ---
    Connection db_;
    Statement begin_, commit_, rollback_;
    Statement append_, put_, erase_, delete_record_;
    std::shared_ptr<RecordIndex> index_;
    std::unique_ptr<RecordCompressor> compressor_;
    std::string compressed_;  // reused buffer
    std::uint64_t tx_bytes_ = 0, tx_bytes_stored_ = 0;  // records of the open transaction
    std::string label_;
    std::string last_logged_;    // the last error written to stderr
    std::uint64_t repeats_ = 0;  // failures with that same error since, not logged again

    // --- shared ---
    const std::size_t max_group_;
    const std::size_t checkpoint_pages_;
    Checkpointer checkpointer_;  // stopped before db_ closes (declared after it)
    std::mutex mu_;
    std::condition_variable wake_;  // the queue got a batch, or stop
    std::condition_variable idle_;  // finished_ moved
    std::deque<Pending> queue_;
    std::uint64_t submitted_ = 0;
    std::uint64_t finished_ = 0;
    bool stopping_ = false;

    std::atomic<bool> healthy_{true};
    std::atomic<std::uint64_t> batches_{0}, transactions_{0}, failures_{0};
    std::atomic<std::uint64_t> record_bytes_{0}, record_bytes_stored_{0};

    std::thread thread_;  // last: started once everything above exists
};

}  // namespace carebridge::store::sqlite
