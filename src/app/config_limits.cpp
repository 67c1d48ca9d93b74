// [limits] and [security]: parsed here, apart from config.cpp, so the defences' keys grow
// without touching the rest of the loader. Same strictness: unknown keys and out-of-range
// values stop start-up with the key's name.
#include <algorithm>
#include <cctype>
#include <string_view>

#include "app/config_sections.hpp"

namespace carebridge::app {
namespace {

constexpr std::int64_t kMaxSeconds = 10LL * 366 * 24 * 3600;
// Request bodies are buffered in memory, so an absurd limit is a misconfiguration.
constexpr std::int64_t kMaxBodyLimit = std::int64_t{1} << 30;
constexpr std::int64_t kMaxCount = std::int64_t{1} << 40;

[[noreturn]] void fail(std::string_view section, std::string_view key, const std::string& what) {
    throw ConfigError(std::string(section) + "." + std::string(key) + ": " + what);
}

const toml::table* table(const toml::table& root, std::string_view name,
                         std::initializer_list<std::string_view> known) {
    const toml::node* n = root.get(name);
    if (n == nullptr) return nullptr;
    if (!n->is_table()) throw ConfigError(std::string(name) + ": must be a table");
    for (const auto& [key, value] : *n->as_table())
        if (std::find(known.begin(), known.end(), key.str()) == known.end())
            fail(name, key.str(), "unknown key");
    return n->as_table();
}

template <class T>
void integer(const toml::table* t, std::string_view section, std::string_view key, T& field,
             std::int64_t min, std::int64_t max) {
    const toml::node* n = t ? t->get(key) : nullptr;
    if (n == nullptr) return;
    const std::string rule = "must be an integer >= " + std::to_string(min);
    if (!n->is_integer()) fail(section, key, rule);
    const std::int64_t v = n->as_integer()->get();
    if (v < min) fail(section, key, rule);
    if (v > max) fail(section, key, "must be at most " + std::to_string(max));
    field = static_cast<T>(v);
}

void boolean(const toml::table* t, std::string_view section, std::string_view key, bool& field) {
    const toml::node* n = t ? t->get(key) : nullptr;
    if (n == nullptr) return;
    if (!n->is_boolean()) fail(section, key, "must be true or false");
    field = n->as_boolean()->get();
}

// "scheme://host[:port]/..." -> host (brackets kept for IPv6); the URL is already validated.
std::string_view url_host(std::string_view url) {
    auto rest = url.substr(url.find("://") + 3);
    rest = rest.substr(0, rest.find_first_of("/?#"));
    if (rest.starts_with('[')) return rest.substr(0, rest.find(']') + 1);
    return rest.substr(0, rest.find(':'));
}

}  // namespace

void parse_limits_and_security(const toml::table& root, PlatformConfig& c) {
    const char* L = "limits";
    const auto* limits = table(root, L, {
        "body_limit", "header_limit", "header_timeout", "idle_timeout", "max_connections",
        "json_body_limit", "message_limit", "parked_polls", "participants_per_meeting",
        "chats_per_application", "anon_tokens_per_minute", "anon_apps_per_minute",
        "messages_per_10s", "app_requests_per_second", "sign_ins_per_minute", "rate_limit_keys"});
    auto& l = c.limits;
    integer(limits, L, "body_limit", c.body_limit, 1024, kMaxBodyLimit);
    integer(limits, L, "header_limit", l.header_limit, 1024, 1 << 20);
    integer(limits, L, "header_timeout", l.header_timeout, 1, kMaxSeconds);
    integer(limits, L, "idle_timeout", l.idle_timeout, 1, kMaxSeconds);
    integer(limits, L, "max_connections", l.max_connections, 1, 1'000'000);
    integer(limits, L, "json_body_limit", l.json_body_limit, 1024, kMaxBodyLimit);
    integer(limits, L, "message_limit", l.message_limit, 1, kMaxBodyLimit);
    integer(limits, L, "parked_polls", l.parked_polls, 1, 64);
    integer(limits, L, "participants_per_meeting", l.participants_per_meeting, 1, 10'000);
    integer(limits, L, "chats_per_application", l.chats_per_application, 1, kMaxCount);
    integer(limits, L, "anon_tokens_per_minute", l.anon_tokens_per_minute, 0, kMaxCount);
    integer(limits, L, "anon_apps_per_minute", l.anon_apps_per_minute, 0, kMaxCount);
    integer(limits, L, "messages_per_10s", l.messages_per_10s, 0, kMaxCount);
    integer(limits, L, "app_requests_per_second", l.app_requests_per_second, 0, kMaxCount);
    integer(limits, L, "sign_ins_per_minute", l.sign_ins_per_minute, 0, kMaxCount);
    integer(limits, L, "rate_limit_keys", l.rate_limit_keys, 16, 100'000'000);

    const char* S = "security";
    const auto* security = table(root, S, {"allow_http_loopback_origins", "allow_http_callbacks",
                                           "allow_private_callbacks", "trusted_proxies",
                                           "tls_cert_file", "tls_key_file", "console_origins"});
    boolean(security, S, "allow_http_loopback_origins", c.allow_http_loopback_origins);
    boolean(security, S, "allow_http_callbacks", c.allow_http_callbacks);
    boolean(security, S, "allow_private_callbacks", c.security.allow_private_callbacks);
    if (const toml::node* n = security ? security->get("trusted_proxies") : nullptr) {
        if (!n->is_array()) fail(S, "trusted_proxies", "must be an array of IP addresses");
        for (std::size_t i = 0; i < n->as_array()->size(); ++i) {
            const toml::node* item = n->as_array()->get(i);
            if (!item->is_string() || !net::classify_address(item->as_string()->get()))
                fail(S, "trusted_proxies[" + std::to_string(i) + "]", "must be an IP address");
            c.security.trusted_proxies.push_back(item->as_string()->get());
        }
    }
    // Agent consoles (the helpdesk's /agent/ page) allowed to call the agent side from a browser.
    if (const toml::node* n = security ? security->get("console_origins") : nullptr) {
        if (!n->is_array()) fail(S, "console_origins", "must be an array of origins");
        for (std::size_t i = 0; i < n->as_array()->size(); ++i) {
            const toml::node* item = n->as_array()->get(i);
            std::string o = item->is_string() ? item->as_string()->get() : "";
            while (!o.empty() && o.back() == '/') o.pop_back();
            for (auto& ch : o) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
            if (!o.starts_with("https://") && !o.starts_with("http://"))
                fail(S, "console_origins[" + std::to_string(i) + "]", "must be an origin such as https://desk.example.com");
            c.console_origins.push_back(o);
        }
    }
    for (auto [key, field] : {std::pair{"tls_cert_file", &SecurityConfig::tls_cert_file},
                              std::pair{"tls_key_file", &SecurityConfig::tls_key_file}}) {
        const toml::node* n = security ? security->get(key) : nullptr;
        if (n == nullptr) continue;
        if (!n->is_string() || n->as_string()->get().empty()) fail(S, key, "must be a file path");
        c.security.*field = n->as_string()->get();
    }
    if (c.security.tls_cert_file.empty() != c.security.tls_key_file.empty())
        fail(S, c.security.tls_cert_file.empty() ? "tls_cert_file" : "tls_key_file",
             "set both tls_cert_file and tls_key_file, or neither");
    // The default public URL follows the scheme actually served.
    if (!c.security.tls_cert_file.empty() && root.get("public_url") == nullptr && c.public_url.starts_with("http://"))
        c.public_url = "https://" + c.public_url.substr(7);
}

void check_callback_targets(const PlatformConfig& c) {
    const auto policy = callback_address_policy(c);
    for (std::size_t i = 0; i < c.applications.size(); ++i)
        if (!net::host_allowed(url_host(c.applications[i].callback_url), policy))
            throw ConfigError("applications[" + std::to_string(i) + "].callback_url: " +
                              "must not target a loopback, private, link-local or metadata address "
                              "(see security.allow_private_callbacks)");
}

}  // namespace carebridge::app
