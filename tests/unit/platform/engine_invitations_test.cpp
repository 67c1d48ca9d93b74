// The engine's less travelled paths: declines, an agent who never answers, agents leaving,
// visitors leaving mid-typing, and the transcript kept after the meeting ends.
#include <algorithm>

#include "engine_fixture.hpp"

namespace carebridge::platform::test {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

TEST_F(EngineTest, ApplicationDeclinesTheChat) {
    UcwaApp& v = visitor();
    Conversation& chat = chat_of(v);
    const std::string id = chat.id;
    const auto vmark = v.events.next_position(), smark = sa().next_position();
    ASSERT_TRUE(platform.decline(chat).ok());
    const auto ve = since(v.events, vmark);
    EXPECT_EQ(kinds(ve), (std::vector<std::string>{"messagingInvitation/completed", "conversation/deleted"}));
    EXPECT_EQ(ve[0].status(), "Failure");
    EXPECT_EQ(ve[0].field("state"), "Failed");
    EXPECT_FALSE(ve[0].has_link("cancel"));
    const auto se = since(sa(), smark);
    const Event* done = find(se, "ms:rtc:saas:messagingInvitation", "completed");
    ASSERT_NE(done, nullptr);
    EXPECT_EQ(done->status(), "Failure");
    EXPECT_FALSE(done->has_link("ms:rtc:saas:acceptAndBridge")) << "a declined invitation offers acceptAndBridge";
    EXPECT_EQ(platform.conversation(id), nullptr);
    EXPECT_EQ(sched.live_timers(), 0u);
}

TEST_F(EngineTest, AgentWhoNeverAnswersFailsTheParticipantInvitation) {
    Conversation& m = meeting();
    bool created = false;
    UcwaApp& alice = platform.create_agent_app(*platform.agent_by_uri(kAlice), "ep", created);
    platform.set_available(alice, true);
    auto inv = platform.add_participant(m, kAlice, "op-add");
    ASSERT_TRUE(inv.ok());
    ParticipantInvitation* pinv = *inv;
    const auto amark = alice.events.next_position(), smark = sa().next_position();
    sched.advance(seconds(config.invitation_timeout) - milliseconds(1));
    EXPECT_TRUE(alice.events.empty_from(amark));
    sched.advance(milliseconds(1));
    EXPECT_EQ(pinv->state, InvitationState::failed);
    const auto se = since(sa(), smark);
    ASSERT_EQ(kinds(se), (std::vector<std::string>{"ms:rtc:saas:participantInvitation/completed"}));
    EXPECT_EQ(se[0].status(), "Failure");
    EXPECT_EQ(se[0].field("operationId"), "op-add");
    const auto ae = since(alice.events, amark);
    ASSERT_EQ(kinds(ae), (std::vector<std::string>{"onlineMeetingInvitation/completed"}));
    EXPECT_EQ(ae[0].status(), "Failure");
    EXPECT_FALSE(ae[0].has_link("accept"));
    auto late = platform.accept_invitation(alice, *pinv);
    ASSERT_FALSE(late.ok());
    EXPECT_EQ(late.error().http_status, 409);
    EXPECT_EQ(m.participant(kAlice), nullptr);
}

TEST_F(EngineTest, AgentDeclinesTheInvitation) {
    Conversation& m = meeting();
    bool created = false;
    UcwaApp& bob = platform.create_agent_app(*platform.agent_by_uri(kBob), "ep", created);
    platform.set_available(bob, true);
    auto inv = platform.add_participant(m, kBob, "op-bob");
    ASSERT_TRUE(inv.ok());
    const auto smark = sa().next_position();
    ASSERT_TRUE(platform.decline_invitation(bob, **inv).ok());
    const auto se = since(sa(), smark);
    ASSERT_EQ(kinds(se), (std::vector<std::string>{"ms:rtc:saas:participantInvitation/completed"}));
    EXPECT_EQ(se[0].status(), "Failure");
    EXPECT_EQ(se[0].o.at("reason").at("subcode"), "Declined");
    EXPECT_FALSE(platform.decline_invitation(bob, **inv).ok());
    EXPECT_EQ(sched.live_timers(), 0u);
}

TEST_F(EngineTest, AgentLeavesTheMeeting) {
    auto f = bridged();
    UcwaApp& alice = agent_in(*f.meeting, kAlice);
    UcwaApp& bob = agent_in(*f.meeting, kBob);
    ASSERT_TRUE(platform.set_typing(actor(alice), *f.meeting).ok());
    const auto vmark = f.visitor->events.next_position(), bmark = bob.events.next_position();
    const auto smark = sa().next_position(), amark = alice.events.next_position();
    ASSERT_TRUE(platform.agent_leave(alice, *f.meeting).ok());
    EXPECT_EQ(f.meeting->participant(kAlice), nullptr);
    EXPECT_TRUE(f.meeting->typing.empty());
    EXPECT_EQ(kinds(since(alice.events, amark)),
              (std::vector<std::string>{"messaging/updated", "conversation/deleted"}));
    const auto sk = kinds(since(sa(), smark));
    EXPECT_EQ(std::count(sk.begin(), sk.end(), "ms:rtc:saas:participant/deleted"), 1);
    EXPECT_EQ(std::count(sk.begin(), sk.end(), "ms:rtc:saas:participantMessaging/deleted"), 1);
    // The others: her typing ends, then she leaves.
    for (const EventStream* s : {&f.visitor->events, &bob.events}) {
        const auto e = since(*s, s == &bob.events ? bmark : vmark);
        ASSERT_EQ(kinds(e), (std::vector<std::string>{"participant/deleted", "participant/deleted"}));
        EXPECT_EQ(e[0].in_rel(), "typingParticipants");
        EXPECT_EQ(e[1].in_rel(), "");
        EXPECT_EQ(e[1].title(), "Alice");
    }
    EXPECT_EQ(platform.agent_leave(alice, *f.meeting).error().http_status, 404);
    EXPECT_EQ(sched.live_timers(), 0u);
}

TEST_F(EngineTest, VisitorLeavingWhileTypingStopsItsTyping) {
    auto f = bridged();
    UcwaApp& alice = agent_in(*f.meeting, kAlice);
    ASSERT_TRUE(platform.set_typing(actor(*f.visitor), *f.chat).ok());
    const auto amark = alice.events.next_position();
    platform.delete_ucwa_app(*f.visitor);  // the visitor's application goes: its chat ends
    const auto ae = since(alice.events, amark);
    EXPECT_EQ(count(ae, "participant", "deleted"), 2u);  // typing, then the participant
    EXPECT_TRUE(f.meeting->typing.empty());
    EXPECT_EQ(sched.live_timers(), 0u);
    sched.advance(seconds(config.typing_timeout * 2));
    EXPECT_EQ(since(alice.events, amark).size(), ae.size());
}

TEST_F(EngineTest, TranscriptOutlivesTheMeeting) {
    auto f = bridged();
    ASSERT_TRUE(platform.send_message(app_actor(), *f.meeting, text("Welcome customer")).ok());
    ASSERT_TRUE(platform.send_message(actor(*f.visitor), *f.chat, text("Hi")).ok());
    const std::string id = f.meeting->id;
    ASSERT_TRUE(platform.terminate_meeting(*f.meeting).ok());
    const auto* info = platform.transcript_info(id);
    ASSERT_NE(info, nullptr);
    EXPECT_EQ(info->subject, "helpcustomermeeting");
    EXPECT_GT(info->ended, 0);
    const auto msgs = platform.transcript_messages(id);
    ASSERT_EQ(msgs.size(), 2u);
    EXPECT_EQ(msgs[0].text, "Welcome customer");
    EXPECT_EQ(msgs[0].sender_uri, kHelpdesk);
    EXPECT_EQ(msgs[1].text, "Hi");
    EXPECT_EQ(msgs[1].sender_name, "Janardhan");
    EXPECT_EQ(msgs[1].number, 2u);
}

TEST_F(EngineTest, HousekeepingCompactsOnlyReadAndDeliveredOldEvents) {
    auto answer_all = [&] {
        sched.run_posted();
        for (std::size_t i = 0; i < http.count(); ++i)  // answering may send the next POST
            if (!http.at(i).completed) http.respond(i, 200);
    };
    auto f = bridged();
    UcwaApp& v = *f.visitor;
    const auto vend = v.events.next_position();
    sched.run_posted();  // the application's callbacks are out, not yet answered
    ASSERT_GE(http.count(), 1u);
    sched.advance(seconds(config.event_retention + 1));
    v.acked = 2;  // the visitor's client has read position 1 only
    platform.housekeeping();
    EXPECT_EQ(v.events.first_position(), 2u);
    EXPECT_EQ(v.events.next_position(), vend);
    EXPECT_EQ(sa().first_position(), 1u) << "an undelivered callback event was compacted";

    answer_all();
    ASSERT_EQ(callbacks.pending(), 0u);
    v.acked = vend;
    const auto fresh = sa().next_position();
    meeting();  // new events, delivered but younger than the retention
    answer_all();
    platform.housekeeping();
    EXPECT_EQ(v.events.first_position(), vend);
    EXPECT_EQ(sa().first_position(), fresh) << "recent events must stay re-readable";
}

}  // namespace
}  // namespace carebridge::platform::test
