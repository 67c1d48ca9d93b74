// [limits] and [security]: defaults, every key read, ranges named, callback targets refused.
#include <gtest/gtest.h>

#include <string>

#include "app/config.hpp"

namespace carebridge::app {
namespace {

std::string doc(const std::string& sections, const std::string& callback = "https://helpdesk.contoso.com/cb") {
    return sections + R"(
[[applications]]
id = "1"
client_id = "helpdesk"
client_secret = "s3cret-s3cret"
endpoints = ["sip:helpdesk@contoso.com"]
callback_url = ")" + callback + "\"\n";
}

std::string error_of(const std::string& text) {
    try {
        parse_platform_config(text);
    } catch (const ConfigError& e) {
        return e.what();
    }
    return "(no error)";
}

TEST(ConfigLimits, DefaultsAreSet) {
    const auto c = parse_platform_config(doc(""));
    EXPECT_EQ(c.limits.header_limit, 16u * 1024);
    EXPECT_EQ(c.limits.message_limit, 32u * 1024);
    EXPECT_EQ(c.limits.messages_per_10s, 10);
    EXPECT_EQ(c.limits.parked_polls, 2u);
    EXPECT_TRUE(c.security.trusted_proxies.empty());
    EXPECT_FALSE(c.security.allow_private_callbacks);
}

TEST(ConfigLimits, EveryKeyIsRead) {
    const auto c = parse_platform_config(doc(R"(
[limits]
body_limit = 4096
header_limit = 2048
header_timeout = 3
idle_timeout = 4
max_connections = 5
json_body_limit = 1024
message_limit = 100
parked_polls = 1
participants_per_meeting = 2
chats_per_application = 3
anon_tokens_per_minute = 0
anon_apps_per_minute = 7
messages_per_10s = 8
app_requests_per_second = 9
sign_ins_per_minute = 11
rate_limit_keys = 100
[security]
trusted_proxies = ["10.0.0.1", "::1"]
allow_private_callbacks = true
)"));
    EXPECT_EQ(c.body_limit, 4096u);
    EXPECT_EQ(c.limits.header_limit, 2048u);
    EXPECT_EQ(c.limits.header_timeout, 3);
    EXPECT_EQ(c.limits.idle_timeout, 4);
    EXPECT_EQ(c.limits.max_connections, 5u);
    EXPECT_EQ(c.limits.json_body_limit, 1024u);
    EXPECT_EQ(c.limits.message_limit, 100u);
    EXPECT_EQ(c.limits.parked_polls, 1u);
    EXPECT_EQ(c.limits.participants_per_meeting, 2u);
    EXPECT_EQ(c.limits.chats_per_application, 3u);
    EXPECT_EQ(c.limits.anon_tokens_per_minute, 0);
    EXPECT_EQ(c.limits.anon_apps_per_minute, 7);
    EXPECT_EQ(c.limits.messages_per_10s, 8);
    EXPECT_EQ(c.limits.app_requests_per_second, 9);
    EXPECT_EQ(c.limits.sign_ins_per_minute, 11);
    EXPECT_EQ(c.limits.rate_limit_keys, 100u);
    EXPECT_EQ(c.security.trusted_proxies, (std::vector<std::string>{"10.0.0.1", "::1"}));
    EXPECT_TRUE(c.security.allow_private_callbacks);
}

TEST(ConfigLimits, BadValuesNameTheKey) {
    EXPECT_NE(error_of(doc("[limits]\nheader_limit = 10\n")).find("limits.header_limit: must be an integer >= 1024"),
              std::string::npos);
    EXPECT_NE(error_of(doc("[limits]\nmessages_per_10s = -1\n")).find("limits.messages_per_10s"), std::string::npos);
    EXPECT_NE(error_of(doc("[limits]\nparked_polls = 0\n")).find("limits.parked_polls"), std::string::npos);
    EXPECT_NE(error_of(doc("[limits]\nmax_connectons = 1\n")).find("limits.max_connectons: unknown key"),
              std::string::npos);
    EXPECT_NE(error_of(doc("[security]\ntrusted_proxies = [\"proxy.local\"]\n")).find("security.trusted_proxies[0]"),
              std::string::npos);
    EXPECT_NE(error_of(doc("[security]\ntrusted_proxies = \"10.0.0.1\"\n")).find("security.trusted_proxies"),
              std::string::npos);
}

TEST(ConfigLimits, CallbackTargetsAreChecked) {
    const std::string expected = "applications[0].callback_url: must not target";
    for (const char* url : {"https://169.254.169.254/latest", "https://10.0.0.5/cb", "https://192.168.1.1/cb",
                            "https://[fd00::1]/cb", "https://127.0.0.1/cb", "https://localhost/cb",
                            "https://2130706433/cb", "https://0.0.0.0/cb"})
        EXPECT_NE(error_of(doc("", url)).find(expected), std::string::npos) << url;
    // Loopback with allow_http_callbacks (the demo); private networks with allow_private_callbacks.
    EXPECT_NO_THROW(parse_platform_config(doc("[security]\nallow_http_callbacks = true\n", "http://127.0.0.1:81/cb")));
    EXPECT_NO_THROW(parse_platform_config(doc("[security]\nallow_private_callbacks = true\n", "https://10.0.0.5/cb")));
    EXPECT_NE(error_of(doc("[security]\nallow_private_callbacks = true\n", "https://169.254.169.254/x")).find(expected),
              std::string::npos);
}

}  // namespace
}  // namespace carebridge::app
