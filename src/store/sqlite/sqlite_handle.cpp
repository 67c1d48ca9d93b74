#include "store/sqlite/sqlite_handle.hpp"

namespace carebridge::store::sqlite {

std::string describe(sqlite3* db, int rc) {
    std::string text = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    const std::string generic = sqlite3_errstr(rc);
    text += " (";
    if (text.compare(0, generic.size(), generic) != 0) text += generic + ", ";
    text += "code " + std::to_string(rc) + ")";
    return text;
}

int exec(sqlite3* db, const char* sql) {
    return sqlite3_exec(db, sql, nullptr, nullptr, nullptr);
}

int Statement::prepare(sqlite3* db, const char* sql) {
    sqlite3_stmt* raw = nullptr;
    // PERSISTENT: these statements live as long as the connection.
    const int rc = sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &raw, nullptr);
    stmt_.reset(raw);
    return rc;
}

Statement& Statement::bind(int index, std::string_view text) {
    // A null pointer would bind NULL; an empty name is still text.
    const char* data = text.empty() ? "" : text.data();
    note_bind(sqlite3_bind_text64(stmt_.get(), index, data, text.size(), SQLITE_STATIC,
                                  SQLITE_UTF8));
    return *this;
}

Statement& Statement::bind_blob(int index, std::string_view bytes) {
    // A zero-length blob must still be a blob, not NULL: sqlite3_bind_blob64 with a null
    // pointer binds NULL, so point at a static empty byte instead.
    static const char empty = 0;
    const char* data = bytes.empty() ? &empty : bytes.data();
    note_bind(sqlite3_bind_blob64(stmt_.get(), index, data, bytes.size(), SQLITE_STATIC));
    return *this;
}

Statement& Statement::bind(int index, std::int64_t value) {
    note_bind(sqlite3_bind_int64(stmt_.get(), index, value));
    return *this;
}

int Statement::run() {
    return query([](sqlite3_stmt*) {});
}

void Statement::reset() {
    sqlite3_reset(stmt_.get());
    sqlite3_clear_bindings(stmt_.get());
    bind_rc_ = SQLITE_OK;
}

std::string column_text(sqlite3_stmt* stmt, int col) {
    const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt, col));
    return p != nullptr ? std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(stmt, col)))
                        : std::string();
}

std::string column_blob(sqlite3_stmt* stmt, int col) {
    const auto* p = static_cast<const char*>(sqlite3_column_blob(stmt, col));
    return p != nullptr ? std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(stmt, col)))
                        : std::string();
}

}  // namespace carebridge::store::sqlite
