#pragma once
// Thin RAII over the SQLite C API: a connection, a prepared statement that always resets after
// use, and error text that keeps SQLite's own words. Private to the SQLite store.
#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace carebridge::store::sqlite {

struct ConnectionCloser {
    void operator()(sqlite3* db) const noexcept { sqlite3_close_v2(db); }
};
using Connection = std::unique_ptr<sqlite3, ConnectionCloser>;

// "UNIQUE constraint failed: records.stream, records.position (constraint failed, code 1555)".
// Call it right after the failing call: a later statement (ROLLBACK) overwrites errmsg.
std::string describe(sqlite3* db, int rc);

// Runs SQL without results (pragmas, DDL). Returns the SQLite result code.
int exec(sqlite3* db, const char* sql);

// A statement prepared once and reused. Every run() / query() resets it and clears its
// bindings at the end, so it neither keeps a read snapshot open (which would stall WAL
// checkpoints) nor points at a caller's buffer (bindings use SQLITE_STATIC).
class Statement {
public:
    Statement() = default;
    // Returns SQLITE_OK or the error of sqlite3_prepare_v3.
    int prepare(sqlite3* db, const char* sql);

    Statement& bind(int index, std::string_view text);
    Statement& bind_blob(int index, std::string_view bytes);
    Statement& bind(int index, std::int64_t value);

    // Steps to completion. Returns SQLITE_DONE on success, else the error code.
    int run();

    // Calls on_row(stmt) for each row. Returns SQLITE_DONE on success, else the error code.
    template <typename OnRow>
    int query(OnRow&& on_row) {
        int rc = bind_rc_;
        if (rc == SQLITE_OK) {
            while ((rc = sqlite3_step(stmt_.get())) == SQLITE_ROW) on_row(stmt_.get());
        }
        reset();
        return rc;
    }

    sqlite3* db() const { return sqlite3_db_handle(stmt_.get()); }

private:
    struct Finalizer {
        void operator()(sqlite3_stmt* s) const noexcept { sqlite3_finalize(s); }
    };
    void reset();
    void note_bind(int rc) {
        if (rc != SQLITE_OK && bind_rc_ == SQLITE_OK) bind_rc_ = rc;
    }

    std::unique_ptr<sqlite3_stmt, Finalizer> stmt_;
    int bind_rc_ = SQLITE_OK;  // first binding error (e.g. SQLITE_TOOBIG), reported by run
};

// Column helpers: SQLite returns NULL pointers for empty blobs, which std::string rejects.
std::string column_text(sqlite3_stmt* stmt, int col);
std::string column_blob(sqlite3_stmt* stmt, int col);

}  // namespace carebridge::store::sqlite
