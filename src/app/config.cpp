// Loads and validates the platform's TOML configuration. Validation is strict on purpose: a
// typo'd key or a half-valid URL must stop start-up with a message naming the key, rather than
// surface later as a confusing runtime failure.
#include "app/config.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <iterator>
#include <map>
#include <optional>
#include <string_view>

#include "app/toml.hpp"

#include "app/config_sections.hpp"

#include "app/config_ops.hpp"

namespace carebridge::app {
namespace {

constexpr auto npos = std::string_view::npos;
// Cap for every duration: ten years. Consumers turn seconds into milli/nanoseconds and add them
// to clock readings; the cap keeps that arithmetic far away from signed overflow.
constexpr std::int64_t kMaxSeconds = 10LL * 366 * 24 * 3600;

[[noreturn]] void fail(const std::string& path, const std::string& what) {
    throw ConfigError(path + ": " + what);
}
std::string child(const std::string& prefix, std::string_view key) {
    return prefix.empty() ? std::string(key) : prefix + "." + std::string(key);
}
std::string at(const std::string& prefix, std::size_t i) {
    return prefix + "[" + std::to_string(i) + "]";
}
std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}
bool is_alnum(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }
template <class Pred>
bool all(std::string_view s, Pred pred) { return std::all_of(s.begin(), s.end(), pred); }

void check_keys(const toml::table& t, const std::string& prefix,
                const std::vector<std::string_view>& known) {
    for (const auto& entry : t)
        if (std::find(known.begin(), known.end(), entry.first.str()) == known.end())
            fail(child(prefix, entry.first.str()), "unknown key");
}
// Optional [section]; its keys are checked here so each section is validated in one place.
const toml::table* section(const toml::table& root, std::string_view key,
                           const std::vector<std::string_view>& known) {
    const toml::node* n = root.get(key);
    if (n == nullptr) return nullptr;
    if (!n->is_table()) fail(std::string(key), "must be a table");
    check_keys(*n->as_table(), std::string(key), known);
    return n->as_table();
}
const toml::node* get(const toml::table* t, std::string_view key) {
    return t != nullptr ? t->get(key) : nullptr;
}

// Every string in the schema is an identifier, secret, path or URL: empty values and control
// characters (header injection, invisible typos) are never legitimate.
std::string text(const toml::node& n, const std::string& path) {
    if (!n.is_string()) fail(path, "must be a string");
    const std::string& v = n.as_string()->get();
    if (v.empty()) fail(path, "must not be empty");
    if (!all(v, [](unsigned char c) { return c >= 0x20 && c != 0x7f; }))
        fail(path, "must not contain control characters");
    return v;
}
std::optional<std::string> opt_text(const toml::table& t, std::string_view key,
                                    const std::string& prefix) {
    const toml::node* n = t.get(key);
    return n == nullptr ? std::nullopt : std::optional(text(*n, child(prefix, key)));
}
std::string req_text(const toml::table& t, std::string_view key, const std::string& prefix) {
    auto v = opt_text(t, key, prefix);
    if (!v) fail(child(prefix, key), "is required");
    return *v;
}
std::optional<std::vector<std::string>> opt_text_list(const toml::table& t, std::string_view key,
                                                      const std::string& prefix) {
    const toml::node* n = t.get(key);
    if (n == nullptr) return std::nullopt;
    const std::string path = child(prefix, key);
    if (!n->is_array()) fail(path, "must be an array of strings");
    std::vector<std::string> out;
    for (std::size_t i = 0; i < n->as_array()->size(); ++i)
        out.push_back(text(*n->as_array()->get(i), at(path, i)));
    return out;
}
std::int64_t opt_int(const toml::table* t, std::string_view key, const std::string& prefix,
                     std::int64_t fallback, std::int64_t min, std::int64_t max,
                     const std::string& rule) {
    const toml::node* n = get(t, key);
    if (n == nullptr) return fallback;
    if (!n->is_integer() || n->as_integer()->get() < min) fail(child(prefix, key), rule);
    if (n->as_integer()->get() > max)
        fail(child(prefix, key), "must be at most " + std::to_string(max));
    return n->as_integer()->get();
}

bool is_ipv4(const std::string& s) { in_addr a{}; return inet_pton(AF_INET, s.c_str(), &a) == 1; }
bool is_ipv6(const std::string& s) { in6_addr a{}; return inet_pton(AF_INET6, s.c_str(), &a) == 1; }
bool is_loopback(const std::string& host) {
    in_addr a4{};
    in6_addr a6{};
    if (inet_pton(AF_INET, host.c_str(), &a4) == 1) return (ntohl(a4.s_addr) >> 24) == 127;
    if (inet_pton(AF_INET6, host.c_str(), &a6) == 1)
        return std::memcmp(&a6, &in6addr_loopback, sizeof a6) == 0;
    return lower(host) == "localhost";
}

struct HostPort {
    std::string host;  // without IPv6 brackets
    bool bracketed = false;
    std::optional<std::uint16_t> port;
};
// Splits "host[:port]" or "[v6][:port]"; nullopt when malformed or the port is out of range.
std::optional<HostPort> split_host_port(std::string_view s) {
    HostPort hp;
    std::string_view rest;
    if (s.starts_with('[')) {
        const auto close = s.find(']');
        if (close == npos) return std::nullopt;
        hp = {std::string(s.substr(1, close - 1)), true, {}};
        rest = s.substr(close + 1);
    } else {
        const auto colon = s.find(':');  // a bare host never contains ':'
        hp.host = s.substr(0, colon);
        rest = colon == npos ? std::string_view{} : s.substr(colon);
    }
    if (rest.empty()) return hp;
    unsigned port = 0;
    const char* end = rest.data() + rest.size();
    const auto [ptr, ec] = std::from_chars(rest.data() + 1, end, port);
    if (rest[0] != ':' || rest.size() < 2 || ec != std::errc{} || ptr != end || port > 65535)
        return std::nullopt;
    hp.port = static_cast<std::uint16_t>(port);
    return hp;
}

// The server binds an address literal, so host names are refused here rather than at bind time.
void parse_listen(std::string_view s, PlatformConfig& c) {
    const auto hp = split_host_port(s);
    if (!hp || !hp->port || !(hp->bracketed ? is_ipv6(hp->host) : is_ipv4(hp->host)))
        fail("listen", "must be \"<ip>:<port>\" with a port from 0 to 65535, e.g. "
                       "\"127.0.0.1:8080\" or \"[::1]:8080\"");
    c.listen_address = hp->host;
    c.listen_port = *hp->port;
}

using UrlParts = std::pair<std::string, std::string>;  // scheme, host
// A deliberately small absolute-URL check: scheme, host (to judge loopback-ness), optional port
// and path. User info, fragments and raw non-ASCII are refused as nothing legitimate needs them.
UrlParts check_http_url(std::string_view s, const std::string& path, bool allow_query) {
    const std::string bad = "must be an absolute http:// or https:// URL";
    if (!all(s, [](unsigned char c) { return c > 0x20 && c < 0x7f; }))
        fail(path, "must not contain spaces or non-ASCII characters");
    const auto sep = s.find("://");
    const std::string scheme = sep == npos ? "" : lower(s.substr(0, sep));
    if (scheme != "http" && scheme != "https") fail(path, bad);
    const std::string_view rest = s.substr(sep + 3);
    const auto end = rest.find_first_of("/?#");
    const std::string_view authority = rest.substr(0, end);
    const std::string_view tail = end == npos ? std::string_view{} : rest.substr(end);
    if (authority.find('@') != npos) fail(path, "must not contain user info");
    const auto hp = split_host_port(authority);
    const bool host_ok = hp && (hp->bracketed ? is_ipv6(hp->host) : !hp->host.empty() && all(
        hp->host, [](char c) { return is_alnum(c) || std::string_view(".-_~").find(c) != npos; }));
    if (!host_ok) fail(path, bad + " with a valid host and port");
    if (tail.find('#') != npos) fail(path, "must not contain a fragment");
    if (!allow_query && tail.find('?') != npos) fail(path, "must not contain a query");
    return {scheme, hp->host};
}

// "sip:user@domain": the only address form the Trusted Application API uses.
bool is_sip_uri(std::string_view s) {
    const auto at_sign = s.find('@');
    if (!s.starts_with("sip:") || at_sign == npos || at_sign == 4) return false;
    const auto user = s.substr(4, at_sign - 4);
    const auto domain = s.substr(at_sign + 1);
    const auto user_char = [](char c) {
        return is_alnum(c) || std::string_view("-_.!~*'()&=+$,%").find(c) != npos;
    };
    const auto domain_char = [](char c) { return is_alnum(c) || c == '.' || c == '-'; };
    return all(user, user_char) && all(domain, domain_char) && !domain.empty() &&
           domain.front() != '.' && domain.back() != '.' && domain.find("..") == npos;
}

// Who already claimed a value (lower-cased -> key path), to name both sides of a duplicate.
// Case-insensitive because SIP addresses and sign-in names are treated that way in practice.
using Owners = std::map<std::string, std::string>;
void claim(Owners& owners, const std::string& value, const std::string& path) {
    const auto [it, inserted] = owners.emplace(lower(value), path);
    if (!inserted) fail(path, "duplicate of " + it->second);
}
struct Registry {
    Owners app_ids, client_ids, sip_uris, usernames;
};

TrustedAppConfig parse_app(const toml::table& t, const std::string& p, bool allow_http_callbacks,
                           Registry& reg) {
    check_keys(t, p, {"id", "name", "client_id", "client_secret", "endpoints", "callback_url"});
    TrustedAppConfig a;
    a.id = req_text(t, "id", p);
    if (!all(a.id, [](char c) { return is_alnum(c) || c == '-' || c == '_'; }))
        fail(child(p, "id"), "may only contain letters, digits, '-' and '_'");
    claim(reg.app_ids, a.id, child(p, "id"));
    a.name = opt_text(t, "name", p).value_or(a.id);
    a.client_id = req_text(t, "client_id", p);
    claim(reg.client_ids, a.client_id, child(p, "client_id"));
    a.client_secret = req_text(t, "client_secret", p);
    if (a.client_secret.size() < 8)
        fail(child(p, "client_secret"), "must be at least 8 characters");
    const std::string endpoints = child(p, "endpoints");
    a.endpoints = opt_text_list(t, "endpoints", p).value_or(std::vector<std::string>{});
    if (a.endpoints.empty()) fail(endpoints, "must list at least one sip URI");
    for (std::size_t i = 0; i < a.endpoints.size(); ++i) {
        if (!is_sip_uri(a.endpoints[i]))
            fail(at(endpoints, i), "must be a sip URI like \"sip:user@domain\"");
        claim(reg.sip_uris, a.endpoints[i], at(endpoints, i));
    }
    a.callback_url = req_text(t, "callback_url", p);
    const UrlParts url = check_http_url(a.callback_url, child(p, "callback_url"), true);
    if (url.first == "http" && !(allow_http_callbacks && is_loopback(url.second)))
        fail(child(p, "callback_url"), "must use https (plain http needs "
                                       "security.allow_http_callbacks = true and a loopback host)");
    return a;
}

AgentConfig parse_agent(const toml::table& t, const std::string& p, Registry& reg) {
    check_keys(t, p, {"uri", "display_name", "username", "password", "password_hash", "queues"});
    AgentConfig a;
    a.uri = req_text(t, "uri", p);
    if (!is_sip_uri(a.uri))
        fail(child(p, "uri"), "must be a sip URI like \"sip:alice@contoso.com\"");
    claim(reg.sip_uris, a.uri, child(p, "uri"));  // shared with endpoints: one party per address
    const std::string bare = a.uri.substr(4);
    a.display_name = opt_text(t, "display_name", p).value_or(bare.substr(0, bare.find('@')));
    a.username = opt_text(t, "username", p).value_or(bare);
    // ':' cannot appear in an HTTP Basic user-id (RFC 7617); spaces are a typo magnet.
    if (a.username.find_first_of(" :") != std::string::npos)
        fail(child(p, "username"), "must not contain spaces or ':'");
    claim(reg.usernames, a.username, child(p, "username"));
    auto password = opt_text(t, "password", p);
    auto hash = opt_text(t, "password_hash", p);
    if (password.has_value() == hash.has_value())
        fail(child(p, "password"), "set exactly one of password or password_hash");
    a.password = password.value_or("");
    a.password_hash = hash.value_or("");
    a.queues = opt_text_list(t, "queues", p).value_or(std::vector<std::string>{"general"});
    Owners queues;
    for (std::size_t i = 0; i < a.queues.size(); ++i)
        claim(queues, a.queues[i], at(child(p, "queues"), i));
    return a;
}

// [[name]] entries; an empty inline array counts as none so the caller can say what's missing.
const toml::array* table_array(const toml::table& root, std::string_view key) {
    const toml::node* n = root.get(key);
    if (n == nullptr || (n->is_array() && n->as_array()->empty())) return nullptr;
    if (!n->is_array() || !n->as_array()->is_array_of_tables())
        fail(std::string(key), "must be an array of tables ([[" + std::string(key) + "]])");
    return n->as_array();
}

using Seconds = std::int64_t PlatformConfig::*;
// A [section] of durations in seconds; the field list doubles as the known-key list.
void durations(const toml::table& root, std::string_view name,
               std::initializer_list<std::pair<std::string_view, Seconds>> fields,
               PlatformConfig& c) {
    std::vector<std::string_view> keys;
    for (const auto& f : fields) keys.push_back(f.first);
    const toml::table* t = section(root, name, keys);
    for (const auto& [key, field] : fields)
        c.*field = opt_int(t, key, std::string(name), c.*field, 1, kMaxSeconds,
                           "must be a positive integer");
}

PlatformConfig parse_document(const toml::table& root) {
    check_keys(root, "", {"listen", "io_threads", "public_url", "data_dir", "tokens", "events", "limits",
                          "security", "store", "applications", "agents", "ops"});
    PlatformConfig c;
    if (auto listen = opt_text(root, "listen", "")) parse_listen(*listen, c);
    c.io_threads = static_cast<std::size_t>(opt_int(&root, "io_threads", "", static_cast<std::int64_t>(c.io_threads),
                                                    0, 64, "must be an integer from 0 to 64"));
    if (auto url = opt_text(root, "public_url", "")) {
        if (url->ends_with('/')) url->pop_back();
        check_http_url(*url, "public_url", false);
        if (url->ends_with('/')) fail("public_url", "must not end with '/'");
        c.public_url = *url;
    } else {
        const bool v6 = c.listen_address.find(':') != std::string::npos;
        c.public_url = "http://" + (v6 ? "[" + c.listen_address + "]" : c.listen_address) + ":" +
                       std::to_string(c.listen_port);
    }
    if (auto dir = opt_text(root, "data_dir", "")) c.data_dir = *dir;

    durations(root, "tokens", {{"access_token_ttl", &PlatformConfig::access_token_ttl},
                               {"anon_token_ttl", &PlatformConfig::anon_token_ttl},
                               {"user_token_ttl", &PlatformConfig::user_token_ttl}}, c);
    durations(root, "events", {{"long_poll_timeout", &PlatformConfig::long_poll_timeout},
                               {"long_poll_max", &PlatformConfig::long_poll_max},
                               {"typing_timeout", &PlatformConfig::typing_timeout},
                               {"invitation_timeout", &PlatformConfig::invitation_timeout}}, c);
    const auto* st = section(root, "store", {"event_retention", "read_events_kept", "transcript_retention",
                                             "housekeeping_interval", "max_size_mb", "synchronous"});
    for (auto [key, field] : {std::pair{"event_retention", &PlatformConfig::event_retention},
                              std::pair{"transcript_retention", &PlatformConfig::transcript_retention},
                              std::pair{"housekeeping_interval", &PlatformConfig::housekeeping_interval}})
        c.*field = opt_int(st, key, "store", c.*field, 1, kMaxSeconds, "must be a positive integer");
    c.read_events_kept = opt_int(st, "read_events_kept", "store", c.read_events_kept, 1, 1 << 20,
                                 "must be a positive integer");
    c.store_max_size_mb = opt_int(st, "max_size_mb", "store", c.store_max_size_mb, 0, 1 << 30,
                                  "must be a non-negative integer (0: no limit)");
    if (auto sync = st ? opt_text(*st, "synchronous", "store") : std::nullopt) {
        if (*sync != "full" && *sync != "normal") fail("store.synchronous", "must be \"full\" or \"normal\"");
        c.store_synchronous_full = *sync == "full";
    }
    if (c.long_poll_timeout > c.long_poll_max)
        fail("events.long_poll_timeout",
             "must not exceed events.long_poll_max (" + std::to_string(c.long_poll_max) + ")");

    parse_limits_and_security(root, c);  // config_limits.cpp

    parse_ops_section(root, c.ops);

    Registry reg;
    const auto* apps = table_array(root, "applications");
    if (apps == nullptr) fail("applications", "at least one [[applications]] entry is required");
    for (std::size_t i = 0; i < apps->size(); ++i)
        c.applications.push_back(parse_app(*apps->get(i)->as_table(), at("applications", i),
                                           c.allow_http_callbacks, reg));
    if (const auto* agents = table_array(root, "agents"))
        for (std::size_t i = 0; i < agents->size(); ++i)
            c.agents.push_back(parse_agent(*agents->get(i)->as_table(), at("agents", i), reg));
    check_callback_targets(c);  // config_limits.cpp: needs [security] and the applications
    return c;
}

[[noreturn]] void syntax_error(const toml::parse_error& e) {
    const auto& where = e.source().begin;
    throw ConfigError("TOML syntax error at line " + std::to_string(where.line) + ", column " +
                      std::to_string(where.column) + ": " + std::string(e.description()));
}

}  // namespace

// A relative data_dir is returned as written (i.e. relative to the working directory); only
// load_platform_config knows a file to resolve it against.
PlatformConfig parse_platform_config(std::string_view toml_text) {
#if TOML_EXCEPTIONS
    try {
        return parse_document(toml::parse(toml_text));
    } catch (const toml::parse_error& e) {
        syntax_error(e);
    }
#else
    toml::parse_result result = toml::parse(toml_text);
    if (!result) syntax_error(result.error());
    return parse_document(result.table());
#endif
}

PlatformConfig load_platform_config(const std::filesystem::path& file) {
    std::error_code ec;
    if (std::filesystem::is_directory(file, ec))
        throw ConfigError("cannot read " + file.string() + ": is a directory");
    std::ifstream in(file, std::ios::binary);
    if (!in) throw ConfigError("cannot read " + file.string() + ": " + std::strerror(errno));
    const std::string content{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    if (in.bad()) throw ConfigError("cannot read " + file.string());
    PlatformConfig c;
    try {
        c = parse_platform_config(content);
    } catch (const ConfigError& e) {
        throw ConfigError(file.string() + ": " + e.what());  // name the file for the operator
    }
    // Relative to the config file, not the working directory, so the service can be started
    // from anywhere (scripts, systemd, tests) and still find its data.
    if (!c.data_dir.empty() && c.data_dir.is_relative()) {
        const auto base = std::filesystem::absolute(file, ec).parent_path();
        c.data_dir = ((ec ? file.parent_path() : base) / c.data_dir).lexically_normal();
    }
    return c;
}

}  // namespace carebridge::app
