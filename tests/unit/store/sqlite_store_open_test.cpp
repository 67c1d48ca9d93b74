// Opening: corrupt files and newer schemas are refused untouched; older schemas are migrated.
#include <gtest/gtest.h>

#include <random>

#include "store/sqlite/sqlite_store.hpp"
#include "store_test_support.hpp"

namespace carebridge::store {
namespace {

using testing::commit_wait;
using testing::RawDb;
using testing::read_file;
using testing::record;
using testing::TempDir;
using testing::write_file;

std::string random_bytes(std::size_t n) {
    std::mt19937 rng(42);  // fixed seed: the same bytes every run
    std::string out(n, '\0');
    for (auto& c : out) c = static_cast<char>(rng() & 0xff);
    return out;
}

// Opening must throw StoreError whose message contains each of `needles`, and leave the file
// byte for byte as it was.
void expect_refused(const std::filesystem::path& path, std::vector<std::string> needles) {
    const std::string before = read_file(path);
    needles.push_back(path.string());
    try {
        open_sqlite_store(path);
        ADD_FAILURE() << "opened " << path;
    } catch (const StoreError& e) {
        const std::string message = e.what();
        for (const auto& needle : needles) {
            EXPECT_NE(message.find(needle), std::string::npos) << needle << " in: " << message;
        }
    }
    EXPECT_EQ(read_file(path), before) << "a refused file was modified";
}

// A database of several pages, closed cleanly (WAL checkpointed into the main file).
void make_database(const std::filesystem::path& path) {
    auto store = open_sqlite_store(path);
    Batch b;
    for (std::uint64_t i = 0; i < 200; ++i) {
        b.appends.push_back(record("s", i, std::string(500, 'r')));
    }
    b.puts = {{"k", "a", "1"}};
    ASSERT_EQ(commit_wait(*store, b), "");
}

TEST(SqliteStoreOpen, RefusesRandomBytes) {
    TempDir dir;
    const auto path = dir / "store.db";
    write_file(path, random_bytes(64 * 1024));
    expect_refused(path, {"corrupt or not a database", "file is not a database"});
}

TEST(SqliteStoreOpen, RefusesOverwrittenPages) {
    TempDir dir;
    const auto path = dir / "store.db";
    make_database(path);
    std::string bytes = read_file(path);
    ASSERT_GE(bytes.size(), 16u * 4096u);
    // Keep the header page (schema) intact, smash pages 4 to 8: the b-tree is broken.
    const std::string garbage = random_bytes(5 * 4096);
    bytes.replace(3 * 4096, garbage.size(), garbage);
    write_file(path, bytes);
    expect_refused(path, {"corrupt"});
}

TEST(SqliteStoreOpen, RefusesTruncatedDatabase) {
    TempDir dir;
    const auto path = dir / "store.db";
    make_database(path);
    std::filesystem::resize_file(path, std::filesystem::file_size(path) / 2);
    expect_refused(path, {"corrupt"});
}

TEST(SqliteStoreOpen, RefusesNewerSchema) {
    TempDir dir;
    const auto path = dir / "store.db";
    make_database(path);
    RawDb(path).exec("PRAGMA user_version = " + std::to_string(sqlite_schema_version() + 1));
    expect_refused(path, {"schema version " + std::to_string(sqlite_schema_version() + 1) +
                          " is newer than this build (" +
                          std::to_string(sqlite_schema_version()) + ")"});
}

TEST(SqliteStoreOpen, MigratesVersion1) {
    TempDir dir;
    const auto path = dir / "store.db";
    {
        // A file as the version-1 build wrote it: the records table only.
        RawDb v1(path);
        v1.exec("PRAGMA journal_mode=WAL");
        v1.exec("CREATE TABLE records(stream TEXT NOT NULL, position INTEGER NOT NULL,"
                " data BLOB NOT NULL, PRIMARY KEY(stream, position)) WITHOUT ROWID");
        v1.exec("INSERT INTO records VALUES('s', 1, x'6f6e65'), ('s', 2, x'74776f')");
        v1.exec("PRAGMA user_version = 1");
    }
    {
        auto store = open_sqlite_store(path);
        const auto s = store->read("s", 0, 10);
        ASSERT_EQ(s.size(), 2u);
        EXPECT_EQ(s[0].data, "one");
        EXPECT_EQ(s[1].data, "two");
        Batch b;
        b.puts = {{"k", "a", "snap"}};  // the v2 table exists and works
        ASSERT_EQ(commit_wait(*store, b), "");
        ASSERT_EQ(store->load("k").size(), 1u);
        // Positions stay unique per stream (v4: checked by the in-memory index, which v3's
        // migrated records fill at open), and appends go on after the migrated records.
        Batch again;
        again.appends = {{"s", 2, "dup"}};
        EXPECT_NE(commit_wait(*store, again), "");
        Batch next;
        next.appends = {{"s", 3, "three"}};
        ASSERT_EQ(commit_wait(*store, next), "");
        EXPECT_EQ(store->read("s", 2, 10).size(), 2u);
        EXPECT_EQ(store->streams().at("s"), 3u);
    }
    RawDb raw(path);
    EXPECT_EQ(raw.scalar("PRAGMA user_version"), std::to_string(sqlite_schema_version()));
    EXPECT_EQ(raw.scalar("PRAGMA journal_mode"), "wal");
    EXPECT_EQ(raw.scalar("SELECT count(*) FROM snapshots"), "1");
}

TEST(SqliteStoreOpen, NewFileGetsLatestSchema) {
    TempDir dir;
    const auto path = dir / "store.db";
    open_sqlite_store(path).reset();
    EXPECT_EQ(sqlite_schema_version(), 5);
    RawDb raw(path);
    EXPECT_EQ(raw.scalar("PRAGMA user_version"), "5");
    // v5: records say how their data is stored (record_compression.hpp).
    EXPECT_EQ(raw.scalar("SELECT count(*) FROM pragma_table_info('records') WHERE name = 'codec'"), "1");
    // v4: the records table has no index (the store keeps one in memory).
    EXPECT_EQ(raw.scalar("SELECT count(*) FROM sqlite_master WHERE type = 'index' AND tbl_name = 'records'"), "0");
    EXPECT_EQ(raw.scalar("PRAGMA journal_mode"), "wal");
}

TEST(SqliteStoreOpen, RefusesUnusablePath) {
    TempDir dir;
    write_file(dir / "a-file", "not a directory");
    EXPECT_THROW(open_sqlite_store(dir / "a-file/store.db"), StoreError);
    std::filesystem::create_directory(dir / "a-directory");
    try {
        open_sqlite_store(dir / "a-directory");
        ADD_FAILURE() << "opened a directory";
    } catch (const StoreError& e) {
        EXPECT_NE(std::string(e.what()).find("a-directory"), std::string::npos) << e.what();
    }
}

}  // namespace
}  // namespace carebridge::store
