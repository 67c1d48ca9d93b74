// `carebridge up`: platform + helpdesk in one process. The helpdesk binds first, so the
// platform can be told where to call back; then the platform binds, and the helpdesk is told
// where to discover it. Both run on one io_context thread (see ARCHITECTURE.md: one engine
// thread; the helpdesk's work per callback is small).
#include "app/up_command.hpp"

#include <algorithm>
#include <fstream>
#include <iostream>
#include <iterator>
#include <optional>
#include <sstream>

#include <boost/asio/io_context.hpp>
#include "app/toml.hpp"

#include "app/config.hpp"
#include "app/helpdesk_config.hpp"
#include "app/helpdesk_runtime.hpp"
#include "app/platform_runtime.hpp"
#include "common/log.hpp"
#include "net/signals.hpp"
#include "sdk/url.hpp"

namespace carebridge::app {

namespace {

// The demo of config/up.toml, built in so `carebridge up` needs no file (data under ./data).
constexpr const char* kDemoConfig = R"toml(
[platform]
listen = "127.0.0.1:8080"
data_dir = "data"
[platform.security]
allow_http_loopback_origins = true
allow_http_callbacks = true
[[platform.applications]]
id = "1627259584"
name = "Contoso helpdesk"
client_id = "helpdesk"
client_secret = "demo-helpdesk-secret"
endpoints = ["sip:helpdesk@contoso.com"]
callback_url = "http://127.0.0.1:8081/callback"
[[platform.agents]]
uri = "sip:alice@contoso.com"
display_name = "Alice"
username = "alice"
password = "alice-demo-password"
queues = ["general", "billing"]
[[platform.agents]]
uri = "sip:bob@contoso.com"
display_name = "Bob"
username = "bob"
password = "bob-demo-password"
queues = ["general"]
[[platform.agents]]
uri = "sip:carol@contoso.com"
display_name = "Carol"
username = "carol"
password = "carol-demo-password"
queues = ["billing"]
[helpdesk]
listen = "127.0.0.1:8081"
max_chats_per_agent = 2
[helpdesk.chat]
impersonated_name = "Contoso helpdesk"
bridged_display_name = "{agent} (Contoso)"
no_agent_timeout = 120
[helpdesk.messages]
welcome = "Hello {visitor}, welcome to Contoso {queue}! Let me find you an agent."
[[helpdesk.queues]]
name = "general"
display_name = "general support"
[[helpdesk.queues]]
name = "billing"
display_name = "billing"
)toml";

struct UpConfig {
    PlatformConfig platform;
    helpdesk::Settings helpdesk;
};

// Each half is handed to its own strict parser as TOML text, so `up` accepts exactly what
// `platform` and `helpdesk` accept; errors are prefixed with the half they are in.
std::string section(const toml::table& root, const char* name) {
    std::ostringstream out;
    out << *root.get_as<toml::table>(name);
    return out.str();
}

UpConfig parse_up(const std::string& text, const std::filesystem::path& base) {
    toml::table root;
#if TOML_EXCEPTIONS
    try {
        root = toml::parse(text);
    } catch (const toml::parse_error& e) {
        throw ConfigError("TOML syntax error at line " + std::to_string(e.source().begin.line) + ": " +
                          std::string(e.description()));
    }
#else
    auto parsed = toml::parse(text);
    if (!parsed)
        throw ConfigError("TOML syntax error at line " + std::to_string(parsed.error().source().begin.line) + ": " +
                          std::string(parsed.error().description()));
    root = std::move(parsed.table());
#endif
    for (const auto& [key, value] : root)
        if (key.str() != "platform" && key.str() != "helpdesk") throw ConfigError(std::string(key.str()) + ": unknown key");
    for (const char* half : {"platform", "helpdesk"})
        if (!root.get_as<toml::table>(half)) throw ConfigError(std::string(half) + ": the [" + half + "] table is required");
    UpConfig c;
    try {
        c.platform = parse_platform_config(section(root, "platform"));
    } catch (const ConfigError& e) {
        throw ConfigError(std::string("platform.") + e.what());
    }
    try {
        c.helpdesk = parse_helpdesk_config(section(root, "helpdesk"), true);
    } catch (const ConfigError& e) {
        throw ConfigError(std::string("helpdesk.") + e.what());
    }
    if (!c.platform.data_dir.empty() && c.platform.data_dir.is_relative())
        c.platform.data_dir = (base / c.platform.data_dir).lexically_normal();
    // One data directory for both halves unless the helpdesk names its own.
    if (c.helpdesk.data_dir.empty()) c.helpdesk.data_dir = c.platform.data_dir.string();
    else if (std::filesystem::path(c.helpdesk.data_dir).is_relative())
        c.helpdesk.data_dir = (base / c.helpdesk.data_dir).lexically_normal().string();
    // The helpdesk's agents default to the platform's, which already name their queues.
    auto& hd = c.helpdesk;
    if (hd.agents.empty()) {
        for (std::size_t i = 0; i < c.platform.agents.size(); ++i) {
            const auto& a = c.platform.agents[i];
            for (const auto& q : a.queues)
                if (std::none_of(hd.queues.begin(), hd.queues.end(), [&](const auto& hq) { return hq.name == q; }))
                    throw ConfigError("platform.agents[" + std::to_string(i) + "].queues: no [[helpdesk.queues]] named " + q);
            hd.agents.push_back({a.uri, a.display_name, hd.max_chats_per_agent, a.queues});
        }
    }
    return c;
}

TrustedAppConfig* helpdesk_app(PlatformConfig& p, const helpdesk::Settings& hd) {
    for (auto& app : p.applications)
        if (hd.platform.client_id.empty() || app.client_id == hd.platform.client_id) return &app;
    throw ConfigError("helpdesk.platform.client_id: no platform application has client_id " + hd.platform.client_id);
}

}  // namespace

int run_up(const std::optional<std::filesystem::path>& config_file) {
    UpConfig config;
    try {
        std::string text = kDemoConfig;
        std::filesystem::path base = std::filesystem::current_path();
        if (config_file) {
            std::ifstream in(*config_file, std::ios::binary);
            if (!in) throw ConfigError("cannot read " + config_file->string());
            text.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
            base = std::filesystem::absolute(*config_file).parent_path();
        }
        config = parse_up(text, base);
    } catch (const ConfigError& e) {
        std::cerr << "carebridge: bad config " << (config_file ? config_file->string() : "(built-in demo)") << ": "
                  << e.what() << "\n";
        return 2;
    }

    boost::asio::io_context ioc{1};
    std::optional<HelpdeskRuntime> helpdesk;
    std::optional<PlatformRuntime> platform;
    const auto agents = config.platform.agents;  // the platform keeps only password hashes
    try {
        helpdesk.emplace(ioc, std::move(config.helpdesk));
        auto& hd = helpdesk->settings();
        TrustedAppConfig* app = helpdesk_app(config.platform, hd);
        app->callback_url = helpdesk->public_url() + "/callback";
        // The agent console is served by the helpdesk and calls the platform's agent side.
        config.platform.console_origins.push_back(sdk::origin_of(helpdesk->public_url()).value_or(helpdesk->public_url()));
        platform.emplace(ioc, std::move(config.platform));
        // In-process: reach the platform on its bound address; its public URL comes back in
        // discovery.
        if (hd.platform.discover_url.empty()) hd.platform.discover_url = platform->bound_url() + "/platformservice/discover";
        hd.platform.client_id = app->client_id;
        hd.platform.client_secret = app->client_secret;
        if (hd.platform.endpoint.empty()) hd.platform.endpoint = app->endpoints.front();
    } catch (const std::exception& e) {
        std::cerr << "carebridge: " << e.what() << "\n";
        return 1;
    }
    helpdesk->start();
    // Graceful: the platform drains first (the helpdesk still takes its last callbacks).
    net::on_termination_signal(ioc, [&](int sig) {
        log::info("signal received, stopping", {{"signal", std::to_string(sig)}});
        platform->begin_shutdown([&] {
            helpdesk->stop();
            ioc.stop();
        });
    });
    net::on_reload_signal(ioc, [&] { platform->reload_keys(); });
    const auto& hd_url = helpdesk->public_url();
    std::cout << "carebridge platform listening on " << platform->bound_url() << " (public URL "
              << platform->public_url() << ")\n"
              << "carebridge helpdesk listening on " << helpdesk->bound_url() << " (public URL " << hd_url << ")\n";
    for (const auto& a : agents)
        std::cout << "agent " << a.display_name << ": username " << a.username
                  << (a.password.empty() ? "" : ", password " + a.password) << "\n";
    std::cout << "metrics: " << platform->bound_url() << "/metrics  health: " << platform->bound_url()
              << "/healthz, /readyz\n";
    std::cout << "visitor page: " << hd_url << "/  agent console: " << hd_url << "/agent/" << std::endl;
    ioc.run();
    platform->shutdown();
    return 0;
}

}  // namespace carebridge::app
