// render_envelope: the one event batch shape for callbacks and event channels.
#include "platform/events/envelope.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <string>
#include <vector>

namespace carebridge::platform {
namespace {

namespace json = boost::json;

json::object parse(const std::string& text) {
    json::value v;
    EXPECT_NO_THROW(v = json::parse(text)) << text;
    EXPECT_TRUE(v.is_object()) << text;
    return v.is_object() ? v.as_object() : json::object{};
}

StoredEvent ev(std::uint64_t pos, std::string rel, std::string href, std::string type) {
    return {pos, 0, std::move(rel), std::move(href),
            R"({"link":{"rel":"x","href":"/x/)" + std::to_string(pos) + R"("},"type":")" + type + "\"}"};
}

std::vector<const StoredEvent*> ptrs(const std::vector<StoredEvent>& v) {
    std::vector<const StoredEvent*> out;
    for (const auto& e : v) out.push_back(&e);
    return out;
}

TEST(Envelope, EmptyBatchHasLinksAndNoSenders) {
    const auto o = parse(render_envelope({}, "/app/events?ack=4", "/app/events?ack=4", ""));
    EXPECT_EQ(o.at("_links").at("self").at("href"), "/app/events?ack=4");
    EXPECT_EQ(o.at("_links").at("next").at("href"), "/app/events?ack=4");
    ASSERT_TRUE(o.at("sender").is_array());
    EXPECT_TRUE(o.at("sender").as_array().empty());
    EXPECT_FALSE(o.contains("baseuri"));
}

TEST(Envelope, SelfNextAndBaseuri) {
    const std::vector<StoredEvent> events{ev(4, "communication", "/comm", "added")};
    const auto o = parse(render_envelope(ptrs(events), "/platformservice/v1/applications/1/events?ack=4",
                                         "/platformservice/v1/applications/1/events?ack=5",
                                         "https://platform.example.com"));
    EXPECT_EQ(o.at("_links").at("self").at("href"), "/platformservice/v1/applications/1/events?ack=4");
    EXPECT_EQ(o.at("_links").at("next").at("href"), "/platformservice/v1/applications/1/events?ack=5");
    EXPECT_EQ(o.at("baseuri"), "https://platform.example.com");
}

TEST(Envelope, ConsecutiveEventsOfOneSenderShareAnEntry) {
    const std::vector<StoredEvent> events{
        ev(1, "conversation", "/c/1", "added"),  ev(2, "conversation", "/c/1", "updated"),
        ev(3, "communication", "/comm", "started"), ev(4, "conversation", "/c/1", "deleted"),
        ev(5, "conversation", "/c/2", "added"),
    };
    const auto o = parse(render_envelope(ptrs(events), "/e?ack=1", "/e?ack=6", ""));
    const auto& senders = o.at("sender").as_array();
    ASSERT_EQ(senders.size(), 4u);  // not regrouped: order across senders is kept

    auto check = [&](std::size_t i, const char* rel, const char* href,
                     std::vector<std::string> types) {
        const auto& s = senders[i].as_object();
        EXPECT_EQ(s.at("rel"), rel) << i;
        EXPECT_EQ(s.at("href"), href) << i;
        const auto& evs = s.at("events").as_array();
        ASSERT_EQ(evs.size(), types.size()) << i;
        for (std::size_t k = 0; k < types.size(); ++k)
            EXPECT_EQ(std::string(evs[k].at("type").as_string()), types[k]) << i << "/" << k;
    };
    check(0, "conversation", "/c/1", {"added", "updated"});
    check(1, "communication", "/comm", {"started"});
    check(2, "conversation", "/c/1", {"deleted"});
    check(3, "conversation", "/c/2", {"added"});
}

TEST(Envelope, SameHrefDifferentRelIsADifferentSender) {
    const std::vector<StoredEvent> events{ev(1, "conversation", "/same", "added"),
                                          ev(2, "communication", "/same", "added")};
    const auto o = parse(render_envelope(ptrs(events), "/e?ack=1", "/e?ack=3", ""));
    EXPECT_EQ(o.at("sender").as_array().size(), 2u);
}

TEST(Envelope, EventObjectsAreEmbeddedVerbatim) {
    std::vector<StoredEvent> events{ev(7, "conversation", "/c", "added")};
    events[0].json =
        R"({"link":{"rel":"message","href":"/m/1"},"_embedded":{"message":{"direction":"Incoming"}},"status":"Success","type":"completed"})";
    const auto o = parse(render_envelope(ptrs(events), "/e?ack=7", "/e?ack=8", "https://h"));
    const auto& e = o.at("sender").as_array()[0].at("events").as_array()[0].as_object();
    EXPECT_EQ(e, json::parse(events[0].json).as_object());
    EXPECT_EQ(e.at("_embedded").at("message").at("direction"), "Incoming");
}

TEST(Envelope, StringsAreEscaped) {
    const std::vector<StoredEvent> events{
        ev(1, "conver\"sation", "/c?x=\"1\"&y=\\\n\xC3\xA9", "added")};
    const std::string self = "/e?ack=1&key=\"k\"";
    const auto o = parse(render_envelope(ptrs(events), self, "/e?ack=2", "https://h/\"q\""));
    EXPECT_EQ(std::string(o.at("_links").at("self").at("href").as_string()), self);
    EXPECT_EQ(o.at("baseuri"), "https://h/\"q\"");
    const auto& s = o.at("sender").as_array()[0];
    EXPECT_EQ(s.at("rel"), "conver\"sation");
    EXPECT_EQ(s.at("href"), "/c?x=\"1\"&y=\\\n\xC3\xA9");
}

TEST(Envelope, RendersAStreamRead) {
    EventStream stream;
    stream.append("conversation", "/c", R"({"type":"skipped"})");
    for (int i = 0; i < 3; ++i)
        stream.append("conversation", "/c", R"({"link":{"rel":"message","href":"/m"},"type":"added"})");
    stream.append("communication", "/comm", R"({"link":{"rel":"conversation","href":"/c"},"type":"deleted"})");
    stream.publish_through(stream.next_position());
    const auto o = parse(render_envelope(stream.read(3, 10), "/e?ack=3", "/e?ack=6", ""));
    const auto& senders = o.at("sender").as_array();
    ASSERT_EQ(senders.size(), 2u);
    EXPECT_EQ(senders[0].at("events").as_array().size(), 2u);
    EXPECT_EQ(senders[1].at("events").as_array()[0].at("type"), "deleted");
}

}  // namespace
}  // namespace carebridge::platform
