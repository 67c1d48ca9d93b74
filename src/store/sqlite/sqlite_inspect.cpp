#include "store/sqlite/sqlite_inspect.hpp"

#include <algorithm>
#include <cstdint>

#include "store/sqlite/migrations.hpp"
#include "store/sqlite/sqlite_handle.hpp"
#include "store/sqlite/sqlite_open.hpp"

namespace carebridge::store {
namespace {

sqlite::Connection open_existing(const std::filesystem::path& path) {
    // open_reader would create a missing file: an inspection must not.
    if (!std::filesystem::exists(path)) throw StoreError("sqlite store " + path.string() + ": no such file");
    return sqlite::open_reader(path);
}

void check(sqlite3* db, int rc, const std::filesystem::path& path, const char* what) {
    if (rc != SQLITE_DONE)
        throw StoreError("sqlite store " + path.string() + ": " + what + ": " + sqlite::describe(db, rc));
}

}  // namespace

std::vector<StreamSummary> inspect_streams(const std::filesystem::path& path) {
    auto db = open_existing(path);
    sqlite::Statement stmt;
    const char* sql =
        "SELECT stream, min(position), max(position), count(*), sum(length(data)) FROM records"
        " GROUP BY stream ORDER BY stream";
    if (const int rc = stmt.prepare(db.get(), sql); rc != SQLITE_OK) check(db.get(), rc, path, "list streams");
    std::vector<StreamSummary> out;
    check(db.get(), stmt.query([&](sqlite3_stmt* s) {
        out.push_back({sqlite::column_text(s, 0), static_cast<std::uint64_t>(sqlite3_column_int64(s, 1)),
                       static_cast<std::uint64_t>(sqlite3_column_int64(s, 2)),
                       static_cast<std::uint64_t>(sqlite3_column_int64(s, 3)),
                       static_cast<std::uint64_t>(sqlite3_column_int64(s, 4))});
    }), path, "list streams");
    return out;
}

void inspect_records(const std::filesystem::path& path, const std::vector<Dictionary>& dictionaries,
                     const std::string& stream, std::uint64_t from, std::size_t max,
                     const std::function<void(const Record&)>& on_record) {
    auto db = open_existing(path);
    // Files from before v5 have no codec column: everything in them is stored as given.
    const bool has_codec = sqlite::read_schema_version(db.get(), path) >= 5;
    const std::string sql = std::string("SELECT position, data, ") + (has_codec ? "codec" : "0") +
                            " FROM records WHERE stream = ?1 AND position >= ?2 ORDER BY position LIMIT ?3";
    sqlite::Statement stmt;
    if (const int rc = stmt.prepare(db.get(), sql.c_str()); rc != SQLITE_OK) check(db.get(), rc, path, "read records");
    RecordDecompressor decompressor(dictionaries);
    const auto limit = static_cast<std::int64_t>(std::min<std::size_t>(max, INT64_MAX));
    check(db.get(), stmt.bind(1, stream).bind(2, static_cast<std::int64_t>(std::min<std::uint64_t>(from, INT64_MAX)))
                        .bind(3, limit)
                        .query([&](sqlite3_stmt* s) {
                            const auto position = static_cast<std::uint64_t>(sqlite3_column_int64(s, 0));
                            const auto codec = static_cast<std::uint32_t>(sqlite3_column_int64(s, 2));
                            on_record(Record{stream, position, decompressor.decompress(codec, sqlite::column_blob(s, 1))});
                        }),
          path, "read records");
}

}  // namespace carebridge::store
