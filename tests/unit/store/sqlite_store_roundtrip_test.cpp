// Round trip through the SQLite store: every kind of write, the reads, and a reopen.
#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <limits>

#include "store/sqlite/sqlite_store.hpp"
#include "store_test_support.hpp"

namespace carebridge::store {
namespace {

using testing::commit_wait;
using testing::record;
using testing::TempDir;

const std::string kBinary("a\0b\xff", 4);  // embedded NUL and a non-UTF-8 byte

std::vector<std::uint64_t> positions(const std::vector<Record>& records) {
    std::vector<std::uint64_t> out;
    for (const auto& r : records) out.push_back(r.position);
    return out;
}

// The state after both batches of RoundTrip.AllWritesAndReads.
void expect_final_state(Store& store) {
    const auto k = store.load("k");
    ASSERT_EQ(k.size(), 1u);
    EXPECT_EQ(k[0].kind, "k");
    EXPECT_EQ(k[0].key, "a");
    EXPECT_EQ(k[0].data, "1b");  // upserted
    const auto other = store.load("other");
    ASSERT_EQ(other.size(), 1u);
    EXPECT_EQ(other[0].data, "3");
    EXPECT_TRUE(store.load("none").empty());

    const auto s1 = store.read("s1", 0, 100);
    EXPECT_EQ(positions(s1), (std::vector<std::uint64_t>{2, 3, 4}));  // 1 truncated
    ASSERT_EQ(s1.size(), 3u);
    EXPECT_EQ(s1[0].stream, "s1");
    EXPECT_EQ(s1[0].data, "two");
    EXPECT_EQ(s1[2].data, kBinary);
    EXPECT_EQ(positions(store.read("s1", 3, 1)), (std::vector<std::uint64_t>{3}));
    EXPECT_EQ(positions(store.read("s1", 3, 100)), (std::vector<std::uint64_t>{3, 4}));
    EXPECT_TRUE(store.read("s1", 0, 0).empty());
    EXPECT_TRUE(store.read("s1", 5, 10).empty());
    EXPECT_TRUE(store.read("s1", std::numeric_limits<std::uint64_t>::max(), 10).empty());
    EXPECT_TRUE(store.read("s2", 0, 10).empty());  // dropped
    const auto s3 = store.read("s3", 0, std::numeric_limits<std::size_t>::max());
    ASSERT_EQ(s3.size(), 1u);
    EXPECT_EQ(s3[0].data, "");  // an empty blob stays empty, not NULL

    const std::map<std::string, std::uint64_t> heads{{"s1", 4}, {"s3", 5}};
    EXPECT_EQ(store.streams(), heads);
}

TEST(SqliteStoreRoundTrip, AllWritesAndReads) {
    TempDir dir;
    const auto path = dir / "data/nested/store.db";  // parent directories are created
    {
        auto store = open_sqlite_store(path);
        EXPECT_TRUE(store->streams().empty());

        Batch first;
        first.appends = {record("s1", 3, "three"), record("s1", 1, "one"), record("s1", 2, "two"),
                         record("s2", 10, "ten")};
        first.puts = {{"k", "a", "1"}, {"k", "b", "2"}, {"other", "x", "3"}};
        EXPECT_EQ(commit_wait(*store, first), "");

        Batch second;
        second.puts = {{"k", "a", "1b"}};
        second.erases = {{"k", "b"}, {"k", "never-existed"}};
        second.truncations = {{"s1", 2}};
        second.dropped_streams = {"s2"};
        second.appends = {record("s3", 5, ""), record("s1", 4, kBinary)};
        EXPECT_EQ(commit_wait(*store, second), "");

        EXPECT_EQ(commit_wait(*store, Batch{}), "");  // an empty batch still completes

        expect_final_state(*store);
        EXPECT_TRUE(store->healthy());
        const auto stats = store->stats();
        EXPECT_EQ(stats.batches, 3u);
        EXPECT_EQ(stats.transactions, 2u);  // the empty batch needs none
        EXPECT_EQ(stats.failures, 0u);
    }
    auto reopened = open_sqlite_store(path);
    expect_final_state(*reopened);
}

TEST(SqliteStoreRoundTrip, RemovalsApplyBeforeWritesInOneBatch) {
    TempDir dir;
    auto store = open_sqlite_store(dir / "store.db");
    Batch seed;
    seed.appends = {record("s", 1, "old")};
    seed.puts = {{"k", "a", "old"}};
    ASSERT_EQ(commit_wait(*store, seed), "");

    // Recreating a stream and a snapshot in one batch keeps the new content.
    Batch reset;
    reset.dropped_streams = {"s"};
    reset.appends = {record("s", 1, "new")};
    reset.erases = {{"k", "a"}};
    reset.puts = {{"k", "a", "new"}};
    ASSERT_EQ(commit_wait(*store, reset), "");
    ASSERT_EQ(store->read("s", 0, 10).size(), 1u);
    EXPECT_EQ(store->read("s", 0, 10)[0].data, "new");
    ASSERT_EQ(store->load("k").size(), 1u);
    EXPECT_EQ(store->load("k")[0].data, "new");
}

TEST(SqliteStoreRoundTrip, PositionsBeyondInt64) {
    TempDir dir;
    auto store = open_sqlite_store(dir / "store.db");
    constexpr auto kTop = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
    Batch ok;
    ok.appends = {record("s", 0, "zero"), record("s", kTop, "top")};
    ASSERT_EQ(commit_wait(*store, ok), "");
    EXPECT_EQ(store->streams().at("s"), kTop);
    EXPECT_EQ(positions(store->read("s", kTop, 10)), (std::vector<std::uint64_t>{kTop}));

    Batch too_far;
    too_far.appends = {record("s", kTop + 1, "x")};
    const std::string error = commit_wait(*store, too_far);
    EXPECT_NE(error.find("out of range"), std::string::npos) << error;

    // A truncation point above every storable position removes the whole stream.
    Batch truncate_all;
    truncate_all.truncations = {{"s", std::numeric_limits<std::uint64_t>::max()}};
    ASSERT_EQ(commit_wait(*store, truncate_all), "");
    EXPECT_TRUE(store->streams().empty());
}

TEST(SqliteStoreRoundTrip, ReadsSeeCommitsFromAnotherThread) {
    TempDir dir;
    auto store = open_sqlite_store(dir / "store.db");
    std::atomic<bool> produced{false};
    std::thread producer([&] {
        for (std::uint64_t i = 1; i <= 100; ++i) {
            Batch b;
            b.appends = {record("s", i, std::to_string(i))};
            store->commit(std::move(b), nullptr);  // a null done is allowed
        }
        produced = true;
    });
    // Reads run on this thread while the writer works (until it is done, at least 20); each
    // sees a committed prefix, never one with a record missing in the middle.
    for (int i = 0; i < 20 || !produced || store->read("s", 0, 1000).size() < 100; ++i) {
        const auto records = store->read("s", 0, 1000);
        for (std::size_t j = 0; j < records.size(); ++j) ASSERT_EQ(records[j].position, j + 1);
        if (i > 100'000) break;  // bounded; the checks below then fail
    }
    producer.join();
    store->drain();
    EXPECT_EQ(store->read("s", 0, 1000).size(), 100u);
    EXPECT_EQ(store->stats().batches, 100u);
}

TEST(SqliteStoreRoundTrip, DestructorFinishesPendingCommits) {
    TempDir dir;
    const auto path = dir / "store.db";
    {
        auto store = open_sqlite_store(path);
        for (std::uint64_t i = 0; i < 50; ++i) {
            Batch b;
            b.appends = {record("s", i, "x")};
            store->commit(std::move(b), nullptr);
        }
    }  // no drain(): the destructor does it
    EXPECT_EQ(open_sqlite_store(path)->read("s", 0, 100).size(), 50u);
    EXPECT_FALSE(std::filesystem::exists(path.string() + "-wal"));  // checkpointed at close
}

}  // namespace
}  // namespace carebridge::store

namespace carebridge::store {
namespace {

// A batch that fails takes its removals and appends out of the in-memory record index too
// (sqlite/record_index.hpp): reads, streams() and a reopen agree with what is on disk.
TEST(SqliteStoreRoundTrip, AFailedBatchLeavesNoTraceInTheIndex) {
    TempDir dir;
    const auto path = dir / "store.db";
    auto check = [](Store& store) {
        EXPECT_EQ(positions(store.read("s", 0, 100)), (std::vector<std::uint64_t>{2, 3, 4}));
        EXPECT_TRUE(store.read("t", 0, 100).empty());
        const std::map<std::string, std::uint64_t> heads{{"s", 4}};
        EXPECT_EQ(store.streams(), heads);
    };
    {
        auto store = open_sqlite_store(path);
        Batch seed;
        seed.appends = {record("s", 1, "1"), record("s", 2, "2"), record("s", 3, "3")};
        ASSERT_EQ(commit_wait(*store, seed), "");
        // Submitted together, so they usually share a transaction that then rolls back.
        Batch good, bad;
        good.truncations = {{"s", 2}};
        good.appends = {record("s", 4, "4")};
        bad.dropped_streams = {"s"};
        bad.appends = {record("t", 1, "x"), record("t", 1, "again")};
        std::promise<std::string> first, second;
        store->commit(good, [&](const std::string& e) { first.set_value(e); });
        store->commit(bad, [&](const std::string& e) { second.set_value(e); });
        EXPECT_EQ(first.get_future().get(), "");
        EXPECT_NE(second.get_future().get().find("UNIQUE constraint failed"), std::string::npos);
        check(*store);
        // The stream goes on where it was: a duplicate of a kept record is still refused.
        Batch dup;
        dup.appends = {record("s", 3, "again")};
        EXPECT_NE(commit_wait(*store, dup), "");
    }
    auto reopened = open_sqlite_store(path);
    check(*reopened);
}

}  // namespace
}  // namespace carebridge::store
