#include "app/config_ops.hpp"

#include "common/log.hpp"

namespace carebridge::app {

namespace {
constexpr std::int64_t kMaxSeconds = 10LL * 366 * 24 * 3600;  // as config.cpp: far from overflow

[[noreturn]] void fail(std::string_view key, const std::string& what) {
    throw ConfigError("ops." + std::string(key) + ": " + what);
}

void seconds(const toml::table& t, std::string_view key, std::int64_t& out, std::int64_t min) {
    const toml::node* n = t.get(key);
    if (n == nullptr) return;
    if (!n->is_integer() || n->as_integer()->get() < min)
        fail(key, min == 0 ? "must be a non-negative integer (0: off)" : "must be a positive integer");
    if (n->as_integer()->get() > kMaxSeconds) fail(key, "must be at most " + std::to_string(kMaxSeconds));
    out = n->as_integer()->get();
}
}  // namespace

void parse_ops_section(const toml::table& root, OpsConfig& ops) {
    const toml::node* node = root.get("ops");
    if (node == nullptr) return;
    if (!node->is_table()) throw ConfigError("ops: must be a table");
    const toml::table& t = *node->as_table();
    for (const auto& [key, value] : t) {
        const std::string_view k = key.str();
        if (k != "log_level" && k != "shutdown_deadline" && k != "chat_inactivity_timeout" &&
            k != "visitor_poll_grace" && k != "callback_max_age" && k != "callback_breaker_failures" &&
            k != "callback_breaker_cooldown" && k != "callback_timeout" && k != "callback_batch_window_ms")
            fail(k, "unknown key");
    }
    if (const toml::node* n = t.get("log_level")) {
        if (!n->is_string() || !log::parse_level(n->as_string()->get()))
            fail("log_level", "must be \"debug\", \"info\", \"warn\" or \"error\"");
        ops.log_level = n->as_string()->get();
    }
    seconds(t, "shutdown_deadline", ops.shutdown_deadline, 1);
    seconds(t, "chat_inactivity_timeout", ops.chat_inactivity_timeout, 0);
    seconds(t, "visitor_poll_grace", ops.visitor_poll_grace, 0);
    seconds(t, "callback_max_age", ops.callback_max_age, 1);
    seconds(t, "callback_breaker_failures", ops.callback_breaker_failures, 0);  // a count, same bounds
    seconds(t, "callback_breaker_cooldown", ops.callback_breaker_cooldown, 1);
    seconds(t, "callback_timeout", ops.callback_timeout, 1);
    if (const toml::node* n = t.get("callback_batch_window_ms")) {
        if (!n->is_integer() || n->as_integer()->get() < 0 || n->as_integer()->get() > 1000)
            fail("callback_batch_window_ms", "must be an integer from 0 (off) to 1000");
        ops.callback_batch_window_ms = n->as_integer()->get();
    }
}

}  // namespace carebridge::app
