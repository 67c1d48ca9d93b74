#include "store/sqlite/sqlite_store.hpp"

#include <algorithm>

#include "store/record_compression.hpp"
#include "store/sqlite/migrations.hpp"
#include "store/sqlite/record_index.hpp"
#include "store/sqlite/sqlite_handle.hpp"
#include "store/sqlite/sqlite_open.hpp"
#include "store/sqlite/sqlite_writer.hpp"

namespace carebridge::store {
namespace {

using sqlite::Statement;

class SqliteStore final : public Store {
public:
    SqliteStore(std::shared_ptr<sqlite::RecordIndex> index, std::unique_ptr<sqlite::Writer> writer,
                sqlite::Connection reader, std::string label, const std::vector<Dictionary>& dictionaries)
        : index_(std::move(index)), writer_(std::move(writer)), reader_(std::move(reader)),
          label_(std::move(label)), decompressor_(dictionaries) {
        prepare(load_, "SELECT key, data FROM snapshots WHERE kind = ?1 ORDER BY key");
        prepare(read_, "SELECT data, codec FROM records WHERE id = ?1");
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
        const auto entries = index_->range(stream, from, max);
        if (entries.empty()) return out;
        // One read transaction for all the lookups, so they see one snapshot, taken after the
        // index was: the rows it lists that are not committed yet are the stream's newest, so
        // what is read is a prefix, as with a range query (record_index.hpp). Each lookup on
        // its own saw a later snapshot than the one before and could skip a record.
        struct ReadTransaction {
            sqlite3* db;
            explicit ReadTransaction(sqlite3* d) : db(d) { sqlite::exec(db, "BEGIN"); }
            ~ReadTransaction() { sqlite::exec(db, "COMMIT"); }
        } snapshot(reader_.get());
        for (const auto& e : entries) {
            // No row: a record of a transaction not committed yet.
            check(read_.bind(1, e.rowid).query([&](sqlite3_stmt* s) {
                const auto codec = static_cast<std::uint32_t>(sqlite3_column_int64(s, 1));
                out.push_back(Record{stream, e.position,
                                     codec == 0 ? sqlite::column_blob(s, 0)
                                                : decompress(codec, sqlite::column_blob(s, 0), stream, e.position)});
            }), "read stream '" + stream + "'");
        }
        return out;
    }

    std::map<std::string, std::uint64_t> streams() override { return index_->last_positions(); }

    using Store::commit;
    void commit(std::shared_ptr<const Batch> batch, std::function<void(const std::string& error)> done) override {
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
    std::string decompress(std::uint32_t codec, const std::string& data, const std::string& stream,
                           std::uint64_t position) {
        try {
            return decompressor_.decompress(codec, data);
        } catch (const StoreError& e) {
            throw StoreError("sqlite store " + label_ + ": stream '" + stream + "' position " +
                             std::to_string(position) + ": " + e.what());
        }
    }
    // Reads are start-up work (see Store): a failure there is fatal, so it throws.
    void check(int rc, const std::string& what) {
        if (rc != SQLITE_DONE) {
            throw StoreError("sqlite store " + label_ + ": " + what + ": " +
                             sqlite::describe(reader_.get(), rc));
        }
    }

    std::shared_ptr<sqlite::RecordIndex> index_;
    // Declared before the reader so it is destroyed after it: after the reader is closed, the
    // writer's connection is the last one, and closing it checkpoints the WAL into the main file.
    std::unique_ptr<sqlite::Writer> writer_;
    sqlite::Connection reader_;
    Statement load_, read_;  // after reader_: finalized before it closes
    std::string label_;
    RecordDecompressor decompressor_;
};

}  // namespace

std::unique_ptr<Store> open_sqlite_store(const std::filesystem::path& path,
                                         SqliteOptions options) {
    auto db = sqlite::open_writer(path, options);
    auto reader = sqlite::open_reader(path);
    auto index = std::make_shared<sqlite::RecordIndex>();
    if (std::string error = index->load(reader.get()); !error.empty())
        throw StoreError("sqlite store " + path.string() + ": cannot read the records: " + error);
    std::unique_ptr<RecordCompressor> compressor;
    if (options.compress_with != 0) {
        const auto it = std::find_if(options.dictionaries.begin(), options.dictionaries.end(),
                                     [&](const Dictionary& d) { return d.id == options.compress_with; });
        if (it == options.dictionaries.end())
            throw StoreError("sqlite store " + path.string() + ": compress_with names dictionary " +
                             std::to_string(options.compress_with) + ", which is not among the dictionaries");
        compressor = std::make_unique<RecordCompressor>(*it);
    }
    auto writer = std::make_unique<sqlite::Writer>(
        std::move(db), sqlite::open_checkpointer(path, options), index,
        options.max_batches_per_transaction, options.checkpoint_pages, path.string(), std::move(compressor));
    return std::make_unique<SqliteStore>(std::move(index), std::move(writer), std::move(reader), path.string(),
                                         options.dictionaries);
}

int sqlite_schema_version() {
    return sqlite::latest_schema_version();
}

}  // namespace carebridge::store
