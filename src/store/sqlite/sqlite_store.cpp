#include "store/sqlite/sqlite_store.hpp"

#include <algorithm>
#include <limits>

#include "store/sqlite/migrations.hpp"
#include "store/sqlite/sqlite_handle.hpp"
#include "store/sqlite/sqlite_open.hpp"
#include "store/sqlite/sqlite_writer.hpp"

namespace carebridge::store {
namespace {

using sqlite::Statement;

constexpr std::uint64_t kMaxPosition = std::numeric_limits<std::int64_t>::max();

class SqliteStore final : public Store {
public:
    SqliteStore(std::unique_ptr<sqlite::Writer> writer, sqlite::Connection reader,
                std::string label)
        : writer_(std::move(writer)), reader_(std::move(reader)), label_(std::move(label)) {
        prepare(load_, "SELECT key, data FROM snapshots WHERE kind = ?1 ORDER BY key");
        prepare(read_,
                "SELECT position, data FROM records WHERE stream = ?1 AND position >= ?2"
                " ORDER BY position LIMIT ?3");
        prepare(streams_, "SELECT stream, MAX(position) FROM records GROUP BY stream");
    }

    std::vector<Snapshot> load(const std::string& kind) override {
        std::vector<Snapshot> out;
        check(load_.bind(1, kind).query([&](sqlite3_stmt* s) {
            out.push_back(Snapshot{kind, sqlite::column_text(s, 0), sqlite::column_blob(s, 1)});
        }), "load snapshots of kind '" + kind + "'");
        return out;
    }

    std::vector<Record> read(const std::string& stream, std::uint64_t from,
                             std::size_t max) override {
        std::vector<Record> out;
        if (max == 0 || from > kMaxPosition) return out;  // nothing can be stored up there
        const auto limit = static_cast<std::int64_t>(std::min<std::uint64_t>(max, kMaxPosition));
        check(read_.bind(1, stream)
                  .bind(2, static_cast<std::int64_t>(from))
                  .bind(3, limit)
                  .query([&](sqlite3_stmt* s) {
                      out.push_back(Record{stream,
                                           static_cast<std::uint64_t>(sqlite3_column_int64(s, 0)),
                                           sqlite::column_blob(s, 1)});
                  }),
              "read stream '" + stream + "'");
        return out;
    }

    std::map<std::string, std::uint64_t> streams() override {
        std::map<std::string, std::uint64_t> out;
        check(streams_.query([&](sqlite3_stmt* s) {
            out.emplace(sqlite::column_text(s, 0),
                        static_cast<std::uint64_t>(sqlite3_column_int64(s, 1)));
        }), "list streams");
        return out;
    }

    void commit(Batch batch, std::function<void(const std::string& error)> done) override {
        writer_->submit(std::move(batch), std::move(done));
    }
    bool healthy() const override { return writer_->healthy(); }
    void drain() override { writer_->drain(); }
    Stats stats() const override { return writer_->stats(); }

private:
    void prepare(Statement& stmt, const char* sql) {
        if (const int rc = stmt.prepare(reader_.get(), sql); rc != SQLITE_OK) {
            throw StoreError("sqlite store " + label_ + ": cannot prepare \"" + sql +
                             "\": " + sqlite::describe(reader_.get(), rc));
        }
    }
    // Reads are start-up work (see Store): a failure there is fatal, so it throws.
    void check(int rc, const std::string& what) {
        if (rc != SQLITE_DONE) {
            throw StoreError("sqlite store " + label_ + ": " + what + ": " +
                             sqlite::describe(reader_.get(), rc));
        }
    }

    // Declared first so it is destroyed last: after the reader is closed, the writer's
    // connection is the last one, and closing it checkpoints the WAL into the main file.
    std::unique_ptr<sqlite::Writer> writer_;
    sqlite::Connection reader_;
    Statement load_, read_, streams_;  // after reader_: finalized before it closes
    std::string label_;
};

}  // namespace

std::unique_ptr<Store> open_sqlite_store(const std::filesystem::path& path,
                                         SqliteOptions options) {
    auto db = sqlite::open_writer(path, options);
    auto writer = std::make_unique<sqlite::Writer>(
        std::move(db), sqlite::open_checkpointer(path, options), options.max_batches_per_transaction,
        options.checkpoint_pages, path.string());
    auto reader = sqlite::open_reader(path);
    return std::make_unique<SqliteStore>(std::move(writer), std::move(reader), path.string());
}

int sqlite_schema_version() {
    return sqlite::latest_schema_version();
}

}  // namespace carebridge::store
