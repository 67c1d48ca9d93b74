#include "store/sqlite/migrations.hpp"

#include <array>
#include <string>

#include "store/sqlite/sqlite_handle.hpp"
#include "store/store.hpp"

namespace carebridge::store::sqlite {
namespace {

// Step i (0-based) takes a database from version i to i + 1. Append only: a released step is
// never edited, because files in the field were built by it; change the schema with a new step.
constexpr std::array kSteps = {
    // v1: ordered streams of opaque records. WITHOUT ROWID: the primary key is the only
    // access path, so the table is the index.
    "CREATE TABLE records(stream TEXT NOT NULL, position INTEGER NOT NULL, data BLOB NOT NULL,"
    " PRIMARY KEY(stream, position)) WITHOUT ROWID;",
    // v2: keyed snapshots of state.
    "CREATE TABLE snapshots(kind TEXT NOT NULL, key TEXT NOT NULL, data BLOB NOT NULL,"
    " PRIMARY KEY(kind, key)) WITHOUT ROWID;",
    // v3: records in a rowid table, in the order they were written, plus an index by stream.
    // Records are 0.2-2 KiB events; keyed by (stream, position) each transaction inserted into
    // hundreds of leaves across the table, splitting and rewriting them. Now the data goes to
    // the table's end and only the small index entries are scattered: 1.5x the durable
    // message rate (bench/RESULTS.md, "Before and after").
    "CREATE TABLE records_v3(id INTEGER PRIMARY KEY, stream TEXT NOT NULL,"
    " position INTEGER NOT NULL, data BLOB NOT NULL);"
    " INSERT INTO records_v3(stream, position, data)"
    " SELECT stream, position, data FROM records ORDER BY stream, position;"
    " DROP TABLE records;"
    " ALTER TABLE records_v3 RENAME TO records;"
    " CREATE UNIQUE INDEX records_by_stream ON records(stream, position);",
    // v4: no index on records; the store keeps where each stream's records are in memory
    // (record_index.hpp), built by one scan at open. The index's entries, one per record in
    // a different leaf for nearly each record of a transaction, were half the bytes written
    // per durable message (bench/RESULTS.md, "Before and after (session 5)").
    "DROP INDEX records_by_stream;",
    // v5: records say how their data is stored: 0 as given, N compressed with the store
    // owner's dictionary N (store/record_compression.hpp). Earlier rows are 0.
    "ALTER TABLE records ADD COLUMN codec INTEGER NOT NULL DEFAULT 0;",
};

[[noreturn]] void fail(const std::filesystem::path& path, const std::string& what) {
    throw StoreError("sqlite store " + path.string() + ": " + what);
}

std::string newer_than_build(int version) {
    return "schema version " + std::to_string(version) + " is newer than this build (" +
           std::to_string(latest_schema_version()) + "); refusing to open it";
}

}  // namespace

int latest_schema_version() {
    return static_cast<int>(kSteps.size());
}

int read_schema_version(sqlite3* db, const std::filesystem::path& path) {
    Statement stmt;
    int rc = stmt.prepare(db, "PRAGMA user_version");
    int version = 0;
    if (rc == SQLITE_OK) {
        rc = stmt.query([&](sqlite3_stmt* s) { version = sqlite3_column_int(s, 0); });
    }
    if (rc != SQLITE_OK && rc != SQLITE_DONE) {
        fail(path, "cannot read the schema version: " + describe(db, rc));
    }
    return version;
}

void migrate(sqlite3* db, const std::filesystem::path& path) {
    // Checked before any write, so a newer file is left exactly as it was.
    const int current = read_schema_version(db, path);
    if (current > latest_schema_version()) fail(path, newer_than_build(current));
    if (current == latest_schema_version()) return;

    // IMMEDIATE takes the write lock first, so two processes cannot both upgrade; the version
    // is read again under that lock.
    if (const int rc = exec(db, "BEGIN IMMEDIATE"); rc != SQLITE_OK) {
        fail(path, "cannot start the schema migration: " + describe(db, rc));
    }
    auto abort = [&](const std::string& what) {
        exec(db, "ROLLBACK");
        fail(path, what);
    };
    const int from = read_schema_version(db, path);
    if (from > latest_schema_version()) {
        abort(newer_than_build(from));
    }
    for (int v = from; v < latest_schema_version(); ++v) {
        if (const int rc = exec(db, kSteps[static_cast<std::size_t>(v)]); rc != SQLITE_OK) {
            abort("migration to schema version " + std::to_string(v + 1) +
                  " failed: " + describe(db, rc));
        }
    }
    // PRAGMA takes no parameters; the value is our own integer.
    const std::string set_version =
        "PRAGMA user_version = " + std::to_string(latest_schema_version());
    if (const int rc = exec(db, set_version.c_str()); rc != SQLITE_OK) {
        abort("cannot record the schema version: " + describe(db, rc));
    }
    if (const int rc = exec(db, "COMMIT"); rc != SQLITE_OK) {
        abort("cannot commit the schema migration: " + describe(db, rc));
    }
}

}  // namespace carebridge::store::sqlite
