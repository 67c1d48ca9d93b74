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

}  // namespace
}  // namespace carebridge::platform::persist
