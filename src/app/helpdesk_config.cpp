// Loads and validates the helpdesk's TOML configuration into helpdesk::Settings.
#include "app/helpdesk_config.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <set>

#include "app/toml.hpp"

namespace carebridge::app {
namespace {

using Keys = std::vector<std::string_view>;

[[noreturn]] void fail(const std::string& path, const std::string& what) { throw ConfigError(path + ": " + what); }
std::string child(const std::string& prefix, std::string_view key) {
    return prefix.empty() ? std::string(key) : prefix + "." + std::string(key);
}

void check_keys(const toml::table& t, const std::string& prefix, const Keys& known) {
    for (const auto& [key, value] : t)
        if (std::find(known.begin(), known.end(), key.str()) == known.end()) fail(child(prefix, key.str()), "unknown key");
}
const toml::table* table(const toml::table& root, std::string_view key, const std::string& prefix, const Keys& known) {
    const toml::node* n = root.get(key);
    if (!n) return nullptr;
    if (!n->is_table()) fail(child(prefix, key), "must be a table");
    check_keys(*n->as_table(), child(prefix, key), known);
    return n->as_table();
}
// Strings are texts, URLs or identifiers: never empty, never with control characters
// (messages may contain newlines, which `multiline` allows).
std::optional<std::string> text(const toml::table* t, std::string_view key, const std::string& prefix,
                                bool multiline = false) {
    const toml::node* n = t ? t->get(key) : nullptr;
    if (!n) return std::nullopt;
    const auto path = child(prefix, key);
    if (!n->is_string()) fail(path, "must be a string");
    const std::string& v = n->as_string()->get();
    if (v.empty()) fail(path, "must not be empty");
    for (unsigned char c : v)
        if ((c < 0x20 && !(multiline && c == '\n')) || c == 0x7f) fail(path, "must not contain control characters");
    return v;
}
std::string required(const toml::table* t, std::string_view key, const std::string& prefix) {
    auto v = text(t, key, prefix);
    if (!v) fail(child(prefix, key), "is required");
    return *v;
}
std::vector<std::string> text_list(const toml::table& t, std::string_view key, const std::string& prefix) {
    const toml::node* n = t.get(key);
    if (!n) return {};
    const auto path = child(prefix, key);
    if (!n->is_array()) fail(path, "must be an array of strings");
    std::vector<std::string> out;
    for (const auto& item : *n->as_array()) {
        if (!item.is_string() || item.as_string()->get().empty()) fail(path, "must be an array of non-empty strings");
        out.push_back(item.as_string()->get());
    }
    return out;
}
std::int64_t integer(const toml::table* t, std::string_view key, const std::string& prefix, std::int64_t fallback,
                     std::int64_t min, std::int64_t max) {
    const toml::node* n = t ? t->get(key) : nullptr;
    if (!n) return fallback;
    if (!n->is_integer() || n->as_integer()->get() < min || n->as_integer()->get() > max)
        fail(child(prefix, key), "must be an integer from " + std::to_string(min) + " to " + std::to_string(max));
    return n->as_integer()->get();
}
void check_url(const std::string& url, const std::string& path) {
    if (!(url.starts_with("http://") || url.starts_with("https://")) || url.find(' ') != std::string::npos)
        fail(path, "must be an absolute http:// or https:// URL");
}
bool is_sip(const std::string& s) { return s.starts_with("sip:") && s.find('@') != std::string::npos && s.size() > 6; }

void parse_listen(const std::string& s, helpdesk::Settings& out) {
    const auto colon = s.rfind(':');
    std::string host = colon == std::string::npos ? "" : s.substr(0, colon);
    const std::string port = colon == std::string::npos ? "" : s.substr(colon + 1);
    if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
    in_addr a4{};
    in6_addr a6{};
    const bool ip = inet_pton(AF_INET, host.c_str(), &a4) == 1 || inet_pton(AF_INET6, host.c_str(), &a6) == 1;
    const bool digits = !port.empty() && port.size() <= 5 && std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; });
    if (!ip || !digits || std::stoi(port) > 65535)
        fail("listen", "must be \"<ip>:<port>\" with a port from 0 to 65535, e.g. \"127.0.0.1:8081\"");
    out.listen_address = host;
    out.listen_port = static_cast<std::uint16_t>(std::stoi(port));
}

helpdesk::Settings parse_document(const toml::table& root, bool embedded) {
    check_keys(root, "", {"listen", "public_url", "data_dir", "allowed_origins", "max_chats_per_agent", "platform", "chat",
                          "messages", "queues", "agents"});
    helpdesk::Settings s;
    if (auto listen = text(&root, "listen", "")) parse_listen(*listen, s);
    if (auto url = text(&root, "public_url", "")) {
        while (url->ends_with('/')) url->pop_back();
        check_url(*url, "public_url");
        s.public_url = *url;
    }
    s.data_dir = text(&root, "data_dir", "").value_or("");
    s.allowed_origins = text_list(root, "allowed_origins", "");
    for (std::size_t i = 0; i < s.allowed_origins.size(); ++i)
        check_url(s.allowed_origins[i], "allowed_origins[" + std::to_string(i) + "]");
    s.max_chats_per_agent = static_cast<int>(integer(&root, "max_chats_per_agent", "", 2, 1, 100));

    const auto* p = table(root, "platform", "", {"discover_url", "client_id", "client_secret", "endpoint", "token_url",
                                                  "timeout"});
    if (!p && !embedded) fail("platform", "the [platform] table is required");
    if (p || !embedded) {
        s.platform.discover_url = embedded ? text(p, "discover_url", "platform").value_or("")
                                           : required(p, "discover_url", "platform");
        if (!s.platform.discover_url.empty()) check_url(s.platform.discover_url, "platform.discover_url");
        s.platform.client_id = embedded ? text(p, "client_id", "platform").value_or("") : required(p, "client_id", "platform");
        s.platform.client_secret =
            embedded ? text(p, "client_secret", "platform").value_or("") : required(p, "client_secret", "platform");
    }
    s.platform.endpoint = text(p, "endpoint", "platform").value_or("");
    if (!s.platform.endpoint.empty() && !is_sip(s.platform.endpoint))
        fail("platform.endpoint", "must be a sip URI like \"sip:helpdesk@contoso.com\"");
    s.platform.token_url = text(p, "token_url", "platform").value_or("");
    if (!s.platform.token_url.empty()) check_url(s.platform.token_url, "platform.token_url");
    s.platform.timeout = std::chrono::seconds(integer(p, "timeout", "platform", 10, 1, 300));

    const auto* chat = table(root, "chat", "", {"subject", "impersonated_name", "bridged_display_name",
                                                 "message_filter_state", "no_agent_timeout", "away_backoff", "recheck"});
    s.meeting_subject = text(chat, "subject", "chat").value_or(s.meeting_subject);
    s.impersonated_name = text(chat, "impersonated_name", "chat").value_or("");
    s.bridged_display_name = text(chat, "bridged_display_name", "chat").value_or(s.bridged_display_name);
    const auto filter = text(chat, "message_filter_state", "chat").value_or("Disabled");
    if (filter != "Enabled" && filter != "Disabled") fail("chat.message_filter_state", "must be \"Enabled\" or \"Disabled\"");
    s.message_filter = filter == "Enabled";
    s.no_agent_timeout = std::chrono::seconds(integer(chat, "no_agent_timeout", "chat", 120, 1, 86'400));
    s.away_backoff = std::chrono::seconds(integer(chat, "away_backoff", "chat", 15, 1, 3'600));
    s.recheck = std::chrono::seconds(integer(chat, "recheck", "chat", 5, 1, 3'600));

    const auto* m = table(root, "messages", "", {"welcome", "queue_position", "no_agent", "agent_left", "transfer"});
    s.texts.welcome = text(m, "welcome", "messages", true).value_or(s.texts.welcome);
    s.texts.queue_position = text(m, "queue_position", "messages", true).value_or(s.texts.queue_position);
    s.texts.no_agent = text(m, "no_agent", "messages", true).value_or(s.texts.no_agent);
    s.texts.agent_left = text(m, "agent_left", "messages", true).value_or(s.texts.agent_left);
    s.texts.transfer = text(m, "transfer", "messages", true).value_or(s.texts.transfer);

    std::set<std::string> names;
    if (const auto* queues = root.get_as<toml::array>("queues")) {
        for (std::size_t i = 0; i < queues->size(); ++i) {
            const std::string path = "queues[" + std::to_string(i) + "]";
            const auto* q = queues->get_as<toml::table>(i);
            if (!q) fail(path, "must be a table ([[queues]])");
            check_keys(*q, path, {"name", "display_name"});
            helpdesk::QueueSettings queue{required(q, "name", path), ""};
            queue.display_name = text(q, "display_name", path).value_or(queue.name);
            if (!names.insert(queue.name).second) fail(path + ".name", "duplicate queue " + queue.name);
            s.queues.push_back(std::move(queue));
        }
    } else if (root.get("queues")) {
        fail("queues", "must be an array of tables ([[queues]])");
    }
    if (s.queues.empty()) s.queues.push_back({"general", "general"});

    if (const auto* agents = root.get_as<toml::array>("agents")) {
        for (std::size_t i = 0; i < agents->size(); ++i) {
            const std::string path = "agents[" + std::to_string(i) + "]";
            const auto* a = agents->get_as<toml::table>(i);
            if (!a) fail(path, "must be a table ([[agents]])");
            check_keys(*a, path, {"uri", "display_name", "max_chats", "queues"});
            helpdesk::AgentSettings agent;
            agent.uri = required(a, "uri", path);
            if (!is_sip(agent.uri)) fail(path + ".uri", "must be a sip URI");
            agent.display_name = text(a, "display_name", path).value_or(agent.uri.substr(4, agent.uri.find('@') - 4));
            agent.max_chats = static_cast<int>(integer(a, "max_chats", path, s.max_chats_per_agent, 1, 100));
            agent.queues = text_list(*a, "queues", path);
            if (agent.queues.empty()) agent.queues.push_back(s.queues.front().name);
            for (const auto& q : agent.queues)
                if (!names.count(q) && !(names.empty() && q == "general"))
                    fail(path + ".queues", "names no [[queues]] entry: " + q);
            s.agents.push_back(std::move(agent));
        }
    } else if (root.get("agents")) {
        fail("agents", "must be an array of tables ([[agents]])");
    }
    return s;
}

}  // namespace

[[noreturn]] static void syntax_error(const toml::parse_error& e) {
    const auto& where = e.source().begin;
    throw ConfigError("TOML syntax error at line " + std::to_string(where.line) + ", column " +
                      std::to_string(where.column) + ": " + std::string(e.description()));
}

helpdesk::Settings parse_helpdesk_config(std::string_view toml_text, bool embedded) {
#if TOML_EXCEPTIONS
    try {
        return parse_document(toml::parse(toml_text), embedded);
    } catch (const toml::parse_error& e) {
        syntax_error(e);
    }
#else
    toml::parse_result result = toml::parse(toml_text);
    if (!result) syntax_error(result.error());
    return parse_document(result.table(), embedded);
#endif
}

helpdesk::Settings load_helpdesk_config(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in) throw ConfigError("cannot read " + file.string() + ": " + std::strerror(errno));
    const std::string content{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    try {
        auto settings = parse_helpdesk_config(content);
        // Like the platform's: a relative data_dir is relative to the config file.
        if (!settings.data_dir.empty() && std::filesystem::path(settings.data_dir).is_relative())
            settings.data_dir = (file.parent_path() / settings.data_dir).lexically_normal().string();
        return settings;
    } catch (const ConfigError& e) {
        throw ConfigError(file.string() + ": " + e.what());
    }
}

}  // namespace carebridge::app
