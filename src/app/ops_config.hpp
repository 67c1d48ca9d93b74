#pragma once
// The [ops] section of the platform's configuration: logging, shutdown, inactivity and the
// callback retry budget. Parsed by config_ops.cpp.
#include <cstdint>
#include <string>

namespace carebridge::app {

struct OpsConfig {
    std::string log_level = "info";           // debug | info | warn | error (--log-level wins)
    std::int64_t shutdown_deadline = 10;       // seconds SIGTERM waits for in-flight work
    std::int64_t chat_inactivity_timeout = 0;  // seconds without a message ends a chat (0: never)
    std::int64_t visitor_poll_grace = 0;       // seconds a visitor's channel may go unpolled (0: never)
    std::int64_t callback_max_age = 3600;      // seconds a callback is retried before dead-lettering
    std::int64_t callback_breaker_failures = 5;   // consecutive failures opening a URL's circuit (0: off)
    std::int64_t callback_breaker_cooldown = 30;  // seconds an open circuit waits before one probe
    std::int64_t callback_timeout = 10;  // seconds a callback POST may take (a hung receiver fails then)
    // Milliseconds a conversation's callback waits to share a POST with other conversations'
    // to the same URL (0: off, a POST per conversation at once; at most 1000).
    std::int64_t callback_batch_window_ms = 0;
};

}  // namespace carebridge::app
