#pragma once
// A Client connected to a scripted platform: discovery, token and application answered by the
// recording sender, on the fake clock.
#include <gtest/gtest.h>

#include "fakes.hpp"
#include "sdk/client.hpp"

namespace carebridge::sdk_test {

inline constexpr const char* kDiscover = "https://platform.example/platformservice/discover";
inline constexpr const char* kApplication = R"({"id":"1627259584","endpointId":"sip:helpdesk@contoso.com",
  "_links":{"self":{"href":"/platformservice/v1/applications/1627259584?endpointId=sip:helpdesk@contoso.com"},
    "ms:rtc:saas:anonApplicationTokens":{"href":"/platformservice/v1/applications/1627259584/anonApplicationTokens?endpointId=sip:helpdesk@contoso.com"}},
  "rel":"ms:rtc:saas:application"})";

inline sdk::ClientOptions client_options() {
    sdk::ClientOptions o;
    o.discover_url = kDiscover;
    o.client_id = "helpdesk";
    o.client_secret = "s3cret&more";
    o.endpoint = "sip:helpdesk@contoso.com";
    o.timeout = std::chrono::milliseconds(1000);
    o.max_attempts = 3;
    o.initial_backoff = std::chrono::milliseconds(100);
    o.max_backoff = std::chrono::milliseconds(400);
    return o;
}

class ConnectedClient : public ::testing::Test {
protected:
    // Answers discovery (request 0), the token (1) and the application (2).
    void connect(std::int64_t expires_in = 3600) {
        bool connected = false;
        client.connect([&](sdk::Result<sdk::Resource> app) {
            ASSERT_TRUE(app) << app.error().describe();
            connected = true;
        });
        ASSERT_EQ(http.count(), 1u);
        http.respond(0, 200, R"({"_links":{"self":{"href":"/platformservice/discover"},
            "ms:rtc:saas:applications":{"href":"https://platform.example/platformservice/v1/applications"}},
            "rel":"ms:rtc:saas:discover"})");
        ASSERT_EQ(http.count(), 2u);
        http.respond(1, 200, R"({"access_token":"T1","token_type":"Bearer","expires_in":)" +
                                 std::to_string(expires_in) + "}");
        ASSERT_EQ(http.count(), 3u);
        http.respond(2, 200, kApplication);
        ASSERT_TRUE(connected);
        base = http.count();
    }

    FakeScheduler sched;
    RecordingSender http;
    sdk::Client client{sched, http, client_options()};
    std::size_t base = 0;  // requests made by connect()
};

}  // namespace carebridge::sdk_test
