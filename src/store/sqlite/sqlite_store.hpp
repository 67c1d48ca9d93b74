#pragma once
// The embedded default Store: one SQLite database file in WAL mode, schema created and
// migrated by versioned migrations at open, a dedicated writer thread that group-commits
// every pending batch in one transaction, and a checkpointer thread that copies the WAL back
// into the database beside it (sqlite_checkpointer.hpp).
#include <cstdint>
#include <filesystem>
#include <memory>
#include <vector>

#include "store/record_compression.hpp"
#include "store/store.hpp"

namespace carebridge::store {

struct SqliteOptions {
    // FULL: a commit survives power loss (fsync of the WAL on every transaction).
    // NORMAL: survives a process crash (kill -9), not a power loss.
    bool synchronous_full = true;
    std::size_t max_batches_per_transaction = 512;
    // The WAL is copied back into the database by a thread of its own once it holds this many
    // pages (4 KiB each); past 8 times as many (the copy cannot keep up) the writer copies it
    // itself before its next transaction, which bounds the WAL.
    std::size_t checkpoint_pages = 4096;
    // For tests: PRAGMA max_page_count on the writer connection (0 = SQLite's default, no
    // practical limit). Past it SQLite fails writes with SQLITE_FULL exactly as on a full
    // disk, which exercises the real error path; not persistent, a reopen without it lifts it.
    std::int64_t max_page_count = 0;
    // Records' data is compressed with dictionary `compress_with` (0: stored as given); every
    // dictionary the file's records may have been written with must be listed, or reading
    // them fails (record_compression.hpp). Snapshots are stored as given.
    std::vector<Dictionary> dictionaries;
    std::uint32_t compress_with = 0;
};

// Opens (creating if needed) the database at path. Throws StoreError for a corrupt file, a
// schema newer than this build, or an unusable path; the message says which.
std::unique_ptr<Store> open_sqlite_store(const std::filesystem::path& path,
                                         SqliteOptions options = {});

// The schema version this build writes.
int sqlite_schema_version();

}  // namespace carebridge::store
