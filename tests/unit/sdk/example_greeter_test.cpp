// The example of src/sdk/README.md, compiled and run here so it cannot rot: a Service
// Application that takes every incoming chat into an ad-hoc meeting and greets the visitor,
// written only against the SDK. The test plays the platform with recorded answers.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "sdk/callback_receiver.hpp"
#include "sdk/service_application.hpp"
#include "sdk_fixture.hpp"

namespace example {

using namespace carebridge;

// --- the example -----------------------------------------------------------------------
class Greeter {
public:
    Greeter(sdk::Client& client, net::Scheduler& scheduler)
        : sa_(client), receiver_(client, scheduler, [this](std::vector<sdk::Event> events) {
              for (const auto& e : events)
                  if (e.subject == sdk::Subject::messaging_invitation && e.type == sdk::EventType::started &&
                      e.resource && e.resource->str("direction") == "Incoming")
                      greet(*e.resource);
          }) {}

    // Give it the platform's POSTs to your callback URL.
    void on_callback(net::Request&& request, net::Responder respond) {
        receiver_.handle(std::move(request), std::move(respond));
    }
    sdk::CallbackReceiver& receiver() { return receiver_; }

private:
    // Steps 8-12, following links only: meeting, its messaging, accept and bridge, hello.
    void greet(sdk::Resource invitation) {
        sa_.start_adhoc_meeting(invitation, "greeting", "", "greet-1", [=, this](sdk::Result<sdk::MeetingStarted> m) {
            if (!m) return log(m.error());
            sa_.get(m->conversation_href, [=, this](sdk::Result<sdk::Resource> meeting) {
                if (!meeting) return log(meeting.error());
                sa_.get(meeting->link("messaging").value_or(""), [=, this](sdk::Result<sdk::Resource> messaging) {
                    if (!messaging) return log(messaging.error());
                    sa_.add_messaging(*messaging, "greet-2", [=, this](sdk::Result<sdk::Resource> joined) {
                        if (!joined) return log(joined.error());
                        sa_.accept_and_bridge(invitation, m->online_meeting_uri, "Greeter",
                                              [=, this](sdk::Result<sdk::Resource> bridged) {
                            if (!bridged) return log(bridged.error());
                            sa_.get(joined->link("messaging").value_or(""), [this](sdk::Result<sdk::Resource> connected) {
                                if (!connected) return log(connected.error());
                                sa_.send_message(*connected, "Hello!", "greet-3", [this](sdk::Result<std::string> sent) {
                                    if (!sent) log(sent.error());
                                });
                            });
                        });
                    });
                });
            });
        });
    }
    void log(const sdk::Error& e) { errors.push_back(e.describe()); }

    sdk::ServiceApplication sa_;
    sdk::CallbackReceiver receiver_;

public:
    std::vector<std::string> errors;
};
// --- end of the example ----------------------------------------------------------------

}  // namespace example

namespace carebridge::sdk_test {
namespace {

class GreeterTest : public ConnectedClient {};

TEST_F(GreeterTest, TakesAChatIntoAMeetingAndSaysHello) {
    connect();
    example::Greeter greeter(client, sched);
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
