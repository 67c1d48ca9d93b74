#pragma once
// [limits] and [security]: the platform's defences against hostile or runaway clients.
// Every key has a default meant for a public deployment; docs/SECURITY.md explains each.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace carebridge::app {

struct LimitsConfig {
    // --- sizes and times, enforced by the HTTP server ---
    std::size_t header_limit = 16 * 1024;       // request line + headers, bytes (431)
    std::int64_t header_timeout = 10;           // s to receive a request's header, and its body (slow-loris)
    std::int64_t idle_timeout = 60;             // s a keep-alive connection may sit idle
    std::size_t max_connections = 10'000;       // beyond: 503 and close
    // --- per resource ---
    std::size_t json_body_limit = 16 * 1024;    // JSON and form bodies, bytes (413)
    std::size_t message_limit = 32 * 1024;      // one message's body, bytes (413)
    std::size_t parked_polls = 2;               // waiting long-polls per event channel (one per
                                                // application and per anonymous token); the oldest is answered
    std::size_t participants_per_meeting = 16;  // agents and bridged participants (409)
    std::size_t chats_per_application = 1000;   // live visitor chats per Service Application (503)
    // --- rate limits (token buckets; 0 turns one off) ---
    std::int64_t anon_tokens_per_minute = 120;   // anonymous token issuance, per client IP
    std::int64_t anon_apps_per_minute = 30;      // anonymous application creation, per client IP
    std::int64_t messages_per_10s = 10;          // messages, per anonymous token
    std::int64_t app_requests_per_second = 200;  // requests, per trusted application (burst: 2 s worth)
    std::int64_t sign_ins_per_minute = 60;       // token endpoint (password hashing is costly), per client IP
    std::size_t rate_limit_keys = 100'000;       // keys (IPs, tokens) each limiter tracks (LRU)
};

struct SecurityConfig {
    // Peers (IP literals) whose X-Forwarded-For names the client: a reverse proxy in front.
    std::vector<std::string> trusted_proxies;
    // Callbacks to private networks (10/8, 172.16/12, 192.168/16, fc00::/7): a Service
    // Application on the internal network. Link-local and metadata addresses stay refused.
    bool allow_private_callbacks = false;
    // HTTPS served by the platform itself: PEM certificate chain and key, both or neither
    // (relative paths are relative to the working directory; prefer absolute ones).
    std::string tls_cert_file;
    std::string tls_key_file;
};

}  // namespace carebridge::app
