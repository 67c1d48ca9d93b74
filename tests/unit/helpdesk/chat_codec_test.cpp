// Saving a live chat and reading it back gives a chat that behaves exactly like the original:
// same phase, same pending operation, same agent, same queue window; damaged data is refused.
#include "helpdesk/chat_codec.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "helpdesk/router.hpp"

namespace carebridge::helpdesk {
namespace {

using namespace std::chrono_literals;

const TimePoint kT0 = TimePoint(std::chrono::seconds(1'466'991'733));
const std::string kAlice = "sip:alice@c.com";

std::string op_of(const std::vector<Command>& cs) {
    for (const auto& c : cs)
        if (!c.op.empty()) return c.op;
    return {};
}

// Drives a chat through set-up to "an agent is invited", the state a restart must keep.
std::unique_ptr<LiveChat> invited_chat(const Settings& s) {
    auto live = std::make_unique<LiveChat>(ChatInfo{"c1", "billing", "Billing", "Ann", "help", 7}, s);
    auto& m = live->machine;
    auto out = m.start(kT0);
    for (int step = 0; step < 4; ++step) {  // start, bridge, bridged agents, welcome
        Input done{Input::Kind::finished, kT0};
        done.op = op_of(out);
        out = m.on(done);
    }
    EXPECT_EQ(m.phase(), Phase::waiting);
    Input offer{Input::Kind::offered, kT0 + 1s};
    offer.agent = kAlice;
    out = m.on(offer);
    EXPECT_EQ(m.phase(), Phase::inviting);
    live->invitation = sdk::Resource(boost::json::object{
        {"_links", boost::json::object{{"self", boost::json::object{{"href", "/inv/1"}}}}}});
    live->meeting_uri = "sip:meeting@c.com";
    live->bridged = true;
    live->participants["/m/participants/bob"] = "sip:bob@c.com";
    live->outbox.push_back(Command{Do::say, "c1.9", "queued text", ""});
    live->running = Command{Do::invite, op_of(out), "", kAlice};
    return live;
}

TEST(ChatCodec, RoundTripKeepsTheMachineAndTheShell) {
    Settings s;
    auto original = invited_chat(s);
    auto copy = decode_chat(encode_chat(*original), s);
    ASSERT_TRUE(copy);
    const auto& m = copy->machine;
    EXPECT_EQ(m.phase(), Phase::inviting);
    EXPECT_EQ(m.agent(), kAlice);
    EXPECT_EQ(m.info().id, "c1");
    EXPECT_EQ(m.info().queue, "billing");
    EXPECT_EQ(m.info().visitor, "Ann");
    EXPECT_EQ(m.info().order, 7u);
    EXPECT_EQ(copy->invitation.link("self").value_or(""), "/inv/1");
    EXPECT_EQ(copy->meeting_uri, "sip:meeting@c.com");
    EXPECT_TRUE(copy->bridged);
    EXPECT_EQ(copy->participants.at("/m/participants/bob"), "sip:bob@c.com");
    ASSERT_EQ(copy->outbox.size(), 1u);
    EXPECT_EQ(copy->outbox.front().text, "queued text");
    ASSERT_TRUE(copy->running);
    EXPECT_EQ(copy->running->what, Do::invite);
    EXPECT_EQ(encode_chat(*copy), encode_chat(*original));

    // Both answer the next input alike: the agent joining the invitation they wait for.
    Input joined{Input::Kind::agent_joined, kT0 + 2s};
    joined.agent = kAlice;
    EXPECT_EQ(copy->machine.on(joined).size(), original->machine.on(joined).size());
    EXPECT_EQ(copy->machine.phase(), Phase::connected);
    // And new operation ids go on from where the original was: no op id is used twice.
    Input left{Input::Kind::agent_left, kT0 + 3s};
    left.agent = kAlice;
    EXPECT_EQ(op_of(copy->machine.on(left)), op_of(original->machine.on(left)));
}

TEST(ChatCodec, WaitingWindowSurvives) {
    Settings s;
    s.no_agent_timeout = 60s;
    auto original = invited_chat(s);
    Input failed{Input::Kind::invite_failed, kT0 + 5s};
    failed.op = original->running->op;
    original->machine.on(failed);  // back to waiting; the window opened at kT0 goes on
    auto copy = decode_chat(encode_chat(*original), s);
    ASSERT_TRUE(copy);
    ASSERT_TRUE(copy->machine.deadline());
    EXPECT_EQ(*copy->machine.deadline(), *original->machine.deadline());
    EXPECT_EQ(copy->machine.left(), original->machine.left());
}

TEST(ChatCodec, RefusesDamagedOrForeignData) {
    Settings s;
    const auto good = encode_chat(*invited_chat(s));
    EXPECT_FALSE(decode_chat("", s));
    EXPECT_FALSE(decode_chat("not json", s));
    EXPECT_FALSE(decode_chat(good.substr(0, good.size() / 2), s));
    auto newer = boost::json::parse(good).as_object();
    newer["version"] = 2;
    EXPECT_FALSE(decode_chat(boost::json::serialize(newer), s));
    auto bad_phase = boost::json::parse(good).as_object();
    bad_phase["machine"].as_object()["phase"] = 99;
    EXPECT_FALSE(decode_chat(boost::json::serialize(bad_phase), s));
    auto bad_command = boost::json::parse(good).as_object();
    bad_command["running"].as_object()["what"] = -1;
    EXPECT_FALSE(decode_chat(boost::json::serialize(bad_command), s));
}

TEST(ChatTransfer, ReleasesTheAgentAndWaitsInTheOtherQueue) {
    Settings s;
    s.texts.transfer = "to {queue}";
    auto live = invited_chat(s);
    auto& m = live->machine;
    Input joined{Input::Kind::agent_joined, kT0 + 2s};
    joined.agent = kAlice;
    m.on(joined);
    ASSERT_EQ(m.phase(), Phase::connected);
    Input t{Input::Kind::transfer, kT0 + 3s};
    t.queue = "general";
    t.queue_display = "General";
    const auto out = m.on(t);
    ASSERT_EQ(out.size(), 3u);
    EXPECT_EQ(out[0].what, Do::release);
    EXPECT_EQ(out[0].agent, kAlice);
    EXPECT_EQ(out[1].what, Do::say);
    EXPECT_EQ(out[1].text, "to General");
    EXPECT_EQ(out[2].what, Do::wait);
    EXPECT_EQ(m.phase(), Phase::waiting);
    EXPECT_EQ(m.info().queue, "general");
    EXPECT_EQ(m.agent(), "");
    EXPECT_EQ(m.left().count(kAlice), 1u);  // not offered back to Alice
    EXPECT_TRUE(m.on(t).empty());            // already there: nothing happens
}

TEST(RouterRestore, RestoredOffersAndChatsHoldTheirSlots) {
    AgentSettings alice{kAlice, "Alice", 2, {"billing"}};
    Router router({alice}, 15s);
    router.restore("connected", "billing", 1, {}, false, kAlice);
    router.restore("invited", "billing", 2, {}, true, kAlice);
    router.restore("queued", "billing", 3, {}, true, "");
    EXPECT_EQ(router.load(kAlice), 2);
    EXPECT_EQ(router.position("invited"), 1);
    EXPECT_EQ(router.position("queued"), 2);
    EXPECT_TRUE(router.dispatch(kT0).empty());  // Alice is full: nothing to offer
    router.cancel("invited");                     // the invited chat joined...
    router.release("connected", kAlice);          // ...and the first one ended
    auto offers = router.dispatch(kT0);
    ASSERT_EQ(offers.size(), 1u);
    EXPECT_EQ(offers[0].chat, "queued");
}

}  // namespace
}  // namespace carebridge::helpdesk
