// The [ops] section: defaults, values, and errors that name the key.
#include <gtest/gtest.h>

#include "app/config.hpp"

namespace carebridge::app {
namespace {

const std::string kApp = R"(
[[applications]]
id = "1627259584"
client_id = "helpdesk"
client_secret = "s3cret-s3cret"
endpoints = ["sip:helpdesk@contoso.com"]
callback_url = "https://litware.com/callback"
)";

TEST(ConfigOps, DefaultsAndValues) {
    const auto d = parse_platform_config(kApp);
    EXPECT_EQ(d.ops.log_level, "info");
    EXPECT_EQ(d.ops.shutdown_deadline, 10);
    EXPECT_EQ(d.ops.chat_inactivity_timeout, 0);
    EXPECT_EQ(d.ops.visitor_poll_grace, 0);
    EXPECT_EQ(d.ops.callback_max_age, 3600);
    EXPECT_EQ(d.ops.callback_timeout, 10);
    EXPECT_EQ(d.ops.callback_batch_window_ms, 0) << "off unless asked for";
    const auto c = parse_platform_config(
        "[ops]\nlog_level = \"debug\"\nshutdown_deadline = 3\nchat_inactivity_timeout = 600\n"
        "visitor_poll_grace = 90\ncallback_max_age = 120\ncallback_timeout = 3\n"
        "callback_batch_window_ms = 1000\n" + kApp);
    EXPECT_EQ(c.ops.log_level, "debug");
    EXPECT_EQ(c.ops.shutdown_deadline, 3);
    EXPECT_EQ(c.ops.chat_inactivity_timeout, 600);
    EXPECT_EQ(c.ops.visitor_poll_grace, 90);
    EXPECT_EQ(c.ops.callback_max_age, 120);
    EXPECT_EQ(c.ops.callback_timeout, 3);
    EXPECT_EQ(c.ops.callback_batch_window_ms, 1000);
}

TEST(ConfigOps, ErrorsNameTheKey) {
    for (const auto& [text, key] : std::vector<std::pair<std::string, std::string>>{
             {"[ops]\nlog_level = \"loud\"\n", "ops.log_level"},
             {"[ops]\nshutdown_deadline = 0\n", "ops.shutdown_deadline"},
             {"[ops]\nchat_inactivity_timeout = -1\n", "ops.chat_inactivity_timeout"},
             {"[ops]\ncallback_max_age = \"1h\"\n", "ops.callback_max_age"},
             {"[ops]\ncallback_timeout = 0\n", "ops.callback_timeout"},
             {"[ops]\ncallback_batch_window_ms = 1001\n", "ops.callback_batch_window_ms"},
             {"[ops]\ncallback_batch_window_ms = -1\n", "ops.callback_batch_window_ms"},
             {"[ops]\nwhatever = 1\n", "ops.whatever"},
             {"ops = 3\n", "ops"}}) {
        try {
            parse_platform_config(text + kApp);
            ADD_FAILURE() << "accepted: " << text;
        } catch (const ConfigError& e) {
            EXPECT_EQ(std::string(e.what()).rfind(key + ":", 0), 0u) << e.what();
        }
    }
}

}  // namespace
}  // namespace carebridge::app
