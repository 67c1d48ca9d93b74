// The SQLite store compresses records with its owner's dictionary: they read back as written,
// across reopens and alongside records stored as given, and take a fraction of the bytes.
#include <gtest/gtest.h>

#include "store/sqlite/sqlite_store.hpp"
#include "store_test_support.hpp"

namespace carebridge::store {
namespace {

using testing::commit_wait;
using testing::RawDb;
using testing::record;
using testing::TempDir;

const std::string kDictionary =
    R"({"rel":"communication","href":"/ucwa/v1/applications/a1/communication","time":1795730934377})"
    "\n"
    R"({"link":{"rel":"message","href":"/ucwa/v1/applications/a1/communication/conversations/c1/messaging/messages/1"},)"
    R"("_embedded":{"message":{"direction":"Incoming","_links":{"self":{"href":"/ucwa/v1/applications/a1/)"
    R"(communication/conversations/c1/messaging/messages/1"}},"rel":"message"}},"status":"Success","type":"completed"})";

std::string event(int n) {
    const std::string app = "app" + std::to_string(1000 + n), conv = "conv" + std::to_string(7000 + n);
    return R"({"rel":"communication","href":"/ucwa/v1/applications/)" + app + R"(/communication","time":1795730934)" +
           std::to_string(100 + n) + "}\n" + R"({"link":{"rel":"message","href":"/ucwa/v1/applications/)" + app +
           "/communication/conversations/" + conv + "/messaging/messages/" + std::to_string(n) +
           R"("},"_embedded":{"message":{"direction":"Incoming","_links":{"self":{"href":"/ucwa/v1/applications/)" +
           app + "/communication/conversations/" + conv + "/messaging/messages/" + std::to_string(n) +
           R"("}},"rel":"message"}},"status":"Success","type":"completed"})";
}

SqliteOptions compressing() {
    SqliteOptions o;
    o.synchronous_full = false;
    o.dictionaries = {{1, kDictionary}};
    o.compress_with = 1;
    return o;
}

TEST(SqliteStoreCompression, RecordsReadBackAsWrittenAndTakeAFractionOfTheBytes) {
    TempDir dir;
    const auto path = dir / "store.db";
    std::size_t raw_bytes = 0;
    {
        auto store = open_sqlite_store(path, compressing());
        Batch b;
        for (int i = 1; i <= 20; ++i) {
            b.appends.push_back(record("ucwa:a", static_cast<std::uint64_t>(i), event(i)));
            raw_bytes += event(i).size();
        }
        b.appends.push_back(record("ucwa:a", 21, std::string("x\0y", 3)));  // too small to shrink
        b.puts = {{"k", "a", event(0)}};                                     // snapshots as given
        ASSERT_EQ(commit_wait(*store, b), "");
        const auto back = store->read("ucwa:a", 1, 100);
        ASSERT_EQ(back.size(), 21u);
        EXPECT_EQ(back[4].data, event(5));
        // The statistics count what was given and what was stored (metrics show both).
        const auto stats = store->stats();
        EXPECT_EQ(stats.record_bytes, raw_bytes + 3);
        EXPECT_GT(stats.record_bytes_stored, 3u);
        EXPECT_LT(stats.record_bytes_stored * 3, stats.record_bytes);
    }
    auto store = open_sqlite_store(path, compressing());
    const auto back = store->read("ucwa:a", 1, 100);
    ASSERT_EQ(back.size(), 21u);
    for (int i = 1; i <= 20; ++i) EXPECT_EQ(back[static_cast<std::size_t>(i - 1)].data, event(i));
    EXPECT_EQ(back[20].data, std::string("x\0y", 3));
    EXPECT_EQ(store->load("k").at(0).data, event(0));
    store.reset();

    RawDb raw(path);
    EXPECT_EQ(raw.scalar("SELECT count(*) FROM records WHERE codec = 1"), "20");
    EXPECT_EQ(raw.scalar("SELECT codec FROM records WHERE position = 21"), "0");
    const auto stored = std::stoul(raw.scalar("SELECT sum(length(data)) FROM records WHERE codec = 1"));
    EXPECT_LT(stored * 3, raw_bytes) << stored << " bytes stored for " << raw_bytes;
    EXPECT_EQ(raw.scalar("SELECT data FROM snapshots WHERE key = 'a'"), event(0));
}

TEST(SqliteStoreCompression, RecordsStoredAsGivenAndCompressedOnesLiveSideBySide) {
    TempDir dir;
    const auto path = dir / "store.db";
    {
        SqliteOptions plain;
        plain.synchronous_full = false;
        auto store = open_sqlite_store(path, plain);  // an older build: nothing compressed
        Batch b;
        b.appends = {record("s", 1, event(1)), record("s", 2, event(2))};
        ASSERT_EQ(commit_wait(*store, b), "");
    }
    {
        auto store = open_sqlite_store(path, compressing());
        Batch b;
        b.appends = {record("s", 3, event(3))};
        ASSERT_EQ(commit_wait(*store, b), "");
        const auto back = store->read("s", 1, 10);
        ASSERT_EQ(back.size(), 3u);
        for (std::size_t i = 0; i < 3; ++i) EXPECT_EQ(back[i].data, event(static_cast<int>(i) + 1));
    }
    RawDb raw(path);
    EXPECT_EQ(raw.scalar("SELECT group_concat(codec) FROM (SELECT codec FROM records ORDER BY position)"), "0,0,1");
}

TEST(SqliteStoreCompression, ARecordOfAnUnknownDictionaryIsAnErrorThatSaysWhich) {
    TempDir dir;
    const auto path = dir / "store.db";
    {
        auto store = open_sqlite_store(path, compressing());
        Batch b;
        b.appends = {record("ucwa:a", 1, event(1))};
        ASSERT_EQ(commit_wait(*store, b), "");
    }
    SqliteOptions without;  // a build that does not know dictionary 1
    auto store = open_sqlite_store(path, without);
    try {
        store->read("ucwa:a", 1, 10);
        FAIL() << "read a record without its dictionary";
    } catch (const StoreError& e) {
        const std::string what = e.what();
        EXPECT_NE(what.find("dictionary 1"), std::string::npos) << what;
        EXPECT_NE(what.find("ucwa:a"), std::string::npos) << what;
    }
}

TEST(SqliteStoreCompression, CompressingWithADictionaryNotListedIsRefusedAtOpen) {
    TempDir dir;
    SqliteOptions o;
    o.compress_with = 2;
    o.dictionaries = {{1, kDictionary}};
    EXPECT_THROW(open_sqlite_store(dir / "store.db", o), StoreError);
}

}  // namespace
}  // namespace carebridge::store
