#include "store/sqlite/record_index.hpp"

#include <gtest/gtest.h>

namespace carebridge::store::sqlite {
namespace {

std::vector<std::uint64_t> positions(const std::vector<RecordIndex::Entry>& entries) {
    std::vector<std::uint64_t> out;
    for (const auto& e : entries) out.push_back(e.position);
    return out;
}

TEST(RecordIndex, KeepsEachStreamInPositionOrderAndRangesOverIt) {
    RecordIndex index;
    index.add("s", 1, 10);
    index.add("t", 1, 11);
    index.add("s", 5, 12);
    index.add("s", 3, 13);  // out of order: sorted in
    index.commit();
    EXPECT_EQ(positions(index.range("s", 0, 10)), (std::vector<std::uint64_t>{1, 3, 5}));
    EXPECT_EQ(positions(index.range("s", 2, 1)), (std::vector<std::uint64_t>{3}));
    EXPECT_EQ(index.range("s", 3, 1)[0].rowid, 13);
    EXPECT_TRUE(index.range("s", 6, 10).empty());
    EXPECT_TRUE(index.range("none", 0, 10).empty());
    EXPECT_TRUE(index.contains("s", 3));
    EXPECT_FALSE(index.contains("s", 4));
    const std::map<std::string, std::uint64_t> heads{{"s", 5}, {"t", 1}};
    EXPECT_EQ(index.last_positions(), heads);
    EXPECT_EQ(index.size(), 4u);
}

TEST(RecordIndex, RemovalsReturnWhatToDeleteAndEmptyStreamsDisappear) {
    RecordIndex index;
    for (std::uint64_t p = 1; p <= 4; ++p) index.add("s", p, static_cast<std::int64_t>(100 + p));
    index.add("t", 7, 200);
    const auto below = index.remove_below("s", 3);
    EXPECT_EQ(positions(below), (std::vector<std::uint64_t>{1, 2}));
    EXPECT_EQ(below[1].rowid, 102);
    EXPECT_EQ(positions(index.remove_all("t")), (std::vector<std::uint64_t>{7}));
    EXPECT_TRUE(index.remove_all("t").empty());
    const std::map<std::string, std::uint64_t> heads{{"s", 4}};
    EXPECT_EQ(index.last_positions(), heads);
    EXPECT_EQ(index.size(), 2u);
}

TEST(RecordIndex, RollbackUndoesTheTransactionOnlyNewestFirst) {
    RecordIndex index;
    index.add("s", 1, 1);
    index.add("s", 2, 2);
    index.commit();
    // A transaction that drops the stream and writes it again, then more: all undone.
    index.remove_all("s");
    index.add("s", 1, 3);
    index.add("u", 9, 4);
    index.remove_below("s", 5);
    index.rollback();
    const auto s = index.range("s", 0, 10);
    ASSERT_EQ(s.size(), 2u);
    EXPECT_EQ(s[0].rowid, 1);
    EXPECT_EQ(s[1].rowid, 2);
    EXPECT_FALSE(index.contains("u", 9));
    EXPECT_EQ(index.size(), 2u);
    // A committed transaction is not undone by a later rollback.
    index.add("s", 3, 5);
    index.commit();
    index.rollback();
    EXPECT_TRUE(index.contains("s", 3));
}

}  // namespace
}  // namespace carebridge::store::sqlite
