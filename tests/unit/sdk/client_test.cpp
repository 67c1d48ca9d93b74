// The Client over a recording sender and a fake clock: discovery by links, the token and its
// refresh, retries only where safe, typed errors, timeouts.
#include "sdk/client.hpp"

#include <gtest/gtest.h>

#include "sdk_fixture.hpp"

namespace carebridge::sdk_test {
namespace {

using sdk::ErrorKind;
using sdk::Result;
using sdk::Retry;
using std::chrono::milliseconds;

using ClientTest = ConnectedClient;

TEST_F(ClientTest, ConnectsByFollowingDiscoveryThenTheApplicationLink) {
    connect();
    EXPECT_EQ(http.at(0).method, "GET");
    EXPECT_EQ(http.at(0).url, kDiscover);
    EXPECT_FALSE(http.at(0).header("Authorization"));
    EXPECT_EQ(http.at(1).url, "https://platform.example/oauth2/token");
    EXPECT_EQ(http.at(1).body, "grant_type=client_credentials&client_id=helpdesk&client_secret=s3cret%26more");
    EXPECT_EQ(http.at(1).header("Content-Type"), "application/x-www-form-urlencoded");
    EXPECT_EQ(http.at(2).url.rfind("https://platform.example/platformservice/v1/applications?endpointId=", 0), 0u);
    EXPECT_EQ(http.at(2).header("Authorization"), "Bearer T1");
    EXPECT_EQ(http.at(2).timeout, milliseconds(1000));
    EXPECT_TRUE(client.connected());
    EXPECT_EQ(client.application_id(), "1627259584");
    EXPECT_EQ(client.platform_url(), "https://platform.example");
    EXPECT_EQ(client.resolve("/x?y=1"), "https://platform.example/x?y=1");
    EXPECT_EQ(client.resolve("https://other.example/z"), "https://other.example/z");
}

TEST_F(ClientTest, ConnectFailsWithoutTheApplicationsLink) {
    std::optional<sdk::Error> error;
    client.connect([&](Result<sdk::Resource> r) { error = r.error(); });
    http.respond(0, 200, R"({"_links":{"self":{"href":"/d"}}})");
    ASSERT_TRUE(error);
    EXPECT_EQ(error->kind, ErrorKind::protocol);
    EXPECT_FALSE(client.connected());
}

TEST_F(ClientTest, RefreshesTheTokenBeforeItExpires) {
    connect(3600);
    sched.advance(std::chrono::seconds(3600 - 61));
    EXPECT_EQ(http.count(), base) << "too early";
    sched.advance(std::chrono::seconds(1));
    ASSERT_EQ(http.count(), base + 1);
    EXPECT_EQ(http.at(base).url, "https://platform.example/oauth2/token");
    // Until the new one arrives, calls go on with the old one.
    client.call("GET", "/a", std::nullopt, Retry::safe, [](Result<sdk::Resource>) {});
    EXPECT_EQ(http.at(base + 1).header("Authorization"), "Bearer T1");
    http.respond(base, 200, R"({"access_token":"T2","expires_in":3600})");
    client.call("GET", "/b", std::nullopt, Retry::safe, [](Result<sdk::Resource>) {});
    EXPECT_EQ(http.at(base + 2).header("Authorization"), "Bearer T2");
}

TEST_F(ClientTest, ARefusedTokenIsReplacedAndTheCallRepeatedOnce) {
    connect();
    std::optional<Result<sdk::Resource>> got;
    client.call("POST", "/m", boost::json::object{{"a", 1}}, Retry::unsafe, [&](Result<sdk::Resource> r) { got = r; });
    http.respond(base, 401, R"({"code":"Unauthorized","subcode":"TokenExpired","message":"expired"})");
    ASSERT_EQ(http.at(base + 1).url, "https://platform.example/oauth2/token");
    http.respond(base + 1, 200, R"({"access_token":"T2","expires_in":3600})");
    EXPECT_EQ(http.at(base + 2).url, "https://platform.example/m");
    EXPECT_EQ(http.at(base + 2).header("Authorization"), "Bearer T2");
    EXPECT_EQ(http.at(base + 2).body, R"({"a":1})");
    http.respond(base + 2, 401, R"({"code":"Unauthorized","subcode":"InvalidToken","message":"no"})");
    ASSERT_TRUE(got);
    ASSERT_FALSE(*got);
    EXPECT_EQ(got->error().status, 401);
    EXPECT_EQ(got->error().subcode, "InvalidToken");
}

TEST_F(ClientTest, SafeCallsAreRetriedWithGrowingJitteredBackoff) {
    connect();
    std::optional<Result<sdk::Resource>> got;
    client.call("GET", "/r", std::nullopt, Retry::safe, [&](Result<sdk::Resource> r) { got = r; });
    http.fail(base, "read: connection reset by peer");
    EXPECT_EQ(http.count(), base + 1) << "not before the backoff";
    sched.advance(milliseconds(100));
    ASSERT_EQ(http.count(), base + 2);
    http.respond(base + 1, 503, R"({"code":"ServiceUnavailable","message":"busy"})");
    sched.advance(milliseconds(200));
    ASSERT_EQ(http.count(), base + 3);
    http.fail(base + 2, "timeout");
    ASSERT_TRUE(got) << "3 attempts, then the last error";
    EXPECT_EQ(got->error().kind, ErrorKind::timeout);
    const auto& d = sched.delays();
    const auto n = d.size();
    EXPECT_GE(d[n - 2], milliseconds(50));
    EXPECT_LE(d[n - 2], milliseconds(100));
    EXPECT_GE(d[n - 1], milliseconds(100));
    EXPECT_LE(d[n - 1], milliseconds(200));
}

TEST_F(ClientTest, UnsafeCallsAreRetriedOnlyWhenTheyCannotHaveArrived) {
    connect();
    std::optional<Result<sdk::Resource>> got;
    client.call("POST", "/meet", boost::json::object{}, Retry::unsafe, [&](Result<sdk::Resource> r) { got = r; });
    http.fail(base, "timeout");  // it may have started a meeting: do not start another
    ASSERT_TRUE(got);
    EXPECT_EQ(got->error().kind, ErrorKind::timeout);
    got.reset();
    client.call("POST", "/meet", boost::json::object{}, Retry::unsafe, [&](Result<sdk::Resource> r) { got = r; });
    http.fail(base + 1, "connect platform.example:443: Connection refused");
    EXPECT_FALSE(got);
    sched.advance(milliseconds(100));
    ASSERT_EQ(http.count(), base + 3);
    http.respond(base + 2, 503, R"({"code":"ServiceUnavailable"})");
    ASSERT_TRUE(got) << "a 503 answer to a POST is final";
    EXPECT_EQ(got->error().status, 503);
}

TEST_F(ClientTest, PlatformErrorsAreTyped) {
    connect();
    std::optional<Result<sdk::Resource>> got;
    client.call("POST", "/x", std::nullopt, Retry::unsafe, [&](Result<sdk::Resource> r) { got = r; });
    http.respond(base, 409, R"({"code":"Conflict","subcode":"InvalidState","message":"not pending"})");
    ASSERT_TRUE(got && !*got);
    const auto& e = got->error();
    EXPECT_EQ(e.kind, ErrorKind::platform);
    EXPECT_EQ(e.status, 409);
    EXPECT_EQ(e.code, "Conflict");
    EXPECT_EQ(e.subcode, "InvalidState");
    EXPECT_EQ(e.message, "not pending");
    EXPECT_EQ(e.describe(), "platform 409 Conflict/InvalidState: not pending");
    // The OAuth error shape of the token endpoint.
    auto oauth = sdk::platform_error(401, R"({"error":"invalid_client","error_description":"bad secret"})");
    EXPECT_EQ(oauth.code, "invalid_client");
    EXPECT_EQ(oauth.message, "bad secret");
    EXPECT_EQ(sdk::platform_error(502, "<html>").code, "HTTP502");
}

TEST_F(ClientTest, NoCallbackAfterTheClientIsGone) {
    bool called = false;
    {
        sdk::Client doomed(sched, http, client_options());
        doomed.get_public("https://platform.example/x", [&](Result<sdk::HttpReply>) { called = true; });
    }
    http.respond(0, 200, "{}");
    EXPECT_FALSE(called);
}

}  // namespace
}  // namespace carebridge::sdk_test
