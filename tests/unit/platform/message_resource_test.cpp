// The message resource is written as JSON text (it is rendered for every receiver of every
// message); its shape must stay the protocol's, and its embedded sender must be exactly the
// participant resource rendered elsewhere as a json tree.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "platform/views/resources.hpp"

namespace carebridge::platform {
namespace {

namespace json = boost::json;

Message message() {
    Message m;
    m.number = 3;
    m.sender_uri = "sip:agent@x.test";
    m.sender_name = "Ann \"the\" agent";
    m.content_type = "text/plain";
    m.text = "hello, \"world\" & <you>\n";
    m.time = 1'700'000'000'123;
    m.operation_id = "op-1";
    return m;
}

TEST(MessageResource, IncomingEmbedsTheSenderAsTheParticipantResource) {
    for (const View& v : {View::service("app1", "sip:desk@x.test"), View::visitor("v1"), View::agent("a1")}) {
        const auto o = json::parse(render_message(v, "c1", message(), false, "Shown name")).as_object();
        EXPECT_EQ(o.at("direction"), "Incoming");
        EXPECT_EQ(o.at("timeStamp"), "2023-11-14T22:13:20.123Z");
        EXPECT_FALSE(o.contains("operationId"));  // only the sender sees its operationId
        EXPECT_EQ(o.at("rel"), json::value(v.rel("message")));
        const auto& links = o.at("_links").as_object();
        EXPECT_EQ(links.at("self").at("href"), json::value(v.href("/communication/conversations/c1/messaging/messages/3")));
        EXPECT_EQ(links.at(v.rel("messaging")).at("href"), json::value(v.href("/communication/conversations/c1/messaging")));
        EXPECT_EQ(links.at(v.rel("participant")).at("href"),
                  json::value(v.href("/communication/conversations/c1/participants/agent@x.test")));
        EXPECT_EQ(links.at(v.rel("participant")).at("title"), "Shown name");
        EXPECT_EQ(links.at("plainMessage").at("href"), json::value(data_uri("text/plain", message().text)));
        const auto& senders = o.at("_embedded").at(v.rel("senderParticipant")).as_array();
        ASSERT_EQ(senders.size(), 1u);
        EXPECT_EQ(senders[0], json::value(render_participant(v, "c1", "sip:agent@x.test", "Shown name")));
    }
}

TEST(MessageResource, OutgoingCarriesTheOperationIdAndNoSender) {
    Message m = message();
    m.content_type = "text/html";
    const View v = View::agent("a1");
    const auto o = json::parse(render_message(v, "c1", m, true, "ignored")).as_object();
    EXPECT_EQ(o.at("direction"), "Outgoing");
    EXPECT_EQ(o.at("operationId"), "op-1");
    EXPECT_FALSE(o.contains("_embedded"));
    EXPECT_EQ(o.at("_links").as_object().size(), 2u);  // self and messaging only
}

}  // namespace
}  // namespace carebridge::platform
