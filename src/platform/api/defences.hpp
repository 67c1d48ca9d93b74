#pragma once
// Per-request defences that run before routing: body size per resource and the rate limits
// (anonymous tokens, anonymous applications and sign-ins per client IP, messages per
// anonymous token, requests per trusted application). Cheap checks only; authentication is still the handlers' job.
#include <optional>
#include <string>
#include <string_view>

#include "app/config.hpp"
#include "net/http_types.hpp"
#include "platform/api/rate_limiter.hpp"
#include "platform/auth/tokens.hpp"

namespace carebridge::platform::api {

class Defences {
public:
    Defences(const app::PlatformConfig& config, const auth::TokenService& tokens);

    // The answer refusing req (413, 429 with Retry-After), or nullopt to serve it.
    std::optional<net::Response> check(const net::Request& req, std::int64_t now_ms);

    // The client's IP: the peer, or when the peer is a trusted proxy, the nearest address in
    // X-Forwarded-For that is not one (the left part of that header is the client's to forge).
    std::string client_ip(const net::Request& req) const;

private:
    std::optional<net::Response> limit(RateLimiter& limiter, const std::string& key,
                                       std::int64_t now_ms, std::string_view what);

    const app::PlatformConfig& config_;
    const auth::TokenService& tokens_;
    RateLimiter anon_tokens_, anon_apps_, messages_, app_requests_, sign_ins_;
};

// Where the /metrics counter of refused requests goes (Operations issue): one call per refusal.
void count_rejection(std::string_view limit);

}  // namespace carebridge::platform::api
