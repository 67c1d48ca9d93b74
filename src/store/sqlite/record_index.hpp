#pragma once
// Where each stream's records are in the records table: stream -> (position, rowid), sorted by
// position, for every stream, in memory. The table itself has no index since schema v4: a
// SQLite index on (stream, position) took an entry in a different leaf for nearly every record
// of a transaction (events of hundreds of streams interleave), and each of those leaves went
// to the WAL and back to the database whole: half of the bytes written per message
// (bench/RESULTS.md). Now a transaction only appends to the table's end.
//
// The writer thread changes it inside its transactions and calls commit() or rollback() with
// the SQL transaction; readers (start-up, transcripts of ended meetings) may call range() and
// last_positions() from another thread at any time. A reader can thus see a transaction's
// changes a moment before they are committed: a rowid not committed yet reads as no row
// (SqliteStore::read skips it), a removal hides rows that are about to go.
#include <sqlite3.h>

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace carebridge::store::sqlite {

class RecordIndex {
public:
    struct Entry {
        std::uint64_t position = 0;
        std::int64_t rowid = 0;
    };

    // Fills the index from the records table (at open, before any write). "" or the error.
    std::string load(sqlite3* db);

    // --- writer thread, inside a transaction ---
    bool contains(const std::string& stream, std::uint64_t position) const;
    void add(const std::string& stream, std::uint64_t position, std::int64_t rowid);
    // Removes and returns the stream's entries below position (all of them: remove_all).
    std::vector<Entry> remove_below(const std::string& stream, std::uint64_t position);
    std::vector<Entry> remove_all(const std::string& stream);
    void commit();    // the transaction committed: its changes stay
    void rollback();  // it rolled back: its changes are undone, newest first

    // --- any thread ---
    // Entries of stream with position >= from, in order, at most max.
    std::vector<Entry> range(const std::string& stream, std::uint64_t from, std::size_t max) const;
    // Every stream with at least one record: name -> highest position.
    std::map<std::string, std::uint64_t> last_positions() const;
    std::size_t size() const;  // records

private:
    struct Undo {
        std::string stream;
        bool added = false;  // true: remove `one`; false: put `entries` back
        Entry one;           // (an append, the common case, allocates no vector)
        std::vector<Entry> entries;
    };
    std::vector<Entry> take(const std::string& stream, std::uint64_t below);  // mu_ held

    mutable std::mutex mu_;
    std::unordered_map<std::string, std::vector<Entry>> streams_;
    std::vector<Undo> undo_;
    std::size_t size_ = 0;
};

}  // namespace carebridge::store::sqlite
