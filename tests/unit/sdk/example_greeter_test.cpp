// The SDK example (examples/greeter, walked through in docs/SDK.md) against recorded platform
// answers: it must ask for exactly the call flow's steps 8-12, in order, following links.
// tests/integration/test_sdk_example.py runs the same example as a program against a real platform.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "greeter/greeter.hpp"
#include "sdk_fixture.hpp"


namespace carebridge::sdk_test {
namespace {

class GreeterTest : public ConnectedClient {};

TEST_F(GreeterTest, TakesAChatIntoAMeetingAndSaysHello) {
    connect();
    example::Greeter greeter(client, sched, "Hello!");
    const auto key = auth::SigningKey::generate();
    greeter.receiver().set_keys(*sdk::JwkSet::parse(
        boost::json::serialize(boost::json::object{{"keys", boost::json::array{key.public_jwk()}}})));
    const auto now = sched.now_ms() / 1000;
    net::Request callback;
    callback.body = fixture("Event_IncomingIMCall.json");
    callback.headers = {{"Authorization", "Bearer " + auth::jwt_sign(key, {{"iss", "https://platform.example"},
                                                                          {"aud", "1627259584"}, {"exp", now + 60}})}};
    int status = 0;
    greeter.on_callback(std::move(callback), [&](net::Response r) { status = r.status; });
    EXPECT_EQ(status, 200);

    // The platform's answers, in the order the greeter asks.
    const std::vector<std::pair<std::string, std::string>> script = {
        {"POST /startAdhocMeeting", R"({"onlineMeetingUri":"sip:m@c.com","_links":{"ms:rtc:saas:conversation":{"href":"/m"}}})"},
        {"GET /m", R"({"_links":{"self":{"href":"/m"},"ms:rtc:saas:messaging":{"href":"/m/messaging"}}})"},
        {"GET /m/messaging", R"({"_links":{"ms:rtc:saas:addMessaging":{"href":"/mi?conversationId=m"}}})"},
        {"POST /mi", R"({"_links":{"ms:rtc:saas:messaging":{"href":"/m/messaging"}}})"},
        {"POST /acceptAndBridge", R"({"state":"Connected"})"},
        {"GET /m/messaging", R"({"_links":{"ms:rtc:saas:sendMessage":{"href":"/m/messaging/messages"}}})"},
        {"POST /m/messaging/messages", ""},
    };
    for (std::size_t i = 0; i < script.size(); ++i) {
        ASSERT_EQ(http.count(), base + i + 1) << "step " << i << " not asked; errors: " << greeter.errors.size();
        const auto& req = http.at(base + i);
        const auto& [what, answer] = script[i];
        const auto path = what.substr(what.find(' ') + 1);
        EXPECT_EQ(req.method, what.substr(0, what.find(' ')));
        EXPECT_NE(req.url.find(path), std::string::npos) << req.url << " for " << what;
        http.respond(base + i, req.method == "POST" && i != 4 ? 201 : 200, answer);
    }
    EXPECT_EQ(http.at(base + 6).body, "Hello!");
    EXPECT_TRUE(greeter.errors.empty());
}

}  // namespace
}  // namespace carebridge::sdk_test
