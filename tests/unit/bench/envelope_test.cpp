// The generator's one-pass envelope reader must see what a JSON tree of the same text shows:
// the fields the simulated clients act on, from envelopes shaped as the platform writes them.
#include "envelope.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <string>

namespace bench {
namespace {

namespace json = boost::json;

json::object link_to(std::string href) { return json::object{{"href", std::move(href)}}; }

json::object message_event(std::string_view direction, std::string text_href) {
    json::object links{{"self", link_to("/ucwa/v1/applications/a1/communication/conversations/m1/messaging/messages/7")},
                       {"messaging", link_to("/ucwa/v1/applications/a1/communication/conversations/m1/messaging")}};
    if (direction == "Incoming") links["plainMessage"] = link_to(std::move(text_href));
    return json::object{
        {"link", json::object{{"rel", "message"}, {"href", "/ucwa/v1/applications/a1/x/messages/7"}}},
        {"_embedded", json::object{{"message", json::object{{"direction", direction},
                                                            {"timeStamp", "2026-11-27T04:00:00.000Z"},
                                                            {"_links", links},
                                                            {"rel", "message"}}}}},
        {"status", "Success"},
        {"type", "completed"}};
}

json::object envelope() {
    json::object updated{
        {"link", json::object{{"rel", "messaging"}, {"href", "/m"}}},
        {"_embedded", json::object{{"messaging", json::object{{"state", "Connected"},
                                                              {"_links", json::object{{"sendMessage", link_to("/send")},
                                                                                      {"stopMessaging", link_to("/stop")}}}}},
                                   {"second", json::object{{"state", "NotTheFirst"}}}}},
        {"type", "updated"}};
    json::object invitation{
        {"link", json::object{{"rel", "onlineMeetingInvitation"}, {"href", "/inv"}}},
        {"_embedded", json::object{{"onlineMeetingInvitation",
                                    json::object{{"uri", "sip:desk@x.test"}, {"operationId", "op \"1\""},
                                                 {"_links", json::object{{"accept", link_to("/accept")}}}}}}},
        {"type", "started"}};
    json::object typing{{"link", json::object{{"rel", "participant"}, {"href", "/p"}}}, {"type", "added"}};
    return json::object{
        {"_links", json::object{{"self", link_to("/events?ack=4")}, {"next", link_to("/events?ack=9")}}},
        {"sender", json::array{
                       json::object{{"rel", "conversation"}, {"href", "/conversations/m1"},
                                    {"events", json::array{message_event("Incoming", "data:text/plain;charset=utf-8,7%2Chello%20%C3%A9"),
                                                           message_event("Outgoing", "")}}},
                       json::object{{"rel", "conversation"}, {"href", "/conversations/m2"},
                                    {"events", json::array{updated, invitation, typing}}},
                   }},
        {"baseuri", "http://127.0.0.1:1"}};
}

TEST(Envelope, ReadsTheFieldsTheClientsActOn) {
    Envelope env;
    ASSERT_TRUE(parse_envelope(json::serialize(envelope()), env));
    EXPECT_EQ(env.next, "/events?ack=9");
    ASSERT_EQ(env.count, 5u);
    const EnvelopeEvent& in = env.events[0];
    EXPECT_EQ(in.sender_href, "/conversations/m1");
    EXPECT_EQ(in.rel, "message");
    EXPECT_EQ(in.type, "completed");
    EXPECT_TRUE(in.embedded);
    EXPECT_EQ(in.direction, "Incoming");
    EXPECT_EQ(message_text(in), "7,hello é");
    EXPECT_EQ(env.events[1].direction, "Outgoing");
    EXPECT_EQ(message_text(env.events[1]), "");
    const EnvelopeEvent& up = env.events[2];
    EXPECT_EQ(up.sender_href, "/conversations/m2");
    EXPECT_EQ(up.state, "Connected");  // the first embedded resource only
    EXPECT_EQ(up.link("sendMessage"), "/send");
    EXPECT_EQ(up.link("addMessaging"), "");
    const EnvelopeEvent& inv = env.events[3];
    EXPECT_EQ(inv.uri, "sip:desk@x.test");
    EXPECT_EQ(inv.operation_id, "op \"1\"");  // unescaped
    EXPECT_EQ(inv.link("accept"), "/accept");
    EXPECT_FALSE(env.events[4].embedded);
    EXPECT_EQ(env.events[4].rel, "participant");
}

TEST(Envelope, ReusedFromTurnToTurnWithNothingLeftOver) {
    Envelope env;
    ASSERT_TRUE(parse_envelope(json::serialize(envelope()), env));
    json::object small{{"_links", json::object{{"next", link_to("/events?ack=10")}}},
                       {"sender", json::array{json::object{{"href", "/c3"}, {"events", json::array{message_event("Outgoing", "")}}}}}};
    ASSERT_TRUE(parse_envelope(json::serialize(small), env));
    EXPECT_EQ(env.next, "/events?ack=10");
    ASSERT_EQ(env.count, 1u);
    EXPECT_EQ(env.events[0].sender_href, "/c3");
    EXPECT_EQ(env.events[0].direction, "Outgoing");
    EXPECT_TRUE(env.events[0].links.size() == 2u);  // self and messaging, not the last turn's
}

TEST(Envelope, LongEscapedStringsThatArriveInPartsAreWhole) {
    std::string text(20000, 'a');
    for (std::size_t i = 0; i < text.size(); i += 97) text[i] = '"';  // escaped in the JSON
    const json::object env_json{
        {"_links", json::object{{"next", link_to("/n")}}},
        {"sender", json::array{json::object{{"href", "/c"}, {"events", json::array{message_event("Incoming", "data:," + text)}}}}}};
    Envelope env;
    ASSERT_TRUE(parse_envelope(json::serialize(env_json), env));
    ASSERT_EQ(env.count, 1u);
    EXPECT_EQ(env.events[0].link("plainMessage"), "data:," + text);
}

TEST(Envelope, InvalidJsonIsAnError) {
    Envelope env;
    EXPECT_FALSE(parse_envelope("", env));
    EXPECT_FALSE(parse_envelope("{\"_links\":", env));
    EXPECT_FALSE(parse_envelope("{} trailing", env));
    EXPECT_EQ(env.count, 0u);
    EXPECT_TRUE(parse_envelope(" {} \n", env));
    EXPECT_TRUE(env.next.empty());
}

}  // namespace
}  // namespace bench
