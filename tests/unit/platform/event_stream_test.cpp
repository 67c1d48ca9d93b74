// EventStream: positions, stable reads, compaction and parked readers.
#include "platform/events/event_stream.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

namespace carebridge::platform {
namespace {

std::vector<std::uint64_t> positions(const std::vector<const StoredEvent*>& events) {
    std::vector<std::uint64_t> out;
    for (const auto* e : events) out.push_back(e->position);
    return out;
}

// Appends n events and makes them durable and visible, as the engine's flush does.
void fill(EventStream& s, int n) {
    for (int i = 0; i < n; ++i)
        s.append("conversation", "/c/" + std::to_string(i), R"({"n":)" + std::to_string(i) + "}");
    s.mark_saved();
    s.publish_through(s.next_position());
}

TEST(EventStream, PositionsStartAtOne) {
    EventStream s;
    EXPECT_EQ(s.first_position(), 1u);
    EXPECT_EQ(s.next_position(), 1u);
    EXPECT_TRUE(s.empty_from(1));
    EXPECT_EQ(s.append("communication", "/comm", "{}"), 1u);
    EXPECT_EQ(s.append("conversation", "/c", "{}"), 2u);
    EXPECT_EQ(s.next_position(), 3u);
    s.publish_through(3);
    EXPECT_FALSE(s.empty_from(1));
    EXPECT_FALSE(s.empty_from(2));
    EXPECT_TRUE(s.empty_from(3));
}

TEST(EventStream, StoresWhatWasAppended) {
    EventStream s("ucwa:abc");
    EXPECT_EQ(s.name(), "ucwa:abc");
    s.append("communication", "/comm", R"({"type":"added"})", 1234);
    const StoredEvent* e = s.at(1);
    ASSERT_NE(e, nullptr);
    EXPECT_EQ(e->position, 1u);
    EXPECT_EQ(e->sender_rel, "communication");
    EXPECT_EQ(e->sender_href, "/comm");
    EXPECT_EQ(e->json, R"({"type":"added"})");
    EXPECT_EQ(e->time, 1234);
    EXPECT_EQ(s.at(0), nullptr);
    EXPECT_EQ(s.at(2), nullptr);
}

TEST(EventStream, ReadReturnsTheRangeClippedToWhatExists) {
    EventStream s;
    fill(s, 5);
    EXPECT_EQ(positions(s.read(1, 100)), (std::vector<std::uint64_t>{1, 2, 3, 4, 5}));
    EXPECT_EQ(positions(s.read(2, 2)), (std::vector<std::uint64_t>{2, 3}));
    EXPECT_EQ(positions(s.read(5, 10)), (std::vector<std::uint64_t>{5}));
    EXPECT_TRUE(s.read(6, 10).empty());
    EXPECT_TRUE(s.read(1, 0).empty());
}

TEST(EventStream, ReadIsStableForTheSamePosition) {
    EventStream s;
    fill(s, 3);
    const auto first = s.read(2, 10);
    std::vector<std::string> bodies;
    for (const auto* e : first) bodies.push_back(e->json);
    // More events arrive; re-reading position 2 starts with the same events, same bytes.
    fill(s, 4);
    const auto again = s.read(2, 2);
    ASSERT_EQ(positions(again), (std::vector<std::uint64_t>{2, 3}));
    EXPECT_EQ(again[0]->json, bodies[0]);
    EXPECT_EQ(again[1]->json, bodies[1]);
    const auto twice = s.read(2, 2);
    EXPECT_EQ(positions(twice), positions(again));
    EXPECT_EQ(twice[0]->json, again[0]->json);
}

TEST(EventStream, CompactionDropsOldEventsAndKeepsNumbering) {
    EventStream s;
    fill(s, 5);
    s.compact_before(3);
    EXPECT_EQ(s.first_position(), 3u);
    EXPECT_EQ(s.next_position(), 6u);
    EXPECT_EQ(s.at(2), nullptr);
    ASSERT_NE(s.at(3), nullptr);
    EXPECT_EQ(s.at(3)->json, R"({"n":2})");
    // A reader behind the retained range gets what is left, from the first retained event.
    EXPECT_EQ(positions(s.read(1, 10)), (std::vector<std::uint64_t>{3, 4, 5}));
    EXPECT_EQ(s.append("x", "/x", "{}"), 6u);
    s.mark_saved();
    s.publish_through(7);

    s.compact_before(2);  // already gone: no-op
    EXPECT_EQ(s.first_position(), 3u);

    s.compact_before(100);  // beyond the end: everything goes, numbering continues
    EXPECT_EQ(s.first_position(), s.next_position());
    EXPECT_TRUE(s.read(1, 10).empty());
    EXPECT_EQ(s.append("x", "/x", "{}"), 7u);
    s.publish_through(8);
    EXPECT_EQ(positions(s.read(1, 10)), (std::vector<std::uint64_t>{7}));
}

TEST(EventStream, ReadersSeeOnlyPublishedEvents) {
    EventStream s;
    s.append("x", "/x", "{}");
    s.append("x", "/x", "{}");
    EXPECT_TRUE(s.read(1, 10).empty());
    EXPECT_TRUE(s.empty_from(1));
    EXPECT_NE(s.at(1), nullptr);  // retained, just not visible
    EXPECT_EQ(positions(s.read_all(1, 3)), (std::vector<std::uint64_t>{1, 2}));
    s.publish_through(2);
    EXPECT_EQ(s.visible_end(), 2u);
    EXPECT_EQ(positions(s.read(1, 10)), (std::vector<std::uint64_t>{1}));
    EXPECT_TRUE(s.empty_from(2));
    s.publish_through(1);  // never backwards
    EXPECT_EQ(s.visible_end(), 2u);
    s.publish_through(100);  // never past what exists
    EXPECT_EQ(s.visible_end(), 3u);
    EXPECT_EQ(positions(s.read(1, 10)), (std::vector<std::uint64_t>{1, 2}));
    EXPECT_EQ(s.append("x", "/x", "{}"), 3u);
    EXPECT_TRUE(s.empty_from(3)) << "an appended event became visible without publish";
}

TEST(EventStream, CompactionKeepsUnsavedEvents) {
    EventStream s;
    fill(s, 2);
    s.append("x", "/x", "{}");  // position 3: not yet handed to the store
    EXPECT_EQ(s.unsaved_from(), 3u);
    s.compact_before(100);
    EXPECT_EQ(s.first_position(), 3u);
    ASSERT_NE(s.at(3), nullptr);
    s.mark_saved();
    EXPECT_EQ(s.unsaved_from(), 4u);
    s.compact_before(100);
    EXPECT_EQ(s.at(3), nullptr);
}

TEST(EventStream, RestoreContinuesNumberingFromTheStore) {
    EventStream s("app:1");
    s.restore({41, 0, "c", "/c", "{}"});
    s.restore({42, 0, "c", "/c", "{}"});
    s.restore({44, 0, "c", "/c", "{}"});  // a gap: ignored
    EXPECT_EQ(s.first_position(), 41u);
    EXPECT_EQ(s.next_position(), 43u);
    EXPECT_EQ(positions(s.read(1, 10)), (std::vector<std::uint64_t>{41, 42}));
    EXPECT_EQ(s.unsaved_from(), 43u);
    EXPECT_EQ(s.append("c", "/c", "{}"), 43u);
}

TEST(EventStream, WaitersAreWokenOnceThenForgotten) {
    EventStream s;
    int a = 0, b = 0;
    s.add_waiter([&] { ++a; });
    s.add_waiter([&] { ++b; });
    EXPECT_EQ(s.waiter_count(), 2u);
    s.wake();
    EXPECT_EQ(a, 1);
    EXPECT_EQ(b, 1);
    EXPECT_EQ(s.waiter_count(), 0u);
    s.wake();
    EXPECT_EQ(a, 1);
    EXPECT_EQ(b, 1);
}

TEST(EventStream, RemovedWaiterIsNotWoken) {
    EventStream s;
    int a = 0, b = 0;
    const auto ida = s.add_waiter([&] { ++a; });
    const auto idb = s.add_waiter([&] { ++b; });
    EXPECT_NE(ida, idb);
    s.remove_waiter(ida);
    s.remove_waiter(ida);  // twice: harmless
    EXPECT_EQ(s.waiter_count(), 1u);
    s.wake();
    EXPECT_EQ(a, 0);
    EXPECT_EQ(b, 1);
}

TEST(EventStream, WaiterCanReparkFromInsideWake) {
    EventStream s;
    int calls = 0;
    std::function<void()> park = [&] {
        ++calls;
        s.add_waiter(park);  // a long-poll that found nothing new parks again
    };
    s.add_waiter(park);
    s.wake();
    EXPECT_EQ(calls, 1);  // not re-run within the same wake()
    EXPECT_EQ(s.waiter_count(), 1u);
    s.wake();
    EXPECT_EQ(calls, 2);
    EXPECT_EQ(s.waiter_count(), 1u);
}

TEST(EventStream, WaiterCanReadAndAppendDuringWake) {
    EventStream s;
    std::vector<std::uint64_t> seen;
    s.add_waiter([&] {
        for (const auto* e : s.read(1, 10)) seen.push_back(e->position);
        s.append("x", "/x", "{}");
    });
    s.append("x", "/x", "{}");
    s.publish_through(2);
    s.wake();
    EXPECT_EQ(seen, (std::vector<std::uint64_t>{1}));
    EXPECT_EQ(s.next_position(), 3u);
    EXPECT_EQ(s.waiter_count(), 0u);
}

TEST(EventStream, ReleaseAtHoldsMediumEventsUntilAHighOneOrTheirTime) {
    EventStream s;
    EXPECT_EQ(s.release_at(1, 5000), INT64_MAX);  // nothing to send
    s.append("conversation", "/c", "{}", 1000, Urgency::medium);
    EXPECT_EQ(s.release_at(1, 5000), INT64_MAX) << "not visible yet";
    s.publish_through(s.next_position());
    EXPECT_EQ(s.release_at(1, 5000), 6000) << "the first held event's time plus the hold";
    s.append("conversation", "/c", "{}", 3000, Urgency::medium);
    s.publish_through(s.next_position());
    EXPECT_EQ(s.release_at(1, 5000), 6000);
    EXPECT_EQ(s.release_at(2, 5000), 8000) << "a reader past the first counts from the next";
    EXPECT_EQ(s.release_at(1, 0), 1000) << "no hold: at once";
    s.append("conversation", "/c", "{}", 4000);  // high (the default)
    EXPECT_EQ(s.release_at(1, 5000), 6000) << "a high event counts once visible";
    s.publish_through(s.next_position());
    EXPECT_EQ(s.release_at(1, 5000), INT64_MIN);
    EXPECT_EQ(s.release_at(3, 5000), INT64_MIN);
    EXPECT_EQ(s.release_at(4, 5000), INT64_MAX);
}

}  // namespace
}  // namespace carebridge::platform
