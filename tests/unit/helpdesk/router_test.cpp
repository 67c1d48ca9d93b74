// Routing as pure logic: queues, capacity, fewest active chats first, positions, away agents.
#include "helpdesk/router.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>

namespace carebridge::helpdesk {
namespace {

using namespace std::chrono_literals;

const TimePoint kT0 = TimePoint(std::chrono::seconds(1'466'991'733));

std::vector<AgentSettings> three_agents(int max_chats = 2) {
    return {{"sip:alice@c.com", "Alice", max_chats, {"general", "billing"}},
            {"sip:bob@c.com", "Bob", max_chats, {"general"}},
            {"sip:carol@c.com", "Carol", max_chats, {"general"}}};
}

std::string chat(int i) { return "chat" + std::to_string(i); }

TEST(Router, ThreeAgentsOfTwoChatsServeSixOfEightAndTheSeventhWhenAChatEnds) {
    Router r(three_agents(2), 15s);
    for (int i = 1; i <= 8; ++i) r.wait(chat(i), "general", static_cast<std::uint64_t>(i));
    auto offers = r.dispatch(kT0);
    ASSERT_EQ(offers.size(), 6u);
    std::map<std::string, int> per_agent;
    for (int i = 0; i < 6; ++i) {
        EXPECT_EQ(offers[i].chat, chat(i + 1)) << "oldest first";
        ++per_agent[offers[i].agent];
    }
    // Fewest active chats first: the load is spread one each, then two each.
    EXPECT_EQ(offers[0].agent, "sip:alice@c.com");
    EXPECT_EQ(offers[1].agent, "sip:bob@c.com");
    EXPECT_EQ(offers[2].agent, "sip:carol@c.com");
    for (const auto& [agent, n] : per_agent) EXPECT_EQ(n, 2) << agent;
    // Offered chats keep their place until served (agent joined: cancel).
    for (int i = 1; i <= 6; ++i) r.cancel(chat(i));
    EXPECT_EQ(r.position(chat(7)), 1);
    EXPECT_EQ(r.position(chat(8)), 2);
    EXPECT_TRUE(r.dispatch(kT0).empty()) << "everyone is at max_chats";

    // Bob's first chat ends: the 7th goes to Bob.
    r.release(chat(2), "sip:bob@c.com");
    offers = r.dispatch(kT0);
    ASSERT_EQ(offers.size(), 1u);
    EXPECT_EQ(offers[0].chat, chat(7));
    EXPECT_EQ(offers[0].agent, "sip:bob@c.com");
    EXPECT_EQ(r.load("sip:bob@c.com"), 2);
    EXPECT_EQ(r.position(chat(8)), 2) << "the 7th is still ahead until its agent joins";
    r.cancel(chat(7));
    EXPECT_EQ(r.position(chat(8)), 1);
}

TEST(Router, QueuesAreSeparateAndPositionsCountPerQueue) {
    Router r(three_agents(1), 15s);
    r.wait("b1", "billing", 1);
    r.wait("g1", "general", 2);
    r.wait("b2", "billing", 3);
    EXPECT_EQ(r.position("b1"), 1);
    EXPECT_EQ(r.position("g1"), 1);
    EXPECT_EQ(r.position("b2"), 2);
    auto offers = r.dispatch(kT0);
    // Only Alice serves billing (one chat at a time); general goes to Bob, the least busy.
    ASSERT_EQ(offers.size(), 2u);
    EXPECT_EQ(offers[0].chat, "b1");
    EXPECT_EQ(offers[0].agent, "sip:alice@c.com");
    EXPECT_EQ(offers[1].chat, "g1");
    EXPECT_EQ(offers[1].agent, "sip:bob@c.com");
    EXPECT_FALSE(r.has_agents("sales"));
    EXPECT_TRUE(r.has_agents("billing"));
}

TEST(Router, AnAgentWhoDidNotTakeAChatIsSkippedForAWhileAndTheChatKeepsItsPlace) {
    Router r(three_agents(2), 15s);
    r.wait("c1", "general", 1);
    r.wait("c2", "general", 2);
    auto offers = r.dispatch(kT0);
    ASSERT_EQ(offers.size(), 2u);
    EXPECT_EQ(offers[0].agent, "sip:alice@c.com");
    // Alice was not available: her slot frees, she is away, c1 goes to the next agent.
    r.release("c1", "sip:alice@c.com");
    r.mark_away("sip:alice@c.com", kT0);
    EXPECT_EQ(r.position("c1"), 1);
    EXPECT_EQ(r.position("c2"), 2) << "positions do not flap while an offer fails";
    offers = r.dispatch(kT0 + 1s);
    ASSERT_EQ(offers.size(), 1u);
    EXPECT_EQ(offers[0].chat, "c1");
    EXPECT_EQ(offers[0].agent, "sip:carol@c.com") << "Bob has c2; Carol has none";
    r.release("c1", "sip:carol@c.com");
    r.mark_away("sip:carol@c.com", kT0 + 1s);
    r.release("c2", "sip:bob@c.com");
    r.mark_away("sip:bob@c.com", kT0 + 1s);
    EXPECT_TRUE(r.dispatch(kT0 + 2s).empty()) << "everyone is away";
    offers = r.dispatch(kT0 + 15s);
    ASSERT_EQ(offers.size(), 2u) << "Alice is back first, and takes both (max 2)";
    EXPECT_EQ(offers[0].agent, "sip:alice@c.com");
    EXPECT_EQ(offers[1].agent, "sip:alice@c.com");
}

TEST(Router, AnAgentWhoLeftAChatIsNotOfferedItAgain) {
    Router r(three_agents(2), 15s);
    r.wait("c1", "general", 1, {"sip:alice@c.com", "sip:bob@c.com"});
    auto offers = r.dispatch(kT0);
    ASSERT_EQ(offers.size(), 1u);
    EXPECT_EQ(offers[0].agent, "sip:carol@c.com");
    // Re-waiting with the same order keeps the place ahead of newer chats.
    r.wait("c2", "general", 2);
    r.release("c1", "sip:carol@c.com");
    r.wait("c1", "general", 1, {"sip:alice@c.com", "sip:bob@c.com", "sip:carol@c.com"});
    EXPECT_EQ(r.position("c1"), 1);
    EXPECT_EQ(r.position("c2"), 2);
    offers = r.dispatch(kT0);
    ASSERT_EQ(offers.size(), 1u);
    EXPECT_EQ(offers[0].chat, "c2");
    EXPECT_EQ(r.waiting(), (std::vector<std::string>{"c1", "c2"}));
}

}  // namespace
}  // namespace carebridge::helpdesk
