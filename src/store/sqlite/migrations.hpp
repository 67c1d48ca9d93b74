#pragma once
// Versioned schema of the SQLite store. The version lives in PRAGMA user_version.
#include <sqlite3.h>

#include <filesystem>

namespace carebridge::store::sqlite {

int latest_schema_version();

// PRAGMA user_version of the open database. Throws StoreError naming path.
int read_schema_version(sqlite3* db, const std::filesystem::path& path);

// Refuses a file whose version is newer than this build, then applies every missing step and
// the new user_version in one transaction, so a crash mid-upgrade leaves the old version
// intact. Throws StoreError naming path.
void migrate(sqlite3* db, const std::filesystem::path& path);

}  // namespace carebridge::store::sqlite
