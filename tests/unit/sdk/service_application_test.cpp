// Typed operations follow the link of the resource they are given, with the protocol's bodies.
#include "sdk/service_application.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "sdk_fixture.hpp"

namespace carebridge::sdk_test {
namespace {

using sdk::Resource;
using sdk::Result;

Resource res(const char* json) { return *Resource::parse(json); }

class ServiceApplicationTest : public ConnectedClient {
protected:
    void SetUp() override { connect(); }
    boost::json::value body(std::size_t i) { return boost::json::parse(http.at(i).body); }
    sdk::ServiceApplication sa{client};
};

TEST_F(ServiceApplicationTest, AnonymousTokenFromTheApplicationsLink) {
    std::optional<Result<sdk::AnonToken>> got;
    sa.anon_application_token("s-1", "https://contoso.com", [&](auto r) { got = r; });
    EXPECT_EQ(http.at(base).url,
              "https://platform.example/platformservice/v1/applications/1627259584/anonApplicationTokens?endpointId=sip:helpdesk@contoso.com");
    EXPECT_EQ(body(base), boost::json::parse(R"({"applicationSessionId":"s-1","allowedOrigins":"https://contoso.com"})"));
    http.respond(base, 200, fixture("AnonApplicationToken.json"));
    ASSERT_TRUE(got && *got) << got->error().describe();
    EXPECT_EQ((*got)->token.rfind("psat=", 0), 0u);
    EXPECT_NE((*got)->discover_url.find("/discover?anonymous"), std::string::npos);
}

TEST_F(ServiceApplicationTest, StartMeetingAndSendMessage) {
    auto invitation = res(R"({"_links":{"ms:rtc:saas:startAdhocMeeting":{"href":"/a/start?endpointId=sip:h@c.com"}}})");
    std::optional<Result<sdk::MeetingStarted>> meeting;
    sa.start_adhoc_meeting(invitation, "help", "https://sa.example/callback", "op1", [&](auto r) { meeting = r; });
    EXPECT_EQ(body(base), boost::json::parse(R"({"subject":"help","operationId":"op1","callbackUrl":"https://sa.example/callback"})"));
    http.respond(base, 201, R"({"onlineMeetingUri":"sip:m@c.com;gruu","_links":{"self":{"href":"/a/omi/1"},
        "ms:rtc:saas:conversation":{"href":"/a/conversations/9?endpointId=sip:h@c.com"}}})");
    ASSERT_TRUE(meeting && *meeting);
    EXPECT_EQ((*meeting)->online_meeting_uri, "sip:m@c.com;gruu");
    EXPECT_EQ((*meeting)->conversation_href, "/a/conversations/9?endpointId=sip:h@c.com");

    auto messaging = res(R"({"_links":{"ms:rtc:saas:sendMessage":{"href":"/a/conversations/9/messaging/messages?endpointId=sip:h@c.com"}}})");
    std::optional<Result<std::string>> sent;
    sa.send_message(messaging, "Welcome, customer", "welcome op", [&](auto r) { sent = r; });
    const auto& req = http.at(base + 1);
    EXPECT_EQ(req.url, "https://platform.example/a/conversations/9/messaging/messages?endpointId=sip:h@c.com&operationId=welcome%20op");
    EXPECT_EQ(req.header("Content-Type"), "text/plain; charset=utf-8");
    EXPECT_EQ(req.body, "Welcome, customer");
    http.respond(base + 1, 201, "", {{"Location", "/a/conversations/9/messaging/messages/1"}});
    ASSERT_TRUE(sent && *sent);
    EXPECT_EQ(**sent, "/a/conversations/9/messaging/messages/1");
}

TEST_F(ServiceApplicationTest, BridgeParticipantsAndAgents) {
    auto bridge = res(R"({"_links":{"ms:rtc:saas:bridgedParticipants":{"href":"/b"}}})");
    sa.add_bridged_participant(bridge, {"Alice (Contoso)", "sip:alice@contoso.com", true}, [](auto) {});
    EXPECT_EQ(body(base), boost::json::parse(
        R"j({"displayName":"Alice (Contoso)","participantUri":"sip:alice@contoso.com","messageFilterState":"Enabled"})j"));
    auto meeting = res(R"({"_links":{"self":{"href":"/m"},"ms:rtc:saas:addParticipant":{"href":"/pi?conversationId=m"}}})");
    sa.add_participant(meeting, "sip:alice@contoso.com", "c.4", [](auto) {});
    EXPECT_EQ(http.at(base + 1).url, "https://platform.example/pi?conversationId=m");
    EXPECT_EQ(body(base + 1), boost::json::parse(R"({"to":"sip:alice@contoso.com","operationId":"c.4"})"));
}

TEST_F(ServiceApplicationTest, TerminatingAGoneMeetingIsDone) {
    auto meeting = res(R"({"_links":{"self":{"href":"/m"}}})");
    std::optional<Result<sdk::Done>> done;
    sa.terminate(meeting, [&](auto r) { done = r; });
    EXPECT_EQ(http.at(base).method, "DELETE");
    http.respond(base, 404, R"({"code":"NotFound","message":"gone"})");
    ASSERT_TRUE(done);
    EXPECT_TRUE(*done);
}

TEST_F(ServiceApplicationTest, AMissingLinkFailsAtOnceWithoutARequest) {
    std::optional<Result<sdk::Resource>> got;
    sa.accept_and_bridge(res(R"({"rel":"ms:rtc:saas:messagingInvitation","_links":{}})"), "sip:m", "x",
                         [&](auto r) { got = r; });
    ASSERT_TRUE(got && !*got);
    EXPECT_EQ(got->error().kind, sdk::ErrorKind::protocol);
    EXPECT_NE(got->error().message.find("acceptAndBridge"), std::string::npos);
    EXPECT_EQ(http.count(), base);
}

}  // namespace
}  // namespace carebridge::sdk_test
