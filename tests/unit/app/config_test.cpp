// Config loader: a full round trip, defaults, one test per class of error (each must name the
// offending key), and data_dir resolution against the config file's directory.
#include "app/config.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <fstream>
#include <string>
#include <vector>

namespace carebridge::app {
namespace {

namespace fs = std::filesystem;

const std::string kApp = R"(
[[applications]]
id = "1627259584"
client_id = "helpdesk"
client_secret = "s3cret-s3cret"
endpoints = ["sip:helpdesk@contoso.com"]
callback_url = "https://litware.com/callback"
)";

// Replaces the first line starting with `key =` (or removes it when `line` is empty).
std::string edit(std::string doc, const std::string& key, const std::string& line) {
    const auto pos = doc.find("\n" + key + " =");
    EXPECT_NE(pos, std::string::npos) << key;
    const auto end = doc.find('\n', pos + 1);
    return doc.replace(pos + 1, end - pos - 1, line);
}

std::string error_of(const std::string& doc) {
    try {
        parse_platform_config(doc);
    } catch (const ConfigError& e) {
        return e.what();
    }
    return "(no error)";
}

TEST(Config, FullConfigRoundTrip) {
    const auto c = parse_platform_config(R"(
listen = "0.0.0.0:9090"
public_url = "https://chat.contoso.com/care/"
data_dir = "/var/lib/carebridge"
[tokens]
access_token_ttl = 100
anon_token_ttl = 200
user_token_ttl = 300
[events]
long_poll_timeout = 20
long_poll_max = 40
typing_timeout = 3
invitation_timeout = 90
[limits]
body_limit = 2048
[security]
allow_http_loopback_origins = true
allow_http_callbacks = true
[[applications]]
id = "app_1-x"
name = "Contoso helpdesk"
client_id = "helpdesk"
client_secret = "0123456789"
endpoints = ["sip:helpdesk@contoso.com", "sip:sales@contoso.com"]
callback_url = "http://127.0.0.1:8081/callback?x=1"
[[agents]]
uri = "sip:alice@contoso.com"
display_name = "Alice A."
username = "alice"
password = "alice-pass"
queues = ["general", "billing"]
[[agents]]
uri = "sip:bob@contoso.com"
password_hash = "$argon2id$v=19$stub"
)");
    EXPECT_EQ(c.listen_address, "0.0.0.0");
    EXPECT_EQ(c.listen_port, 9090);
    EXPECT_EQ(c.public_url, "https://chat.contoso.com/care");  // one trailing slash stripped
    EXPECT_EQ(c.data_dir, fs::path("/var/lib/carebridge"));
    EXPECT_EQ(c.access_token_ttl, 100);
    EXPECT_EQ(c.anon_token_ttl, 200);
    EXPECT_EQ(c.user_token_ttl, 300);
    EXPECT_EQ(c.long_poll_timeout, 20);
    EXPECT_EQ(c.long_poll_max, 40);
    EXPECT_EQ(c.typing_timeout, 3);
    EXPECT_EQ(c.invitation_timeout, 90);
    EXPECT_EQ(c.body_limit, 2048u);
    EXPECT_TRUE(c.allow_http_loopback_origins);
    EXPECT_TRUE(c.allow_http_callbacks);
    ASSERT_EQ(c.applications.size(), 1u);
    const auto& app = c.applications[0];
    EXPECT_EQ(app.id, "app_1-x");
    EXPECT_EQ(app.name, "Contoso helpdesk");
    EXPECT_EQ(app.client_id, "helpdesk");
    EXPECT_EQ(app.client_secret, "0123456789");
    EXPECT_EQ(app.endpoints, (std::vector<std::string>{"sip:helpdesk@contoso.com", "sip:sales@contoso.com"}));
    EXPECT_EQ(app.callback_url, "http://127.0.0.1:8081/callback?x=1");
    ASSERT_EQ(c.agents.size(), 2u);
    EXPECT_EQ(c.agents[0].uri, "sip:alice@contoso.com");
    EXPECT_EQ(c.agents[0].display_name, "Alice A.");
    EXPECT_EQ(c.agents[0].username, "alice");
    EXPECT_EQ(c.agents[0].password, "alice-pass");
    EXPECT_EQ(c.agents[0].password_hash, "");
    EXPECT_EQ(c.agents[0].queues, (std::vector<std::string>{"general", "billing"}));
    EXPECT_EQ(c.agents[1].password, "");
    EXPECT_EQ(c.agents[1].password_hash, "$argon2id$v=19$stub");
}

TEST(Config, Defaults) {
    const auto c = parse_platform_config(kApp + "[[agents]]\nuri = \"sip:alice@contoso.com\"\npassword = \"x\"\n");
    const PlatformConfig d;
    EXPECT_EQ(c.listen_address, "127.0.0.1");
    EXPECT_EQ(c.listen_port, 8080);
    EXPECT_EQ(c.public_url, "http://127.0.0.1:8080");
    EXPECT_TRUE(c.data_dir.empty());
    EXPECT_EQ(c.access_token_ttl, 3600);
    EXPECT_EQ(c.anon_token_ttl, d.anon_token_ttl);
    EXPECT_EQ(c.user_token_ttl, d.user_token_ttl);
    EXPECT_EQ(c.long_poll_timeout, 30);
    EXPECT_EQ(c.long_poll_max, 180);
    EXPECT_EQ(c.typing_timeout, 5);
    EXPECT_EQ(c.invitation_timeout, 60);
    EXPECT_EQ(c.body_limit, 65536u);
    EXPECT_FALSE(c.allow_http_loopback_origins);
    EXPECT_FALSE(c.allow_http_callbacks);
    EXPECT_EQ(c.applications.at(0).name, "1627259584");  // name defaults to id
    const auto& agent = c.agents.at(0);
    EXPECT_EQ(agent.display_name, "alice");
    EXPECT_EQ(agent.username, "alice@contoso.com");
    EXPECT_EQ(agent.queues, std::vector<std::string>{"general"});
}

TEST(Config, ListenForms) {
    auto c = parse_platform_config("listen = \"[::1]:0\"\n" + kApp);
    EXPECT_EQ(c.listen_address, "::1");
    EXPECT_EQ(c.listen_port, 0);
    EXPECT_EQ(c.public_url, "http://[::1]:0");
    c = parse_platform_config("listen = \"127.0.0.1:65535\"\n" + kApp);
    EXPECT_EQ(c.listen_port, 65535);
}

TEST(Config, HttpCallbacksOnlyForLoopbackWhenAllowed) {
    const std::string allow = "[security]\nallow_http_callbacks = true\n";
    for (const char* url : {"http://127.0.0.1:8081/cb", "http://127.9.8.7/cb", "http://[::1]:80/cb",
                            "http://LOCALHOST:8081/cb", "https://litware.com/cb"}) {
        const auto doc = allow + edit(kApp, "callback_url", std::string("callback_url = \"") + url + "\"");
        EXPECT_NO_THROW(parse_platform_config(doc)) << url;
    }
    const auto remote = edit(kApp, "callback_url", "callback_url = \"http://litware.com/cb\"");
    EXPECT_NE(error_of(allow + remote).find("applications[0].callback_url: must use https"), std::string::npos);
    const auto loopback = edit(kApp, "callback_url", "callback_url = \"http://127.0.0.1/cb\"");
    EXPECT_NE(error_of(loopback).find("applications[0].callback_url: must use https"), std::string::npos);
}

struct BadCase {
    std::string doc;
    std::string expected;  // substring of the error message
};

class ConfigErrors : public testing::TestWithParam<BadCase> {};

TEST_P(ConfigErrors, NamesTheKey) {
    const std::string message = error_of(GetParam().doc);
    EXPECT_NE(message.find(GetParam().expected), std::string::npos)
        << "expected \"" << GetParam().expected << "\" in \"" << message << "\"";
}

const std::string kAgent = "[[agents]]\nuri = \"sip:alice@contoso.com\"\npassword = \"pw\"\n";
const std::string kApp2 = R"(
[[applications]]
id = "2"
client_id = "other"
client_secret = "s3cret-s3cret"
endpoints = ["sip:other@contoso.com"]
callback_url = "https://litware.com/callback"
)";

INSTANTIATE_TEST_SUITE_P(All, ConfigErrors, testing::Values(
    // TOML syntax: line/column from toml++.
    BadCase{"listen = \"127.0.0.1:1\"\nbroken = = 1\n", "line 2, column"},
    BadCase{"listen = \"a\"\nlisten = \"b\"\n", "line 2"},
    // Unknown keys, at every level.
    BadCase{"lisen = \"127.0.0.1:1\"\n" + kApp, "lisen: unknown key"},
    BadCase{"[tokens]\naccess_token_tll = 5\n" + kApp, "tokens.access_token_tll: unknown key"},
    BadCase{"[limits]\nbodylimit = 5\n" + kApp, "limits.bodylimit: unknown key"},
    BadCase{kApp + "secret = \"x\"\n", "applications[0].secret: unknown key"},
    BadCase{kApp + kAgent + "queue = [\"a\"]\n", "agents[0].queue: unknown key"},
    // Wrong types and ranges.
    BadCase{"tokens = 5\n" + kApp, "tokens: must be a table"},
    BadCase{"[tokens]\naccess_token_ttl = 0\n" + kApp, "tokens.access_token_ttl: must be a positive integer"},
    BadCase{"[tokens]\nanon_token_ttl = \"3600\"\n" + kApp, "tokens.anon_token_ttl: must be a positive integer"},
    BadCase{"[tokens]\nuser_token_ttl = 1.5\n" + kApp, "tokens.user_token_ttl: must be a positive integer"},
    BadCase{"[tokens]\nuser_token_ttl = 9223372036854775807\n" + kApp, "tokens.user_token_ttl: must be at most"},
    BadCase{"[events]\nlong_poll_timeout = -1\n" + kApp, "events.long_poll_timeout: must be a positive integer"},
    BadCase{"[events]\nlong_poll_timeout = 200\n" + kApp, "events.long_poll_timeout: must not exceed events.long_poll_max"},
    BadCase{"[events]\ntyping_timeout = 0\n" + kApp, "events.typing_timeout: must be a positive integer"},
    BadCase{"[limits]\nbody_limit = 1023\n" + kApp, "limits.body_limit: must be an integer >= 1024"},
    BadCase{"[security]\nallow_http_callbacks = \"yes\"\n" + kApp, "security.allow_http_callbacks: must be true or false"},
    BadCase{"data_dir = \"\"\n" + kApp, "data_dir: must not be empty"},
    // listen / public_url.
    BadCase{"listen = \"localhost:8080\"\n" + kApp, "listen: must be"},
    BadCase{"listen = \"127.0.0.1\"\n" + kApp, "listen: must be"},
    BadCase{"listen = \"127.0.0.1:70000\"\n" + kApp, "listen: must be"},
    BadCase{"listen = \"::1:8080\"\n" + kApp, "listen: must be"},
    BadCase{"listen = \"[127.0.0.1]:8080\"\n" + kApp, "listen: must be"},
    BadCase{"listen = 8080\n" + kApp, "listen: must be a string"},
    BadCase{"public_url = \"ftp://x.com\"\n" + kApp, "public_url: must be an absolute http"},
    BadCase{"public_url = \"/chat\"\n" + kApp, "public_url: must be an absolute http"},
    BadCase{"public_url = \"https://\"\n" + kApp, "public_url: must be an absolute http"},
    BadCase{"public_url = \"https://x.com?a=1\"\n" + kApp, "public_url: must not contain a query"},
    BadCase{"public_url = \"https://u:p@x.com\"\n" + kApp, "public_url: must not contain user info"},
    BadCase{"public_url = \"https://x.com:99999\"\n" + kApp, "public_url: must be an absolute http"},
    BadCase{"public_url = \"https://x.com//\"\n" + kApp, "public_url: must not end with '/'"},
    // Applications.
    BadCase{"listen = \"127.0.0.1:1\"\n", "applications: at least one"},
    BadCase{"applications = []\n", "applications: at least one"},
    BadCase{"[applications]\nid = \"1\"\n", "applications: must be an array of tables"},
    BadCase{edit(kApp, "id", ""), "applications[0].id: is required"},
    BadCase{edit(kApp, "id", "id = \"a/b\""), "applications[0].id: may only contain"},
    BadCase{kApp + edit(kApp2, "id", "id = \"1627259584\""), "applications[1].id: duplicate of applications[0].id"},
    BadCase{edit(kApp, "id", "id = \"1\"\nname = 5"), "applications[0].name: must be a string"},
    BadCase{edit(kApp, "client_id", ""), "applications[0].client_id: is required"},
    BadCase{kApp + edit(kApp2, "client_id", "client_id = \"helpdesk\""), "applications[1].client_id: duplicate"},
    BadCase{edit(kApp, "client_secret", "client_secret = \"short\""), "applications[0].client_secret: must be at least 8 characters"},
    BadCase{edit(kApp, "client_secret", "client_secret = \"line\\nbreak-secret\""), "applications[0].client_secret: must not contain control"},
    BadCase{edit(kApp, "endpoints", ""), "applications[0].endpoints: must list at least one"},
    BadCase{edit(kApp, "endpoints", "endpoints = []"), "applications[0].endpoints: must list at least one"},
    BadCase{edit(kApp, "endpoints", "endpoints = \"sip:a@b.com\""), "applications[0].endpoints: must be an array"},
    BadCase{edit(kApp, "endpoints", "endpoints = [\"helpdesk@contoso.com\"]"), "applications[0].endpoints[0]: must be a sip URI"},
    BadCase{edit(kApp, "endpoints", "endpoints = [\"sip:a@b.com\", \"sip:@b.com\"]"), "applications[0].endpoints[1]: must be a sip URI"},
    BadCase{edit(kApp, "endpoints", "endpoints = [\"sip:a@b..com\"]"), "applications[0].endpoints[0]: must be a sip URI"},
    BadCase{kApp + edit(kApp2, "endpoints", "endpoints = [\"sip:HELPDESK@contoso.com\"]"),
            "applications[1].endpoints[0]: duplicate of applications[0].endpoints[0]"},
    BadCase{edit(kApp, "callback_url", ""), "applications[0].callback_url: is required"},
    BadCase{edit(kApp, "callback_url", "callback_url = \"/callback\""), "applications[0].callback_url: must be an absolute"},
    BadCase{edit(kApp, "callback_url", "callback_url = \"https://x.com/a b\""), "applications[0].callback_url: must not contain spaces"},
    BadCase{edit(kApp, "callback_url", "callback_url = \"https://x.com/#f\""), "applications[0].callback_url: must not contain a fragment"},
    // Agents.
    BadCase{"agents = 1\n" + kApp, "agents: must be an array of tables"},
    BadCase{kApp + edit(kAgent, "uri", ""), "agents[0].uri: is required"},
    BadCase{kApp + edit(kAgent, "uri", "uri = \"alice\""), "agents[0].uri: must be a sip URI"},
    BadCase{kApp + kAgent + kAgent, "agents[1].uri: duplicate of agents[0].uri"},
    BadCase{kApp + edit(kAgent, "uri", "uri = \"sip:helpdesk@contoso.com\""),
            "agents[0].uri: duplicate of applications[0].endpoints[0]"},
    BadCase{kApp + kAgent + edit(kAgent, "uri", "uri = \"sip:alice2@contoso.com\"\nusername = \"Alice@contoso.com\""),
            "agents[1].username: duplicate of agents[0].username"},
    BadCase{kApp + kAgent + "username = \"a:b\"\n", "agents[0].username: must not contain"},
    BadCase{kApp + kAgent + "password_hash = \"h\"\n", "agents[0].password: set exactly one"},
    BadCase{kApp + edit(kAgent, "password", ""), "agents[0].password: set exactly one"},
    BadCase{kApp + kAgent + "queues = \"general\"\n", "agents[0].queues: must be an array of strings"},
    BadCase{kApp + kAgent + "queues = [\"a\", 1]\n", "agents[0].queues[1]: must be a string"},
    BadCase{kApp + kAgent + "queues = [\"a\", \"A\"]\n", "agents[0].queues[1]: duplicate of agents[0].queues[0]"}));

// A scratch directory per test: ctest runs discovered tests in parallel processes.
class ConfigFile : public testing::Test {
protected:
    void SetUp() override {
        std::string templ = (fs::temp_directory_path() / "carebridge-config-XXXXXX").string();
        ASSERT_NE(mkdtemp(templ.data()), nullptr);
        dir_ = templ;
    }
    void TearDown() override { fs::remove_all(dir_); }
    fs::path write(const fs::path& relative, const std::string& text) {
        const fs::path file = dir_ / relative;
        fs::create_directories(file.parent_path());
        std::ofstream(file) << text;
        return file;
    }
    fs::path dir_;
};

TEST_F(ConfigFile, MissingFileCannotBeRead) {
    try {
        load_platform_config(dir_ / "nope.toml");
        FAIL() << "expected ConfigError";
    } catch (const ConfigError& e) {
        EXPECT_NE(std::string(e.what()).find("cannot read " + (dir_ / "nope.toml").string()), std::string::npos);
    }
    EXPECT_THROW(load_platform_config(dir_), ConfigError);
}

TEST_F(ConfigFile, RelativeDataDirIsResolvedAgainstTheConfigFile) {
    const auto file = write("etc/carebridge.toml", "data_dir = \"../data\"\n" + kApp);
    EXPECT_EQ(load_platform_config(file).data_dir, dir_ / "data");
    const auto nested = write("etc/nested.toml", "data_dir = \"./state/db\"\n" + kApp);
    EXPECT_EQ(load_platform_config(nested).data_dir, dir_ / "etc" / "state" / "db");
    const auto absolute = write("etc/absolute.toml", "data_dir = \"/srv/cb\"\n" + kApp);
    EXPECT_EQ(load_platform_config(absolute).data_dir, fs::path("/srv/cb"));
    EXPECT_TRUE(load_platform_config(write("etc/none.toml", kApp)).data_dir.empty());
}

TEST_F(ConfigFile, ErrorsNameTheFile) {
    const auto file = write("bad.toml", "[tokens]\nx = 1\n" + kApp);
    EXPECT_THROW(
        try { load_platform_config(file); } catch (const ConfigError& e) {
            EXPECT_EQ(std::string(e.what()), file.string() + ": tokens.x: unknown key");
            throw;
        },
        ConfigError);
}

// The shipped example must stay loadable; found relative to this source file.
TEST(Config, ExampleConfigLoads) {
    const auto example = fs::path(__FILE__).parent_path() / "../../../config/example.toml";
    const auto c = load_platform_config(example);
    ASSERT_EQ(c.applications.size(), 1u);
    EXPECT_EQ(c.applications[0].client_id, "helpdesk");
    EXPECT_EQ(c.applications[0].endpoints, std::vector<std::string>{"sip:helpdesk@contoso.com"});
    EXPECT_EQ(c.agents.size(), 2u);
    EXPECT_EQ(c.data_dir.filename(), "data");
    EXPECT_TRUE(c.allow_http_callbacks);
}

}  // namespace
}  // namespace carebridge::app
