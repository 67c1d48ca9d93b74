// The per-chat state machine, input by input, on a fake time line: the seed's steps 8-22,
// visitors who leave mid-set-up, agents who fail or leave, the no-agent timeout, and inputs
// that come twice, late or out of order.
#include "helpdesk/chat.hpp"

#include <gtest/gtest.h>

namespace carebridge::helpdesk {
namespace {

using namespace std::chrono_literals;

const TimePoint kT0 = TimePoint(std::chrono::seconds(1'466'991'733));
const std::string kAlice = "sip:alice@c.com";

Settings settings() {
    Settings s;
    s.texts.welcome = "Hello {visitor}, welcome to {queue} ({subject})";
    s.texts.queue_position = "number {position}";
    s.texts.no_agent = "nobody";
    s.texts.agent_left = "left";
    s.no_agent_timeout = 60s;
    return s;
}

std::vector<Do> kinds(const std::vector<Command>& cs) {
    std::vector<Do> out;
    for (const auto& c : cs) out.push_back(c.what);
    return out;
}

class ChatTest : public ::testing::Test {
protected:
    // Feeds `finished` for the remote command in `last` (the one with an op).
    std::vector<Command> finish(const std::vector<Command>& last, bool ok = true, TimePoint at = kT0) {
        for (const auto& c : last)
            if (!c.op.empty() && c.what != Do::say) return finish_op(c.op, ok, at);
        for (const auto& c : last)
            if (!c.op.empty()) return finish_op(c.op, ok, at);
        ADD_FAILURE() << "no remote command to finish";
        return {};
    }
    std::vector<Command> finish_op(const std::string& op, bool ok = true, TimePoint at = kT0) {
        Input in{Input::Kind::finished, at};
        in.op = op;
        in.ok = ok;
        return chat.on(in);
    }
    std::vector<Command> input(Input::Kind kind, std::string agent = {}, TimePoint at = kT0) {
        Input in{kind, at};
        in.agent = std::move(agent);
        return chat.on(in);
    }
    std::vector<Command> position(int n) {
        Input in{Input::Kind::position, kT0};
        in.position = n;
        return chat.on(in);
    }
    // Steps 8-12 done: waiting for an agent.
    void set_up() {
        auto c = chat.start(kT0);
        ASSERT_EQ(kinds(c), std::vector<Do>{Do::start_meeting});
        c = finish(c);
        ASSERT_EQ(kinds(c), std::vector<Do>{Do::bridge});
        c = finish(c);
        ASSERT_EQ(kinds(c), std::vector<Do>{Do::add_bridged});
        c = finish(c);
        ASSERT_EQ(kinds(c), std::vector<Do>{Do::say});
        EXPECT_EQ(c[0].text, "Hello Ann, welcome to Billing (Order)");
        c = finish(c);
        ASSERT_EQ(kinds(c), std::vector<Do>{Do::wait});
        EXPECT_EQ(chat.phase(), Phase::waiting);
    }
    // Offered to Alice, invitation answered 201: returns the invitation's op.
    std::string invite_alice() {
        auto c = input(Input::Kind::offered, kAlice);
        EXPECT_EQ(kinds(c), std::vector<Do>{Do::invite});
        EXPECT_EQ(c.at(0).agent, kAlice);
        EXPECT_TRUE(finish(c).empty());
        EXPECT_EQ(chat.phase(), Phase::inviting);
        return c.at(0).op;
    }

    Settings s = settings();
    Chat chat{{"c1", "billing", "Billing", "Ann", "Order", 1}, s};
};

TEST_F(ChatTest, WholeFlowFromInvitationToTermination) {
    set_up();
    EXPECT_EQ(kinds(position(1)), std::vector<Do>{Do::say});
    const auto op = invite_alice();
    EXPECT_EQ(op.rfind("c1.", 0), 0u) << "ops name their chat";
    EXPECT_EQ(kinds(input(Input::Kind::agent_joined, kAlice)), std::vector<Do>{Do::stop_waiting});
    EXPECT_EQ(chat.phase(), Phase::connected);
    EXPECT_EQ(chat.agent(), kAlice);
    // Step 20-22: the visitor leaves; the meeting is terminated, then forgotten.
    auto c = input(Input::Kind::visitor_left);
    EXPECT_EQ(kinds(c), (std::vector<Do>{Do::stop_waiting, Do::release, Do::terminate}));
    EXPECT_EQ(c[1].agent, kAlice);
    EXPECT_EQ(chat.phase(), Phase::closing);
    EXPECT_EQ(kinds(finish(c)), (std::vector<Do>{Do::stop_waiting, Do::forget}));
    EXPECT_EQ(chat.phase(), Phase::closed);
    // Late callbacks change nothing.
    EXPECT_TRUE(input(Input::Kind::meeting_ended).empty());
    EXPECT_TRUE(input(Input::Kind::agent_left, kAlice).empty());
}

TEST_F(ChatTest, AVisitorWhoLeavesMidSetUpLeavesNoMeetingBehind) {
    auto c = chat.start(kT0);
    EXPECT_TRUE(input(Input::Kind::visitor_left).empty()) << "the meeting is being started: wait for it";
    c = finish(c);
    EXPECT_EQ(kinds(c), (std::vector<Do>{Do::stop_waiting, Do::terminate}));
    EXPECT_EQ(kinds(finish(c)), (std::vector<Do>{Do::stop_waiting, Do::forget}));
}

TEST_F(ChatTest, AFailedSetUpStepTearsDown) {
    auto c = chat.start(kT0);
    c = finish(c);  // meeting started
    c = finish(c, false);  // acceptAndBridge refused (e.g. the invitation expired)
    EXPECT_EQ(kinds(c), (std::vector<Do>{Do::stop_waiting, Do::terminate}));
}

TEST_F(ChatTest, AFailedBridgedParticipantDoesNotStopTheChat) {
    auto c = finish(finish(chat.start(kT0)));
    c = finish(c, false);
    EXPECT_EQ(kinds(c), std::vector<Do>{Do::say});
}

TEST_F(ChatTest, RepeatedAndStaleInputsChangeNothing) {
    set_up();
    const auto op = invite_alice();
    Input stale{Input::Kind::invite_failed, kT0};
    stale.op = "c1.999";
    EXPECT_TRUE(chat.on(stale).empty());
    EXPECT_TRUE(input(Input::Kind::agent_joined, "sip:bob@c.com").empty());
    EXPECT_TRUE(input(Input::Kind::agent_left, "sip:bob@c.com").empty());
    EXPECT_FALSE(input(Input::Kind::agent_joined, kAlice).empty());
    EXPECT_TRUE(input(Input::Kind::agent_joined, kAlice).empty()) << "a repeated join";
    EXPECT_TRUE(finish_op(op).empty()) << "a repeated answer";
    EXPECT_TRUE(position(3).empty()) << "not waiting any more";
    EXPECT_FALSE(input(Input::Kind::visitor_left).empty());
    EXPECT_TRUE(input(Input::Kind::visitor_left).empty()) << "a repeated deletion";
}

TEST_F(ChatTest, AnAgentWhoDoesNotTakeTheChatIsSkippedAndThePlaceIsNotRepeated) {
    set_up();
    EXPECT_EQ(position(2).at(0).text, "number 2");
    const auto op = invite_alice();
    Input failed{Input::Kind::invite_failed, kT0};
    failed.op = op;
    auto c = chat.on(failed);
    EXPECT_EQ(kinds(c), (std::vector<Do>{Do::release, Do::mark_away, Do::wait}));
    EXPECT_EQ(c[1].agent, kAlice);
    EXPECT_EQ(chat.phase(), Phase::waiting);
    EXPECT_TRUE(position(2).empty()) << "already told";
    EXPECT_EQ(position(1).at(0).text, "number 1");
}

TEST_F(ChatTest, AnInvitationFailureCanArriveBeforeThePostsAnswer) {
    set_up();
    auto c = input(Input::Kind::offered, kAlice);
    Input failed{Input::Kind::invite_failed, kT0};
    failed.op = c.at(0).op;
    EXPECT_EQ(kinds(chat.on(failed)), (std::vector<Do>{Do::release, Do::mark_away, Do::wait}));
    EXPECT_TRUE(finish(c).empty()) << "the 201 that follows is stale";
    EXPECT_EQ(chat.phase(), Phase::waiting);
}

TEST_F(ChatTest, AnAgentWhoLeavesHandsTheChatOn) {
    set_up();
    EXPECT_FALSE(position(1).empty());
    invite_alice();
    input(Input::Kind::agent_joined, kAlice);
    auto c = input(Input::Kind::agent_left, kAlice, kT0 + 30s);
    EXPECT_EQ(kinds(c), (std::vector<Do>{Do::say, Do::release, Do::wait}));
    EXPECT_EQ(c[0].text, "left");
    EXPECT_EQ(chat.left().count(kAlice), 1u);
    EXPECT_EQ(chat.deadline(), kT0 + 30s + 60s) << "a new wait starts";
    EXPECT_EQ(position(1).at(0).text, "number 1") << "told again after a conversation";
}

TEST_F(ChatTest, NoAgentInTimeClosesPolitely) {
    set_up();
    EXPECT_EQ(chat.deadline(), kT0 + 60s);
    EXPECT_TRUE(input(Input::Kind::tick, "", kT0 + 59s).empty());
    auto c = input(Input::Kind::tick, "", kT0 + 60s);
    EXPECT_EQ(kinds(c), (std::vector<Do>{Do::say, Do::stop_waiting, Do::terminate}));
    EXPECT_EQ(c[0].text, "nobody");
    EXPECT_TRUE(finish_op(c[0].op).empty()) << "the message's answer does not end the closing";
    EXPECT_EQ(kinds(finish_op(c[2].op)), (std::vector<Do>{Do::stop_waiting, Do::forget}));
}

TEST_F(ChatTest, TheMeetingEndingElsewhereEndsTheChat) {
    set_up();
    invite_alice();
    auto c = input(Input::Kind::meeting_ended);
    EXPECT_EQ(kinds(c), (std::vector<Do>{Do::stop_waiting, Do::release, Do::forget}));
    EXPECT_EQ(chat.phase(), Phase::closed);
}

TEST_F(ChatTest, AnOfferToAChatThatNoLongerWaitsIsGivenBack) {
    chat.start(kT0);
    auto c = input(Input::Kind::offered, kAlice);
    EXPECT_EQ(kinds(c), std::vector<Do>{Do::release});
    EXPECT_EQ(c[0].agent, kAlice);
}

}  // namespace
}  // namespace carebridge::helpdesk
