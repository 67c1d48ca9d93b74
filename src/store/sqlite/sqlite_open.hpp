#pragma once
// Opening the two connections of the SQLite store (one writer, one reader).
#include <filesystem>

#include "store/sqlite/sqlite_handle.hpp"
#include "store/sqlite/sqlite_store.hpp"

namespace carebridge::store::sqlite {

// Creates parent directories, refuses a corrupt file or a newer schema without writing to it,
// migrates, and switches to WAL. Throws StoreError naming path.
Connection open_writer(const std::filesystem::path& path, const SqliteOptions& options);

// The connection of the checkpointer thread (sqlite_checkpointer.hpp).
Connection open_checkpointer(const std::filesystem::path& path, const SqliteOptions& options);

// A second connection for reads: in WAL mode it sees the last committed state and neither
// blocks nor is blocked by the writer. query_only guards against a write slipping in.
Connection open_reader(const std::filesystem::path& path);

}  // namespace carebridge::store::sqlite
