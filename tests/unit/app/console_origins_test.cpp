// security.console_origins: the web origins of agent consoles that get CORS on the agent side.
#include <gtest/gtest.h>

#include <string>

#include "app/config.hpp"

namespace carebridge::app {
namespace {

const std::string kBase = R"(
[[applications]]
id = "1627259584"
client_id = "helpdesk"
client_secret = "s3cret-s3cret"
endpoints = ["sip:helpdesk@contoso.com"]
callback_url = "https://litware.com/callback"
[[agents]]
uri = "sip:alice@contoso.com"
password = "pw"
)";

TEST(ConsoleOrigins, DefaultNone) { EXPECT_TRUE(parse_platform_config(kBase).console_origins.empty()); }

TEST(ConsoleOrigins, NormalisedToLowerCaseWithoutTrailingSlash) {
    auto c = parse_platform_config("[security]\nconsole_origins = [\"https://Desk.Example.com/\", \"http://127.0.0.1:8081\"]\n" + kBase);
    EXPECT_EQ(c.console_origins, (std::vector<std::string>{"https://desk.example.com", "http://127.0.0.1:8081"}));
}

TEST(ConsoleOrigins, NotAnOriginNamesTheKey) {
    try {
        parse_platform_config("[security]\nconsole_origins = [\"https://ok.example\", \"desk.example.com\"]\n" + kBase);
        FAIL() << "accepted";
    } catch (const ConfigError& e) {
        EXPECT_NE(std::string(e.what()).find("security.console_origins[1]"), std::string::npos) << e.what();
    }
    EXPECT_THROW(parse_platform_config("[security]\nconsole_origins = \"https://a\"\n" + kBase), ConfigError);
}

}  // namespace
}  // namespace carebridge::app
