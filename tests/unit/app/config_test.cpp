// Config loader: a full round trip, defaults, one case per class of error (each must name the
// offending key), and data_dir resolution against the config file's directory.
#include "app/config.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <cctype>
#include <fstream>
#include <functional>
#include <ostream>
#include <string>
#include <vector>

namespace carebridge::app {
namespace {

namespace fs = std::filesystem;
using Strings = std::vector<std::string>;

const std::string kApp = R"(
[[applications]]
id = "1627259584"
client_id = "helpdesk"
client_secret = "s3cret-s3cret"
endpoints = ["sip:helpdesk@contoso.com"]
callback_url = "https://litware.com/callback"
)";
const std::string kApp2 = R"(
[[applications]]
id = "2"
client_id = "other"
client_secret = "s3cret-s3cret"
endpoints = ["sip:other@contoso.com"]
callback_url = "https://litware.com/callback"
)";
const std::string kAgent = "\n[[agents]]\nuri = \"sip:alice@contoso.com\"\npassword = \"pw\"\n";

// Replaces the line starting with `key =` in doc (removes it when `line` is empty).
std::string edit(std::string doc, const std::string& key, const std::string& line) {
    const auto pos = doc.find("\n" + key + " =");
    EXPECT_NE(pos, std::string::npos) << key;
    const auto end = doc.find('\n', pos + 1);
    return doc.replace(pos + 1, end - pos - 1, line);
}
// Short builders for the error table: top-level lines + one valid app; an edited app/agent.
std::string top(const std::string& lines) { return lines + "\n" + kApp; }
std::string app(const std::string& key, const std::string& line) { return edit(kApp, key, line); }
std::string agent(const std::string& key, const std::string& line) {
    return kApp + edit(kAgent, key, line);
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
    const auto& a = c.applications[0];
    EXPECT_EQ(a.id, "app_1-x");
    EXPECT_EQ(a.name, "Contoso helpdesk");
    EXPECT_EQ(a.client_id, "helpdesk");
    EXPECT_EQ(a.client_secret, "0123456789");
    EXPECT_EQ(a.endpoints, (Strings{"sip:helpdesk@contoso.com", "sip:sales@contoso.com"}));
    EXPECT_EQ(a.callback_url, "http://127.0.0.1:8081/callback?x=1");
    ASSERT_EQ(c.agents.size(), 2u);
    EXPECT_EQ(c.agents[0].uri, "sip:alice@contoso.com");
    EXPECT_EQ(c.agents[0].display_name, "Alice A.");
    EXPECT_EQ(c.agents[0].username, "alice");
    EXPECT_EQ(c.agents[0].password, "alice-pass");
    EXPECT_EQ(c.agents[0].password_hash, "");
    EXPECT_EQ(c.agents[0].queues, (Strings{"general", "billing"}));
    EXPECT_EQ(c.agents[1].password, "");
    EXPECT_EQ(c.agents[1].password_hash, "$argon2id$v=19$stub");
}

TEST(Config, Defaults) {
    const auto c = parse_platform_config(kApp + kAgent);
    EXPECT_EQ(c.listen_address, "127.0.0.1");
    EXPECT_EQ(c.listen_port, 8080);
    EXPECT_EQ(c.public_url, "http://127.0.0.1:8080");
    EXPECT_TRUE(c.data_dir.empty());
    EXPECT_EQ(c.access_token_ttl, 3600);
    EXPECT_EQ(c.anon_token_ttl, 28800);
    EXPECT_EQ(c.user_token_ttl, 28800);
    EXPECT_EQ(c.long_poll_timeout, 30);
    EXPECT_EQ(c.long_poll_max, 180);
    EXPECT_EQ(c.typing_timeout, 5);
    EXPECT_EQ(c.invitation_timeout, 60);
    EXPECT_EQ(c.body_limit, 65536u);
    EXPECT_EQ(c.io_threads, 1u);
    EXPECT_FALSE(c.allow_http_loopback_origins);
    EXPECT_FALSE(c.allow_http_callbacks);
    EXPECT_EQ(c.applications.at(0).name, "1627259584");  // name defaults to id
    const auto& alice = c.agents.at(0);
    EXPECT_EQ(alice.display_name, "alice");
    EXPECT_EQ(alice.username, "alice@contoso.com");
    EXPECT_EQ(alice.queues, Strings{"general"});
    EXPECT_TRUE(parse_platform_config(kApp).agents.empty());  // agents are optional
}

TEST(Config, ListenForms) {
    auto c = parse_platform_config(top("listen = \"[::1]:0\""));
    EXPECT_EQ(c.listen_address, "::1");
    EXPECT_EQ(c.listen_port, 0);
    EXPECT_EQ(c.public_url, "http://[::1]:0");
    EXPECT_EQ(parse_platform_config(top("listen = \"127.0.0.1:65535\"")).listen_port, 65535);
    EXPECT_EQ(parse_platform_config(top("io_threads = 0")).io_threads, 0u);
    EXPECT_EQ(parse_platform_config(top("io_threads = 4")).io_threads, 4u);
}

TEST(Config, HttpCallbacksOnlyForLoopbackWhenAllowed) {
    const std::string allow = "[security]\nallow_http_callbacks = true\n";
    const auto callback = [](const std::string& url) {
        return app("callback_url", "callback_url = \"" + url + "\"");
    };
    for (const char* url : {"http://127.0.0.1:8081/cb", "http://127.9.8.7/cb",
                            "http://[::1]:80/cb", "http://LOCALHOST:8081/cb", "https://x.com/cb"})
        EXPECT_NO_THROW(parse_platform_config(allow + callback(url))) << url;
    const std::string expected = "applications[0].callback_url: must use https";
    EXPECT_NE(error_of(allow + callback("http://x.com/cb")).find(expected), std::string::npos);
    EXPECT_NE(error_of(callback("http://127.0.0.1/cb")).find(expected), std::string::npos);
}

struct BadCase {
    std::string doc;
    std::string expected;  // substring of the error message
};
// gtest_discover_tests names each ctest case after this printout, so it must be short, free of
// special characters and unique (several cases expect the same message, hence the doc hash).
void PrintTo(const BadCase& c, std::ostream* os) {
    std::string slug;
    for (char ch : c.expected) slug += std::isalnum(static_cast<unsigned char>(ch)) ? ch : '_';
    *os << slug << '_' << std::hex << (std::hash<std::string>{}(c.doc) & 0xffffff);
}
class ConfigErrors : public testing::TestWithParam<BadCase> {};

TEST_P(ConfigErrors, NamesTheKey) {
    const std::string message = error_of(GetParam().doc);
    EXPECT_NE(message.find(GetParam().expected), std::string::npos)
        << "expected \"" << GetParam().expected << "\" in \"" << message << "\"";
}

INSTANTIATE_TEST_SUITE_P(All, ConfigErrors, testing::Values(
    // TOML syntax: line/column come from toml++.
    BadCase{"listen = \"127.0.0.1:1\"\nbroken = = 1\n", "line 2, column"},
    BadCase{"listen = \"a\"\nlisten = \"b\"\n", "line 2"},
    // Unknown keys, at every level.
    BadCase{top("lisen = \"127.0.0.1:1\""), "lisen: unknown key"},
    BadCase{top("[tokens]\naccess_token_tll = 5"), "tokens.access_token_tll: unknown key"},
    BadCase{top("[limits]\nbodylimit = 5"), "limits.bodylimit: unknown key"},
    BadCase{kApp + "secret = \"x\"\n", "applications[0].secret: unknown key"},
    BadCase{kApp + kAgent + "queue = [\"a\"]\n", "agents[0].queue: unknown key"},
    // Types and ranges.
    BadCase{top("io_threads = -1"), "io_threads: must be an integer from 0 to 64"},
    BadCase{top("io_threads = 65"), "io_threads: must be at most 64"},
    BadCase{top("tokens = 5"), "tokens: must be a table"},
    BadCase{top("[tokens]\naccess_token_ttl = 0"), "tokens.access_token_ttl: must be a positive"},
    BadCase{top("[tokens]\nanon_token_ttl = \"1\""), "tokens.anon_token_ttl: must be a positive"},
    BadCase{top("[tokens]\nuser_token_ttl = 1.5"), "tokens.user_token_ttl: must be a positive"},
    BadCase{top("[tokens]\nuser_token_ttl = 9223372036854775807"),
            "tokens.user_token_ttl: must be at most"},
    BadCase{top("[events]\nlong_poll_timeout = -1"),
            "events.long_poll_timeout: must be a positive integer"},
    BadCase{top("[events]\nlong_poll_timeout = 200"),
            "events.long_poll_timeout: must not exceed events.long_poll_max (180)"},
    BadCase{top("[events]\ntyping_timeout = 0"), "events.typing_timeout: must be a positive"},
    BadCase{top("[limits]\nbody_limit = 1023"), "limits.body_limit: must be an integer >= 1024"},
    BadCase{top("[security]\nallow_http_callbacks = \"yes\""),
            "security.allow_http_callbacks: must be true or false"},
    BadCase{top("data_dir = \"\""), "data_dir: must not be empty"},
    // listen / public_url.
    BadCase{top("listen = \"localhost:8080\""), "listen: must be"},
    BadCase{top("listen = \"127.0.0.1\""), "listen: must be"},
    BadCase{top("listen = \"127.0.0.1:70000\""), "listen: must be"},
    BadCase{top("listen = \"::1:8080\""), "listen: must be"},
    BadCase{top("listen = \"[127.0.0.1]:8080\""), "listen: must be"},
    BadCase{top("listen = 8080"), "listen: must be a string"},
    BadCase{top("public_url = \"ftp://x.com\""), "public_url: must be an absolute http"},
    BadCase{top("public_url = \"/chat\""), "public_url: must be an absolute http"},
    BadCase{top("public_url = \"https://\""), "public_url: must be an absolute http"},
    BadCase{top("public_url = \"https://x.com:99999\""), "public_url: must be an absolute http"},
    BadCase{top("public_url = \"https://x.com?a=1\""), "public_url: must not contain a query"},
    BadCase{top("public_url = \"https://u:p@x.com\""), "public_url: must not contain user info"},
    BadCase{top("public_url = \"https://x.com//\""), "public_url: must not end with '/'"},
    // Applications.
    BadCase{"listen = \"127.0.0.1:1\"\n", "applications: at least one"},
    BadCase{"applications = []\n", "applications: at least one"},
    BadCase{"[applications]\nid = \"1\"\n", "applications: must be an array of tables"},
    BadCase{app("id", ""), "applications[0].id: is required"},
    BadCase{app("id", "id = \"a/b\""), "applications[0].id: may only contain"},
    BadCase{kApp + edit(kApp2, "id", "id = \"1627259584\""),
            "applications[1].id: duplicate of applications[0].id"},
    BadCase{app("id", "id = \"1\"\nname = 5"), "applications[0].name: must be a string"},
    BadCase{app("client_id", ""), "applications[0].client_id: is required"},
    BadCase{kApp + edit(kApp2, "client_id", "client_id = \"helpdesk\""),
            "applications[1].client_id: duplicate of applications[0].client_id"},
    BadCase{app("client_secret", "client_secret = \"short\""),
            "applications[0].client_secret: must be at least 8 characters"},
    BadCase{app("client_secret", "client_secret = \"line\\nbreak-secret\""),
            "applications[0].client_secret: must not contain control characters"},
    BadCase{app("endpoints", ""), "applications[0].endpoints: must list at least one"},
    BadCase{app("endpoints", "endpoints = []"), "applications[0].endpoints: must list at least"},
    BadCase{app("endpoints", "endpoints = \"sip:a@b.com\""),
            "applications[0].endpoints: must be an array"},
    BadCase{app("endpoints", "endpoints = [\"helpdesk@contoso.com\"]"),
            "applications[0].endpoints[0]: must be a sip URI"},
    BadCase{app("endpoints", "endpoints = [\"sip:a@b.com\", \"sip:@b.com\"]"),
            "applications[0].endpoints[1]: must be a sip URI"},
    BadCase{app("endpoints", "endpoints = [\"sip:a@b..com\"]"),
            "applications[0].endpoints[0]: must be a sip URI"},
    BadCase{kApp + edit(kApp2, "endpoints", "endpoints = [\"sip:HELPDESK@contoso.com\"]"),
            "applications[1].endpoints[0]: duplicate of applications[0].endpoints[0]"},
    BadCase{app("callback_url", ""), "applications[0].callback_url: is required"},
    BadCase{app("callback_url", "callback_url = \"/cb\""),
            "applications[0].callback_url: must be an absolute"},
    BadCase{app("callback_url", "callback_url = \"https://x.com/a b\""),
            "applications[0].callback_url: must not contain spaces"},
    BadCase{app("callback_url", "callback_url = \"https://x.com/#f\""),
            "applications[0].callback_url: must not contain a fragment"},
    // Agents.
    BadCase{top("agents = 1"), "agents: must be an array of tables"},
    BadCase{agent("uri", ""), "agents[0].uri: is required"},
    BadCase{agent("uri", "uri = \"alice\""), "agents[0].uri: must be a sip URI"},
    BadCase{kApp + kAgent + kAgent, "agents[1].uri: duplicate of agents[0].uri"},
    BadCase{agent("uri", "uri = \"sip:helpdesk@contoso.com\""),
            "agents[0].uri: duplicate of applications[0].endpoints[0]"},
    BadCase{kApp + kAgent +
                edit(kAgent, "uri", "uri = \"sip:a@x.com\"\nusername = \"ALICE@contoso.com\""),
            "agents[1].username: duplicate of agents[0].username"},
    BadCase{kApp + kAgent + "username = \"a:b\"\n", "agents[0].username: must not contain"},
    BadCase{kApp + kAgent + "password_hash = \"h\"\n", "agents[0].password: set exactly one"},
    BadCase{agent("password", ""), "agents[0].password: set exactly one"},
    BadCase{kApp + kAgent + "queues = \"general\"\n", "agents[0].queues: must be an array"},
    BadCase{kApp + kAgent + "queues = [\"a\", 1]\n", "agents[0].queues[1]: must be a string"},
    BadCase{kApp + kAgent + "queues = [\"a\", \"A\"]\n",
            "agents[0].queues[1]: duplicate of agents[0].queues[0]"}));

// A scratch directory per test: ctest runs the discovered tests as parallel processes.
class ConfigFile : public testing::Test {
protected:
    void SetUp() override {
        std::string pattern = (fs::temp_directory_path() / "carebridge-config-XXXXXX").string();
        ASSERT_NE(mkdtemp(pattern.data()), nullptr);
        dir_ = pattern;
    }
    void TearDown() override { fs::remove_all(dir_); }
    fs::path write(const fs::path& relative, const std::string& text) {
        const fs::path file = dir_ / relative;
        fs::create_directories(file.parent_path());
        std::ofstream(file) << text;
        return file;
    }
    std::string load_error(const fs::path& file) {
        try {
            load_platform_config(file);
        } catch (const ConfigError& e) {
            return e.what();
        }
        return "(no error)";
    }
    fs::path dir_;
};

TEST_F(ConfigFile, MissingFileCannotBeRead) {
    const auto missing = dir_ / "nope.toml";
    EXPECT_EQ(load_error(missing).rfind("cannot read " + missing.string(), 0), 0u);
    EXPECT_EQ(load_error(dir_).rfind("cannot read " + dir_.string(), 0), 0u);
}

TEST_F(ConfigFile, RelativeDataDirIsResolvedAgainstTheConfigFile) {
    const auto file = write("etc/carebridge.toml", top("data_dir = \"../data\""));
    EXPECT_EQ(load_platform_config(file).data_dir, dir_ / "data");
    const auto nested = write("etc/nested.toml", top("data_dir = \"./state/db\""));
    EXPECT_EQ(load_platform_config(nested).data_dir, dir_ / "etc" / "state" / "db");
    const auto absolute = write("etc/absolute.toml", top("data_dir = \"/srv/cb\""));
    EXPECT_EQ(load_platform_config(absolute).data_dir, fs::path("/srv/cb"));
    EXPECT_TRUE(load_platform_config(write("etc/none.toml", kApp)).data_dir.empty());
}

TEST_F(ConfigFile, ErrorsNameTheFile) {
    const auto bad_key = write("bad.toml", top("[tokens]\nx = 1"));
    EXPECT_EQ(load_error(bad_key), bad_key.string() + ": tokens.x: unknown key");
    const auto bad_syntax = write("syntax.toml", "listen = \"127.0.0.1:1\"\n[tokens\n");
    const std::string expected = bad_syntax.string() + ": TOML syntax error at line 2, column ";
    EXPECT_EQ(load_error(bad_syntax).rfind(expected, 0), 0u) << load_error(bad_syntax);
}

// The shipped example must stay loadable; it is found relative to this source file.
TEST(Config, ExampleConfigLoads) {
    const auto example = fs::path(CAREBRIDGE_SOURCE_DIR) / "config/example.toml";
    const auto c = load_platform_config(example);
    ASSERT_EQ(c.applications.size(), 1u);
    EXPECT_EQ(c.applications[0].client_id, "helpdesk");
    EXPECT_EQ(c.applications[0].endpoints, Strings{"sip:helpdesk@contoso.com"});
    EXPECT_EQ(c.applications[0].callback_url, "http://127.0.0.1:8081/callback");
    EXPECT_EQ(c.agents.size(), 2u);
    EXPECT_EQ(c.data_dir.filename(), "data");
    EXPECT_TRUE(c.allow_http_callbacks && c.allow_http_loopback_origins);
}

}  // namespace
}  // namespace carebridge::app
