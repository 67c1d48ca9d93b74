#include "store/sqlite/sqlite_open.hpp"

#include <algorithm>
#include <string>
#include <system_error>

#include "store/sqlite/migrations.hpp"

namespace carebridge::store::sqlite {
namespace {

// Another process holding the file (a backup tool, the sqlite3 shell) gets this long before
// we report SQLITE_BUSY.
constexpr int kBusyTimeoutMs = 5000;

[[noreturn]] void fail(const std::filesystem::path& path, const std::string& what) {
    throw StoreError("sqlite store " + path.string() + ": " + what);
}

void pragma(sqlite3* db, const std::filesystem::path& path, const std::string& sql) {
    if (const int rc = exec(db, sql.c_str()); rc != SQLITE_OK) {
        fail(path, "\"" + sql + "\" failed: " + describe(db, rc));
    }
}

// Runs a pragma that answers one text row, e.g. "PRAGMA journal_mode=WAL" -> "wal".
std::string pragma_text(sqlite3* db, const std::filesystem::path& path, const char* sql) {
    Statement stmt;
    int rc = stmt.prepare(db, sql);
    std::string answer;
    if (rc == SQLITE_OK) rc = stmt.query([&](sqlite3_stmt* s) { answer = column_text(s, 0); });
    if (rc != SQLITE_OK && rc != SQLITE_DONE) {
        fail(path, std::string("\"") + sql + "\" failed: " + describe(db, rc));
    }
    return answer;
}

// quick_check reads every page and checks the b-tree structure (not index/table agreement,
// which integrity_check adds at a much higher cost). Random bytes fail before any row comes
// back (SQLITE_NOTADB); a damaged database answers with rows describing the damage.
void check_integrity(sqlite3* db, const std::filesystem::path& path) {
    Statement stmt;
    int rc = stmt.prepare(db, "PRAGMA quick_check(5)");
    std::string report;
    if (rc == SQLITE_OK) {
        rc = stmt.query([&](sqlite3_stmt* s) {
            if (!report.empty()) report += "; ";
            report += column_text(s, 0);
            // The first row is multi-line; a log line is one line.
            std::replace(report.begin(), report.end(), '\n', ' ');
        });
    }
    const char* advice = "; refusing to open it (restore a backup or move the file aside)";
    const int primary = rc & 0xff;  // extended result codes are on
    if (primary == SQLITE_NOTADB || primary == SQLITE_CORRUPT) {
        fail(path, "is corrupt or not a database: " + describe(db, rc) + advice);
    }
    if (rc != SQLITE_DONE) fail(path, "cannot read: " + describe(db, rc));
    if (report != "ok") fail(path, "is corrupt (quick_check: " + report + ")" + advice);
}

Connection open_connection(const std::filesystem::path& path, int flags) {
    sqlite3* raw = nullptr;
    // NOMUTEX: each connection is used by one thread at a time (writer thread / owner).
    const int rc = sqlite3_open_v2(path.c_str(), &raw,
                                   flags | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE, nullptr);
    Connection db(raw);  // closes it on failure too
    if (rc != SQLITE_OK) fail(path, "cannot open: " + describe(raw, rc));
    sqlite3_busy_timeout(db.get(), kBusyTimeoutMs);
    return db;
}

}  // namespace

Connection open_writer(const std::filesystem::path& path, const SqliteOptions& options) {
    if (path.has_parent_path()) {
        std::error_code ec;
        std::filesystem::create_directories(path.parent_path(), ec);
        if (ec) fail(path, "cannot create directory " + path.parent_path().string() + ": " +
                               ec.message());
    }
    Connection db = open_connection(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    // Checks first, writes after: a file we refuse is never modified, let alone recreated.
    check_integrity(db.get(), path);
    pragma(db.get(), path,
           options.synchronous_full ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL");
    migrate(db.get(), path);  // refuses a newer schema before writing anything
    // WAL lets the reader connection run beside the writer, and makes a commit one
    // sequential append (plus one fsync with FULL) instead of a rollback journal dance.
    // The mode is persistent, so it is verified: some filesystems cannot do it.
    const std::string mode = pragma_text(db.get(), path, "PRAGMA journal_mode=WAL");
    if (mode != "wal") fail(path, "cannot switch to WAL journal mode (still \"" + mode + "\")");
    // The default 2 MiB page cache made commits re-read index pages through read(2) under
    // load. (Mapping the file instead was tried: its pages count as the process's RSS, and
    // held 10,000 idle chats near the 1 GiB target.)
    pragma(db.get(), path, "PRAGMA cache_size=-32768");
    if (options.max_page_count > 0) {
        pragma(db.get(), path,
               "PRAGMA max_page_count=" + std::to_string(options.max_page_count));
    }
    return db;
}

Connection open_checkpointer(const std::filesystem::path& path, const SqliteOptions& options) {
    Connection db = open_connection(path, SQLITE_OPEN_READWRITE);
    // A checkpoint syncs the WAL before copying and the database after, as this says.
    pragma(db.get(), path,
           options.synchronous_full ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL");
    return db;
}

Connection open_reader(const std::filesystem::path& path) {
    Connection db = open_connection(path, SQLITE_OPEN_READWRITE);
    pragma(db.get(), path, "PRAGMA query_only=1");
    return db;
}

}  // namespace carebridge::store::sqlite
