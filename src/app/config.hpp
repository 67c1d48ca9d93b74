#pragma once
// The platform's configuration, loaded from a TOML file. Every key has a sane default except
// the trusted applications and agents, which a deployment must name.
#include <cstdint>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

#include "app/config_limits.hpp"
#include "net/address_policy.hpp"
#include "app/ops_config.hpp"

namespace carebridge::app {

struct TrustedAppConfig {
    std::string id;             // numeric-looking id used in URLs, e.g. "1627259584"
    std::string name;           // display name, e.g. "Contoso helpdesk"
    std::string client_id;      // OAuth client_credentials id
    std::string client_secret;  // OAuth client_credentials secret
    std::vector<std::string> endpoints;  // sip URIs this application acts for
    std::string callback_url;   // default callback URL (absolute http/https)
};

struct AgentConfig {
    std::string uri;            // sip URI, e.g. "sip:alice@contoso.com"
    std::string display_name;
    std::string username;       // sign-in name; defaults to the uri without "sip:"
    std::string password;       // plain (demo) ...
    std::string password_hash;  // ... or a hash; exactly one of the two is set
    std::vector<std::string> queues;  // used by the helpdesk for routing
};

struct PlatformConfig {
    std::string listen_address = "127.0.0.1";
    std::uint16_t listen_port = 8080;       // 0 picks a free port (tests)
    std::size_t io_threads = 1;             // HTTP read/parse/write threads beside the engine
    std::string public_url;                 // e.g. "https://chat.contoso.com"; default from listen
    std::filesystem::path data_dir;         // empty: in-memory only
    std::int64_t access_token_ttl = 3600;   // seconds
    std::int64_t anon_token_ttl = 8 * 3600;
    std::int64_t user_token_ttl = 8 * 3600;
    std::int64_t long_poll_timeout = 30;    // default wait of an event long-poll, seconds
    std::int64_t long_poll_max = 180;       // cap on the client's ?timeout=
    std::int64_t typing_timeout = 5;        // seconds an "is typing" lasts
    std::int64_t invitation_timeout = 60;   // seconds until an unanswered invitation fails
    std::size_t body_limit = 64 * 1024;     // bytes
    std::int64_t event_retention = 3600;    // seconds a read event is kept for re-reads...
    std::int64_t read_events_kept = 64;     // ...as one of the newest this many of its channel
    std::int64_t transcript_retention = 30 * 24 * 3600;  // seconds after the meeting ends
    std::int64_t housekeeping_interval = 60;             // seconds between compaction runs
    std::int64_t store_max_size_mb = 0;     // quota of the database file (0: none)
    bool store_synchronous_full = true;     // fsync every commit (power-loss safe)
    bool allow_http_loopback_origins = false;  // accept http://127.x / http://localhost origins
    bool allow_http_callbacks = false;         // accept plain http callback URLs (loopback only)
    LimitsConfig limits;                       // [limits], config_limits.hpp
    SecurityConfig security;                   // [security], config_limits.hpp
    // Web origins of agent consoles allowed to call the agent side (/ucwa/v1, /oauth2/token,
    // autodiscover) from a browser: CORS. `up` adds its helpdesk's own origin.
    std::vector<std::string> console_origins;
    std::vector<TrustedAppConfig> applications;
    std::vector<AgentConfig> agents;
    OpsConfig ops;                          // [ops]: logs, shutdown, inactivity, callback retries
};

// Where callbacks may go: allow_http_callbacks means "the Service Application runs on this
// host" (demo, tests), so it allows loopback; allow_private_callbacks allows private networks.
inline net::AddressPolicy callback_address_policy(const PlatformConfig& c) {
    return {c.allow_http_callbacks || c.security.allow_private_callbacks,
            c.security.allow_private_callbacks};
}

// Raised for a bad config; what() names the key and what is wrong.
struct ConfigError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

PlatformConfig load_platform_config(const std::filesystem::path& file);   // throws ConfigError
PlatformConfig parse_platform_config(std::string_view toml_text);         // throws ConfigError

}  // namespace carebridge::app
