// The engine's call flow, steps 5-11 and 14-22: who gets which events, conflicts, timeouts and
// tear-down. Messaging and typing are in engine_messaging_test.cpp.
#include <algorithm>

#include "engine_fixture.hpp"

namespace carebridge::platform::test {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

TEST_F(EngineTest, StartMessagingNotifiesVisitorAndApplication) {
    UcwaApp& v = visitor();
    EXPECT_EQ(&visitor(), &v) << "the same anonymous token must get its application back";
    auto r = platform.start_messaging(v, kHelpdesk, "help", "order 42", "op-visitor");
    ASSERT_TRUE(r.ok());
    Conversation& chat = **r;
    EXPECT_EQ(platform.conversation(chat.id), &chat);
    EXPECT_EQ(platform.chat_by_invitation(chat.invitation_id), &chat);

    const auto ve = since(v.events, 1);
    EXPECT_EQ(kinds(ve), (std::vector<std::string>{"messagingInvitation/started", "conversation/added"}));
    EXPECT_EQ(ve[0].sender_rel, "communication");
    EXPECT_EQ(ve[0].field("state"), "Connecting");
    EXPECT_EQ(ve[0].field("direction"), "Outgoing");
    EXPECT_EQ(ve[0].field("operationId"), "op-visitor");
    EXPECT_EQ(ve[0].field("to"), kHelpdesk);

    const auto se = since(sa(), 1);
    ASSERT_EQ(kinds(se), (std::vector<std::string>{"ms:rtc:saas:messagingInvitation/started"}));
    const Event& inv = se[0];
    EXPECT_EQ(inv.sender_rel, "ms:rtc:saas:communication");
    EXPECT_EQ(inv.field("direction"), "Incoming");
    EXPECT_EQ(inv.field("state"), "Connecting");
    EXPECT_EQ(inv.field("subject"), "help");
    EXPECT_EQ(inv.field("to"), kHelpdesk);
    EXPECT_EQ(inv.field("operationId"), "op-visitor");
    for (const char* rel : {"ms:rtc:saas:conversation", "ms:rtc:saas:decline",
                            "ms:rtc:saas:startAdhocMeeting", "ms:rtc:saas:acceptAndBridge"})
        EXPECT_TRUE(inv.has_link(rel)) << rel;
    EXPECT_EQ(inv.link("customContent"), "data:text/plain;charset=utf-8,order%2042");

    // The application's callback goes to its registered URL.
    sched.run_posted();
    ASSERT_EQ(http.count(), 1u);
    EXPECT_EQ(http.at(0).url, "https://sa.example/cb");
}

TEST_F(EngineTest, StartMessagingRefusesAForeignEndpointAndASecondChat) {
    UcwaApp& v = visitor();
    auto wrong = platform.start_messaging(v, "sip:other@contoso.com", "s", "", "op");
    ASSERT_FALSE(wrong.ok());
    EXPECT_EQ(wrong.error().http_status, 403);
    EXPECT_EQ(wrong.error().code, "Forbidden");
    EXPECT_TRUE(v.events.empty_from(1));
    EXPECT_TRUE(sa().empty_from(1));

    Conversation& first = chat_of(v);
    auto second = platform.start_messaging(v, kHelpdesk, "s", "", "op2");
    ASSERT_FALSE(second.ok());
    EXPECT_EQ(second.error().http_status, 409);
    EXPECT_EQ(second.error().code, "Conflict");

    // Once the first chat is over, a new one may start.
    ASSERT_TRUE(platform.end_chat(first, "done").ok());
    EXPECT_TRUE(platform.start_messaging(v, kHelpdesk, "s", "", "op3").ok());
}

TEST_F(EngineTest, AdhocMeetingAndAppMessaging) {
    Conversation& m = meeting("https://litware.example/callback");
    EXPECT_EQ(platform.meeting_by_uri(m.online_meeting_uri), &m);
    EXPECT_EQ(platform.meeting_by_invitation(m.meeting_invitation_id), &m);
    const auto se = since(sa(), 1);
    EXPECT_EQ(kinds(se), (std::vector<std::string>{
                             "ms:rtc:saas:onlineMeetingInvitation/started",
                             "ms:rtc:saas:conversation/added", "ms:rtc:saas:onlineMeeting/added",
                             "ms:rtc:saas:messaging/updated",
                             "ms:rtc:saas:onlineMeetingInvitation/completed"}));
    EXPECT_EQ(se[0].field("operationId"), "op-meeting");
    EXPECT_EQ(se[1].field("state"), "Conferenced");
    EXPECT_TRUE(se[1].has_link("ms:rtc:saas:addParticipant"));
    EXPECT_TRUE(se[1].has_link("ms:rtc:saas:onlineMeeting"));
    EXPECT_EQ(se[2].field("onlineMeetingUri"), m.online_meeting_uri);
    EXPECT_TRUE(se[3].has_link("ms:rtc:saas:addMessaging"));
    EXPECT_EQ(se[4].status(), "Success");
    sched.run_posted();
    ASSERT_EQ(http.count(), 1u);
    EXPECT_EQ(http.at(0).url, "https://litware.example/callback");
    EXPECT_EQ(http.at(0).header("X-Carebridge-Event-Positions"), "1-5");

    const auto mark = sa().next_position();
    ASSERT_TRUE(platform.add_app_messaging(m, "op-msg").ok());
    const auto me = since(sa(), mark);
    EXPECT_EQ(kinds(me), (std::vector<std::string>{"ms:rtc:saas:messagingInvitation/started",
                                                   "ms:rtc:saas:messaging/updated",
                                                   "ms:rtc:saas:messagingInvitation/completed"}));
    EXPECT_EQ(me[0].field("operationId"), "op-msg");
    EXPECT_EQ(me[1].field("state"), "Connected");
    EXPECT_TRUE(me[1].has_link("ms:rtc:saas:sendMessage"));
    EXPECT_EQ(me[2].status(), "Success");

    auto again = platform.add_app_messaging(m, "op-msg2");
    ASSERT_FALSE(again.ok());
    EXPECT_EQ(again.error().http_status, 409);
}

TEST_F(EngineTest, AcceptAndBridge) {
    UcwaApp& v = visitor();
    Conversation& chat = chat_of(v);
    Conversation& m = meeting();
    const auto vmark = v.events.next_position(), smark = sa().next_position();
    ASSERT_TRUE(platform.accept_and_bridge(chat, m, "contoso helpdesk").ok());
    EXPECT_EQ(platform.room_of(chat), &m);

    const auto se = since(sa(), smark);
    const Event* done = find(se, "ms:rtc:saas:messagingInvitation", "completed");
    ASSERT_NE(done, nullptr);
    EXPECT_EQ(done->status(), "Success");
    const Event* bridge = find(se, "ms:rtc:saas:conversationBridge", "added");
    ASSERT_NE(bridge, nullptr);
    EXPECT_EQ(bridge->in_rel(), "ms:rtc:saas:conversation");
    EXPECT_EQ(bridge->field("onlineMeetingUri"), m.online_meeting_uri);
    EXPECT_TRUE(bridge->has_link("ms:rtc:saas:bridgedParticipants"));
    const Event* joined = find(se, "ms:rtc:saas:participant", "added");
    ASSERT_NE(joined, nullptr);
    EXPECT_EQ(joined->field("uri"), v.uri);
    EXPECT_EQ(joined->field("name"), "Janardhan");

    const auto ve = since(v.events, vmark);
    const Event* vdone = find(ve, "messagingInvitation", "completed");
    ASSERT_NE(vdone, nullptr);
    EXPECT_EQ(vdone->status(), "Success");
    EXPECT_EQ(vdone->field("operationId"), "op-visitor");
    const Event* msg = find(ve, "messaging", "updated");
    ASSERT_NE(msg, nullptr);
    EXPECT_EQ(msg->field("state"), "Connected");
    for (const char* rel : {"sendMessage", "setIsTyping", "typingParticipants", "stopMessaging"})
        EXPECT_TRUE(msg->has_link(rel)) << rel;
    const Event* host = find(ve, "participant", "added");
    ASSERT_NE(host, nullptr);
    EXPECT_EQ(host->field("name"), "contoso helpdesk");

    auto twice = platform.accept_and_bridge(chat, m, "x");
    ASSERT_FALSE(twice.ok());
    EXPECT_EQ(twice.error().http_status, 409);
    // The bridged invitation no longer times out.
    const auto vnow = v.events.next_position();
    sched.advance(seconds(config.invitation_timeout * 2));
    EXPECT_TRUE(v.events.empty_from(vnow));
    EXPECT_NE(platform.conversation(chat.id), nullptr);
}

TEST_F(EngineTest, BridgedParticipants) {
    Conversation& lonely = meeting();
    auto none = platform.add_bridged_participant(lonely, "john", kAlice, false);
    ASSERT_FALSE(none.ok());
    EXPECT_EQ(none.error().http_status, 404);

    auto f = bridged();
    const auto mark = sa().next_position();
    auto r = platform.add_bridged_participant(*f.meeting, "john", "sip:UcapUser5@contoso.com", true);
    ASSERT_TRUE(r.ok());
    const auto se = since(sa(), mark);
    ASSERT_EQ(kinds(se), (std::vector<std::string>{"ms:rtc:saas:bridgedParticipant/added"}));
    EXPECT_EQ(se[0].in_rel(), "ms:rtc:saas:bridgedParticipants");
    EXPECT_EQ(se[0].field("displayName"), "john");
    EXPECT_EQ(se[0].field("participantUri"), "sip:UcapUser5@contoso.com");
    EXPECT_EQ(se[0].field("messageFilterState"), "Enabled");
    auto dup = platform.add_bridged_participant(*f.meeting, "j2", "sip:UcapUser5@contoso.com", false);
    ASSERT_FALSE(dup.ok());
    EXPECT_EQ(dup.error().http_status, 409);
}

TEST_F(EngineTest, UnansweredInvitationTimesOut) {
    UcwaApp& v = visitor();
    Conversation& chat = chat_of(v);
    const std::string id = chat.id, inv = chat.invitation_id;
    const auto vmark = v.events.next_position(), smark = sa().next_position();
    sched.advance(seconds(config.invitation_timeout) - milliseconds(1));
    EXPECT_TRUE(v.events.empty_from(vmark));
    EXPECT_NE(platform.conversation(id), nullptr);
    sched.advance(milliseconds(1));

    const auto ve = since(v.events, vmark);
    const Event* failed = find(ve, "messagingInvitation", "completed");
    ASSERT_NE(failed, nullptr);
    EXPECT_EQ(failed->status(), "Failure");
    ASSERT_TRUE(failed->o.contains("reason"));
    EXPECT_FALSE(failed->o.at("reason").at("code").as_string().empty());
    EXPECT_NE(find(ve, "conversation", "deleted"), nullptr);
    const auto se = since(sa(), smark);
    const Event* sfailed = find(se, "ms:rtc:saas:messagingInvitation", "completed");
    ASSERT_NE(sfailed, nullptr);
    EXPECT_EQ(sfailed->status(), "Failure");
    EXPECT_EQ(platform.conversation(id), nullptr);
    EXPECT_EQ(platform.chat_by_invitation(inv), nullptr);
    EXPECT_EQ(sched.live_timers(), 0u);
}

TEST_F(EngineTest, AgentInvitationAndUnavailableAgent) {
    Conversation& m = meeting();
    bool created = false;
    UcwaApp& alice = platform.create_agent_app(*platform.agent_by_uri(kAlice), "ep1", created);
    EXPECT_TRUE(created);
    const auto amark = alice.events.next_position(), smark = sa().next_position();
    auto r = platform.add_participant(m, kAlice, "op-add");  // not available yet
    ASSERT_TRUE(r.ok());
    EXPECT_EQ((*r)->state, InvitationState::failed);
    const auto se = since(sa(), smark);
    EXPECT_EQ(kinds(se), (std::vector<std::string>{"ms:rtc:saas:participantInvitation/started",
                                                   "ms:rtc:saas:participantInvitation/completed"}));
    EXPECT_EQ(se[0].field("operationId"), "op-add");
    EXPECT_EQ(se[0].field("to"), kAlice);
    EXPECT_EQ(se[1].status(), "Failure");
    ASSERT_TRUE(se[1].o.contains("reason"));
    EXPECT_FALSE(se[1].o.at("reason").at("message").as_string().empty());
    EXPECT_TRUE(alice.events.empty_from(amark));

    UcwaApp& again = platform.create_agent_app(*platform.agent_by_uri(kAlice), "ep1", created);
    EXPECT_FALSE(created);
    EXPECT_EQ(&again, &alice);
    platform.set_available(alice, true);
    auto ok = platform.add_participant(m, kAlice, "op-add2");
    ASSERT_TRUE(ok.ok());
    const auto ae = since(alice.events, amark);
    ASSERT_EQ(kinds(ae), (std::vector<std::string>{"onlineMeetingInvitation/started"}));
    EXPECT_TRUE(ae[0].has_link("accept"));
    EXPECT_TRUE(ae[0].has_link("decline"));
    EXPECT_TRUE(ae[0].has_link("conversation"));
    const auto smark2 = sa().next_position();
    ASSERT_TRUE(platform.accept_invitation(alice, **ok).ok());
    ASSERT_TRUE(platform.agent_add_messaging(alice, m).ok());
    const auto se2 = since(sa(), smark2);
    const Event* added = find(se2, "ms:rtc:saas:participant", "added");
    ASSERT_NE(added, nullptr);
    EXPECT_EQ(added->field("uri"), kAlice);
    EXPECT_EQ(added->field("name"), "Alice");
    EXPECT_NE(find(se2, "ms:rtc:saas:participantMessaging", "added"), nullptr);
    const Event* accepted = find(se2, "ms:rtc:saas:participantInvitation", "completed");
    ASSERT_NE(accepted, nullptr);
    EXPECT_EQ(accepted->status(), "Success");
}

TEST_F(EngineTest, EndChatThenTerminateMeetingRemoveEverything) {
    auto f = bridged();
    UcwaApp& alice = agent_in(*f.meeting, kAlice);
    const std::string chat_id = f.chat->id, inv = f.chat->invitation_id, meeting_id = f.meeting->id;
    const std::string meeting_uri = f.meeting->online_meeting_uri;
    const std::string meeting_inv = f.meeting->meeting_invitation_id;
    auto vmark = f.visitor->events.next_position(), smark = sa().next_position();
    auto amark = alice.events.next_position();

    ASSERT_TRUE(platform.end_chat(*f.chat, "visitor left").ok());
    const auto ve = since(f.visitor->events, vmark);
    const Event* stopped = find(ve, "messaging", "updated");
    ASSERT_NE(stopped, nullptr);
    EXPECT_EQ(stopped->field("state"), "Disconnected");
    EXPECT_NE(find(ve, "conversation", "deleted"), nullptr);
    const auto sk = kinds(since(sa(), smark));
    for (const char* k : {"ms:rtc:saas:messaging/updated", "ms:rtc:saas:participantMessaging/deleted",
                          "ms:rtc:saas:participant/deleted", "ms:rtc:saas:conversation/deleted"})
        EXPECT_EQ(std::count(sk.begin(), sk.end(), k), 1) << k;
    const auto ae = since(alice.events, amark);
    const Event* left = find(ae, "participant", "deleted");
    ASSERT_NE(left, nullptr);
    EXPECT_EQ(left->title(), "Janardhan");
    EXPECT_EQ(platform.conversation(chat_id), nullptr);
    EXPECT_EQ(platform.chat_by_invitation(inv), nullptr);
    EXPECT_TRUE(f.visitor->conversations.empty());
    EXPECT_NE(platform.conversation(meeting_id), nullptr);

    smark = sa().next_position();
    amark = alice.events.next_position();
    ASSERT_TRUE(platform.terminate_meeting(*platform.conversation(meeting_id)).ok());
    EXPECT_EQ(kinds(since(alice.events, amark)),
              (std::vector<std::string>{"messaging/updated", "conversation/deleted"}));
    EXPECT_EQ(count(since(sa(), smark), "ms:rtc:saas:conversation", "deleted"), 1u);
    EXPECT_EQ(platform.conversation(meeting_id), nullptr);
    EXPECT_EQ(platform.meeting_by_uri(meeting_uri), nullptr);
    EXPECT_EQ(platform.meeting_by_invitation(meeting_inv), nullptr);
    EXPECT_TRUE(alice.conversations.empty());
    EXPECT_EQ(sched.live_timers(), 0u);
}

TEST_F(EngineTest, TerminateMeetingEndsTheBridgedChatAndPendingInvitations) {
    auto f = bridged();
    bool created = false;
    UcwaApp& bob = platform.create_agent_app(*platform.agent_by_uri(kBob), "ep", created);
    platform.set_available(bob, true);
    auto inv = platform.add_participant(*f.meeting, kBob, "op-bob");
    ASSERT_TRUE(inv.ok());
    const std::string chat_id = f.chat->id, inv_id = (*inv)->id;
    const auto vmark = f.visitor->events.next_position(), bmark = bob.events.next_position();
    ASSERT_TRUE(platform.terminate_meeting(*f.meeting).ok());
    EXPECT_EQ(platform.conversation(chat_id), nullptr);
    EXPECT_EQ(count(since(f.visitor->events, vmark), "conversation", "deleted"), 1u);
    const auto be = since(bob.events, bmark);
    const Event* gone = find(be, "onlineMeetingInvitation", "completed");
    ASSERT_NE(gone, nullptr);
    EXPECT_EQ(gone->status(), "Failure");
    EXPECT_EQ(platform.participant_invitation(inv_id), nullptr);
    EXPECT_EQ(sched.live_timers(), 0u);
}

}  // namespace
}  // namespace carebridge::platform::test
