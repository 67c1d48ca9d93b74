// How events and snapshots are written to the store: round trips, records of earlier versions,
// and the counters that do not make a snapshot "changed".
#include "platform/engine/persistence.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace carebridge::platform::persist {
namespace {

StoredEvent event() {
    StoredEvent e;
    e.time = 1'700'000'000'123;
    e.sender_rel = "conversation";
    e.sender_href = "/ucwa/v1/applications/a1/communication/conversations/c1";
    e.json = R"({"link":{"rel":"message","href":"/x?y=\"z\"\n"},"type":"added"})";
    return e;
}

TEST(Persistence, EventRecordsRoundTripWithTheEventVerbatim) {
    const std::string data = encode(event(), "c1", "https://desk.test/cb");
    // The event is stored as rendered, not as an escaped string.
    EXPECT_NE(data.find(event().json), std::string::npos);
    const auto back = decode_event(7, data);
    ASSERT_TRUE(back);
    EXPECT_EQ(back->event.position, 7u);
    EXPECT_EQ(back->event.time, event().time);
    EXPECT_EQ(back->event.sender_rel, "conversation");
    EXPECT_EQ(back->event.sender_href, event().sender_href);
    EXPECT_EQ(back->event.json, event().json);
    EXPECT_EQ(back->queue, "c1");
    EXPECT_EQ(back->url, "https://desk.test/cb");
    const auto plain = decode_event(8, encode(event(), "", ""));
    ASSERT_TRUE(plain);
    EXPECT_EQ(plain->event.json, event().json);
    EXPECT_EQ(plain->queue, "");
}

TEST(Persistence, EventRecordsOfEarlierVersionsStillRead) {
    const boost::json::object old{{"rel", "communication"}, {"href", "/h"}, {"event", event().json},
                                  {"time", 5}, {"queue", "q"}, {"url", "u"}};
    const auto back = decode_event(3, boost::json::serialize(old));
    ASSERT_TRUE(back);
    EXPECT_EQ(back->event.json, event().json);
    EXPECT_EQ(back->event.sender_rel, "communication");
    EXPECT_EQ(back->queue, "q");
    EXPECT_FALSE(decode_event(1, "not json\n{}"));
}

TEST(Persistence, CallbackProgressRoundTripsAndEarlierFormsStillRead) {
    const auto back = decode_callback_queue(encode(CallbackQueueState{42, "ctx \"1\"", "1627259584"}));
    ASSERT_TRUE(back);
    EXPECT_EQ(back->delivered, 42u);
    EXPECT_EQ(back->context, "ctx \"1\"");
    EXPECT_EQ(back->app, "1627259584");
    // Before session 10 the application was not kept.
    const auto old = decode_callback_queue(R"({"delivered":7,"context":"x"})");
    ASSERT_TRUE(old);
    EXPECT_EQ(old->delivered, 7u);
    EXPECT_EQ(old->context, "x");
    EXPECT_EQ(old->app, "");
    EXPECT_FALSE(decode_callback_queue("[1]"));
}

TEST(Persistence, CountersAreLastAndLeftOutOfTheComparedPart) {
    Conversation c;
    c.id = "m1";
    c.next_message = 5;
    const std::string a = encode(c);
    c.next_message = 6;
    const std::string b = encode(c);
    EXPECT_NE(a, b);
    EXPECT_EQ(without_counter(a), without_counter(b));
    c.subject = "changed";
    EXPECT_NE(without_counter(encode(c)), without_counter(b));
    ASSERT_TRUE(decode_conversation(b));
    EXPECT_EQ(decode_conversation(b)->next_message, 6u);

    UcwaApp app;
    app.id = "a1";
    app.acked = 10;
    const std::string x = encode(app);
    app.acked = 11;
    EXPECT_EQ(without_counter(x), without_counter(encode(app)));
    app.conversations.push_back("c1");
    EXPECT_NE(without_counter(x), without_counter(encode(app)));
    EXPECT_EQ(decode_ucwa_app(encode(app))->acked, 11u);
}


// Snapshots are written as text directly (JsonText); every field must come back, whatever the
// strings hold, and the text must be what the boost::json tree of earlier versions serialized
// (a restarted platform compares new snapshots with the loaded ones as text).
TEST(Persistence, EntitiesRoundTripWithEveryField) {
    const std::string odd = "q\"uote \\ nl\n tab\t \x01 é";
    UcwaApp a;
    a.id = "a1";
    a.kind = UcwaKind::agent;
    a.display_name = odd;
    a.uri = "sip:x@y";
    a.owner = "o";
    a.endpoint_id = "e";
    a.trusted_app_id = "t";
    a.trusted_endpoint = "sip:desk@y";
    a.allowed_origins = {"https://a", odd};
    a.available = true;
    a.acked = 42;
    a.conversations = {"c1", "c2"};
    const std::string ea = encode(a);
    const auto ba = decode_ucwa_app(ea);
    ASSERT_TRUE(ba);
    EXPECT_EQ(encode(*ba), ea);
    EXPECT_EQ(ba->display_name, odd);
    EXPECT_EQ(ba->allowed_origins, a.allowed_origins);
    EXPECT_TRUE(ba->available);
    EXPECT_EQ(ba->kind, UcwaKind::agent);
    const boost::json::object tree{{"id", "a1"}, {"kind", "agent"}, {"name", odd}, {"uri", "sip:x@y"},
                                   {"owner", "o"}, {"endpointId", "e"}, {"app", "t"},
                                   {"endpoint", "sip:desk@y"}, {"origins", boost::json::array{"https://a", odd}},
                                   {"available", true}, {"conversations", boost::json::array{"c1", "c2"}},
                                   {"acked", 42}};
    EXPECT_EQ(ea, boost::json::serialize(tree));

    Conversation c;
    c.id = "m1";
    c.kind = ConversationKind::meeting;
    c.trusted_app_id = "t";
    c.endpoint = "sip:desk@y";
    c.subject = odd;
    c.operation_id = "op";
    c.callback_url = "https://cb?x=1&y=2";
    c.created = 1'700'000'000'000;
    c.next_message = 9;
    c.visitor_app_id = "v";
    c.invitation_id = "i";
    c.invitation_state = InvitationState::connected;
    c.invitation_operation_id = "iop";
    c.to = "sip:to@y";
    c.custom_content = odd;
    c.meeting_id = "m";
    c.online_meeting_id = "omid";
    c.online_meeting_uri = "sip:om@y";
    c.meeting_invitation_id = "mi";
    c.app_messaging = true;
    c.app_messaging_invitation_id = "ami";
    c.app_messaging_operation_id = "amo";
    c.participants = {{"sip:p1@y", odd, "pa", true}, {"sip:p2@y", "P2", "pb", false}};
    c.bridged_chat_id = "bc";
    c.impersonated_name = odd;
    c.bridged_participants = {{"b1", odd, "sip:b@y", true}};
    c.next_bridged_participant = 3;
    const std::string ec = encode(c);
    const auto bc = decode_conversation(ec);
    ASSERT_TRUE(bc);
    EXPECT_EQ(encode(*bc), ec);
    EXPECT_EQ(bc->participants.size(), 2u);
    EXPECT_EQ(bc->participants[0].name, odd);
    EXPECT_TRUE(bc->participants[0].messaging);
    EXPECT_EQ(bc->bridged_participants.at(0).display_name, odd);
    EXPECT_TRUE(bc->bridged_participants.at(0).filter_enabled);
    EXPECT_EQ(bc->invitation_state, InvitationState::connected);
    EXPECT_EQ(bc->created, c.created);
    EXPECT_EQ(bc->next_bridged_participant, 3u);

    ParticipantInvitation i{"i1", "m1", "t", "sip:a@y", "aa", odd, InvitationState::failed, 77};
    const std::string ei = encode(i);
    const auto bi = decode_participant_invitation(ei);
    ASSERT_TRUE(bi);
    EXPECT_EQ(encode(*bi), ei);
    EXPECT_EQ(bi->state, InvitationState::failed);
    EXPECT_EQ(ei, boost::json::serialize(boost::json::object{
                      {"id", "i1"}, {"meeting", "m1"}, {"app", "t"}, {"to", "sip:a@y"}, {"agentApp", "aa"},
                      {"operationId", odd}, {"state", 2}, {"created", 77}}));

    Message m{12, "sip:s@y", odd, "text/html", "<b>" + odd + "</b>", 1234, "op"};
    const std::string em = encode(m);
    const auto bm = decode_message(em);
    ASSERT_TRUE(bm);
    EXPECT_EQ(encode(*bm), em);
    EXPECT_EQ(bm->text, m.text);
    EXPECT_EQ(bm->number, 12u);
}

}  // namespace
}  // namespace carebridge::platform::persist
