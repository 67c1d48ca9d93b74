// The writer thread: group commit, ordering, per-batch failure, a full disk, and throughput.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <iostream>
#include <memory>
#include <thread>

#include "store/sqlite/sqlite_store.hpp"
#include "store_test_support.hpp"

namespace carebridge::store {
namespace {

using testing::commit_wait;
using testing::record;
using testing::TempDir;

Batch append_batch(const std::string& stream, std::uint64_t position, std::string data = "x") {
    Batch b;
    b.appends = {record(stream, position, std::move(data))};
    return b;
}

// Holds the writer thread inside the done callback of a first batch until release(), so that
// every batch submitted meanwhile is pending at once and lands in the same group: the tests
// control grouping without sleeping.
class WriterGate {
public:
    // Returns once the writer thread is inside the gate's done: a batch submitted after that
    // cannot share the gate's transaction (without this wait a slow writer thread could take
    // the gate with hundreds of batches already queued behind it).
    explicit WriterGate(Store& store) {
        auto opened = released_.get_future().share();
        auto entered = std::make_shared<std::promise<void>>();  // outlives this constructor
        auto inside = entered->get_future();
        store.commit(append_batch("gate", 1), [opened, entered](const std::string&) {
            entered->set_value();
            opened.wait();
        });
        inside.wait();
    }
    void release() { released_.set_value(); }

private:
    std::promise<void> released_;
};

TEST(SqliteStoreWriter, GroupCommitKeepsSubmissionOrder) {
    TempDir dir;
    auto store = open_sqlite_store(dir / "store.db");
    constexpr std::size_t kBatches = 2000;
    std::vector<std::size_t> order;  // touched only by the writer thread until drain()
    WriterGate gate(*store);
    std::thread submitter([&] {
        for (std::size_t i = 0; i < kBatches; ++i) {
            store->commit(append_batch("s", i), [&order, i](const std::string& error) {
                EXPECT_EQ(error, "");
                order.push_back(i);
            });
        }
    });
    submitter.join();
    gate.release();
    store->drain();

    ASSERT_EQ(order.size(), kBatches);  // every done exactly once...
    for (std::size_t i = 0; i < kBatches; ++i) ASSERT_EQ(order[i], i);  // ...in order
    const auto stats = store->stats();
    EXPECT_EQ(stats.batches, kBatches + 1);
    EXPECT_EQ(stats.failures, 0u);
    // The gate's own transaction, then 2000 pending batches in groups of at most 512.
    EXPECT_LT(stats.transactions, stats.batches);
    EXPECT_EQ(stats.transactions, 1u + (kBatches + 511) / 512);
    EXPECT_EQ(store->read("s", 0, kBatches + 1).size(), kBatches);
}

TEST(SqliteStoreWriter, DuplicateAppendFailsOnlyItsOwnBatch) {
    TempDir dir;
    auto store = open_sqlite_store(dir / "store.db");
    ASSERT_EQ(commit_wait(*store, append_batch("s", 1, "original")), "");

    std::vector<std::string> errors(3, "not called");
    WriterGate gate(*store);
    Batch good_before = append_batch("s", 2);
    good_before.puts = {{"k", "before", "1"}};
    Batch duplicate = append_batch("t", 1);  // valid on its own...
    duplicate.appends.push_back(record("s", 1, "duplicate"));  // ...but this one exists
    Batch good_after = append_batch("s", 3);
    store->commit(good_before, [&](const std::string& e) { errors[0] = e; });
    store->commit(duplicate, [&](const std::string& e) { errors[1] = e; });
    store->commit(good_after, [&](const std::string& e) { errors[2] = e; });
    gate.release();
    store->drain();

    EXPECT_EQ(errors[0], "");
    EXPECT_NE(errors[1].find("UNIQUE constraint failed"), std::string::npos) << errors[1];
    EXPECT_NE(errors[1].find("'s' at position 1"), std::string::npos) << errors[1];
    EXPECT_EQ(errors[2], "");
    // The failed batch left nothing, not even its valid first append.
    EXPECT_TRUE(store->read("t", 0, 10).empty());
    const auto s = store->read("s", 0, 10);
    ASSERT_EQ(s.size(), 3u);
    EXPECT_EQ(s[0].data, "original");
    EXPECT_EQ(store->load("k").size(), 1u);
    EXPECT_EQ(store->stats().failures, 1u);
    EXPECT_TRUE(store->healthy());  // good_after succeeded after the failure
}

TEST(SqliteStoreWriter, SamePositionTwiceInOneGroupFailsTheSecond) {
    TempDir dir;
    auto store = open_sqlite_store(dir / "store.db");
    std::vector<std::string> errors(3, "not called");
    WriterGate gate(*store);
    store->commit(append_batch("s", 1, "a"), [&](const std::string& e) { errors[0] = e; });
    store->commit(append_batch("s", 1, "b"), [&](const std::string& e) { errors[1] = e; });
    store->commit(append_batch("s", 2, "c"), [&](const std::string& e) { errors[2] = e; });
    gate.release();
    store->drain();
    EXPECT_EQ(errors[0], "");
    EXPECT_NE(errors[1].find("UNIQUE constraint failed"), std::string::npos) << errors[1];
    EXPECT_EQ(errors[2], "");
    const auto s = store->read("s", 0, 10);
    ASSERT_EQ(s.size(), 2u);
    EXPECT_EQ(s[0].data, "a");
    EXPECT_EQ(s[1].data, "c");
}

// SQLITE_FULL through SQLite's own path: max_page_count caps the file, and the pager refuses
// to allocate a page past it with SQLITE_FULL, exactly as when the disk has no room left.
// (chmod cannot simulate a read-only disk here: the tests run as root.)
TEST(SqliteStoreWriter, FullDiskFailsCleanlyAndRecovers) {
    TempDir dir;
    const auto path = dir / "store.db";
    const std::string big(200 * 1024, 'b');  // far more than the cap allows
    Batch too_big;
    too_big.appends = {record("s", 2, "small"), record("s", 3, big)};
    too_big.puts = {{"k", "a", "1"}};
    {
        SqliteOptions options;
        options.max_page_count = 16;  // 64 KiB with 4 KiB pages
        auto store = open_sqlite_store(path, options);
        ASSERT_EQ(commit_wait(*store, append_batch("s", 1, "first")), "");

        const std::string error = commit_wait(*store, too_big);
        EXPECT_NE(error.find("full"), std::string::npos) << error;
        EXPECT_FALSE(store->healthy());
        EXPECT_EQ(store->stats().failures, 1u);
        // Reads still work, and nothing of the failed batch is visible.
        EXPECT_EQ(store->read("s", 0, 10).size(), 1u);
        EXPECT_TRUE(store->load("k").empty());

        // In a group, the batches that fit still succeed (each is retried alone).
        std::vector<std::string> errors(3, "not called");
        WriterGate gate(*store);
        store->commit(append_batch("s", 10), [&](const std::string& e) { errors[0] = e; });
        store->commit(too_big, [&](const std::string& e) { errors[1] = e; });
        store->commit(append_batch("s", 11), [&](const std::string& e) { errors[2] = e; });
        gate.release();
        store->drain();
        EXPECT_EQ(errors[0], "");
        EXPECT_NE(errors[1].find("full"), std::string::npos) << errors[1];
        EXPECT_EQ(errors[2], "");
        EXPECT_TRUE(store->healthy());  // a later commit succeeded
        EXPECT_EQ(store->read("s", 0, 10).size(), 3u);
    }
    // Room again (the cap is per connection, not stored): the same batch now goes through.
    auto store = open_sqlite_store(path);
    too_big.appends[0].position = 5;
    too_big.appends[1].position = 6;
    ASSERT_EQ(commit_wait(*store, too_big), "");
    EXPECT_TRUE(store->healthy());
    EXPECT_EQ(store->read("s", 6, 1).at(0).data, big);
    EXPECT_EQ(store->load("k").size(), 1u);
}

// The WAL is copied back by the checkpointer thread, not inside the writer's transactions:
// with SQLite's automatic checkpoint switched off and nothing replacing it, the WAL would hold
// every page ever written (here about 1,600) and this would fail.
TEST(SqliteStoreWriter, CheckpointerKeepsTheWalBounded) {
    TempDir dir;
    const auto path = dir / "store.db";
    SqliteOptions options;
    options.checkpoint_pages = 8;
    auto store = open_sqlite_store(path, options);
    const std::string data(6000, 'w');  // two pages each
    for (std::uint64_t i = 1; i <= 800; ++i) ASSERT_EQ(commit_wait(*store, append_batch("s", i, data)), "");
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (store->stats().checkpoints == 0 && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    EXPECT_GT(store->stats().checkpoints, 0u);
    // About the hard limit (8 x 8 pages), a little more while the two checkpoints overlap;
    // without any checkpoint it would be over 2,000 pages.
    EXPECT_LT(std::filesystem::file_size(dir / "store.db-wal"), 200u * 4120u);
    EXPECT_EQ(store->read("s", 1, 1000).size(), 800u);
    store.reset();
    // Everything is in the database file after close, and it reads back.
    auto reopened = open_sqlite_store(path, options);
    EXPECT_EQ(reopened->read("s", 800, 1).at(0).data, data);
}

// Not a test of speed (nothing is asserted on time): prints batches/s so a run shows what
// group commit buys with each synchronous mode.
TEST(SqliteStoreWriter, ThroughputReport) {
    for (const bool full : {true, false}) {
        TempDir dir;
        SqliteOptions options;
        options.synchronous_full = full;
        auto store = open_sqlite_store(dir / "store.db", options);
        using Clock = std::chrono::steady_clock;
        auto seconds_since = [](Clock::time_point start) {
            return std::chrono::duration<double>(Clock::now() - start).count();
        };

        constexpr std::uint64_t kOneByOne = 100;  // commit, wait, repeat: one fsync each
        auto start = Clock::now();
        for (std::uint64_t i = 0; i < kOneByOne; ++i) {
            ASSERT_EQ(commit_wait(*store, append_batch("serial", i, std::string(100, 'x'))), "");
        }
        const double serial = kOneByOne / seconds_since(start);

        constexpr std::uint64_t kPipelined = 20000;  // submit all, then drain: grouped
        const auto before = store->stats();
        start = Clock::now();
        for (std::uint64_t i = 0; i < kPipelined; ++i) {
            store->commit(append_batch("piped", i, std::string(100, 'x')), nullptr);
        }
        store->drain();
        const double piped = kPipelined / seconds_since(start);
        const auto after = store->stats();
        EXPECT_EQ(after.batches - before.batches, kPipelined);

        std::cout << "[ throughput ] synchronous=" << (full ? "FULL  " : "NORMAL")
                  << " one-by-one: " << static_cast<long>(serial) << " batches/s;"
                  << " pipelined: " << static_cast<long>(piped) << " batches/s in "
                  << (after.transactions - before.transactions) << " transactions\n";
    }
}

}  // namespace
}  // namespace carebridge::store
