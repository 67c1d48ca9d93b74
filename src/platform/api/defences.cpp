#include "platform/api/defences.hpp"

#include <algorithm>

#include "net/address_policy.hpp"
#include "platform/api/http_util.hpp"
#include "platform/api/router.hpp"

namespace carebridge::platform::api {

namespace {
constexpr std::string_view kAnonApps = "/ucwa/psanon/v1/applications";
constexpr std::string_view kServiceApps = "/platformservice/v1/applications";

bool is_proxy(const std::vector<std::string>& proxies, std::string_view ip) {
    return std::find(proxies.begin(), proxies.end(), ip) != proxies.end();
}
std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}
}  // namespace

void count_rejection(std::string_view /*limit*/) {
    // The Operations issue's /metrics adds a counter per limit here.
}

Defences::Defences(const app::PlatformConfig& config, const auth::TokenService& tokens)
    : config_(config),
      tokens_(tokens),
      anon_tokens_(config.limits.anon_tokens_per_minute, 60'000, config.limits.rate_limit_keys),
      anon_apps_(config.limits.anon_apps_per_minute, 60'000, config.limits.rate_limit_keys),
      messages_(config.limits.messages_per_10s, 10'000, config.limits.rate_limit_keys),
      app_requests_(config.limits.app_requests_per_second * 2, 2'000, config.limits.rate_limit_keys),
      sign_ins_(config.limits.sign_ins_per_minute, 60'000, config.limits.rate_limit_keys) {}

std::string Defences::client_ip(const net::Request& req) const {
    const auto& proxies = config_.security.trusted_proxies;
    if (!is_proxy(proxies, req.remote_address)) return req.remote_address;
    // Every X-Forwarded-For header, in order, as one list; walk it from the right.
    std::vector<std::string_view> hops;
    for (const auto& [name, value] : req.headers) {
        if (!net::iequals(name, "X-Forwarded-For")) continue;
        std::string_view v = value;
        for (std::size_t start = 0; start <= v.size();) {
            const auto comma = std::min(v.find(',', start), v.size());
            hops.push_back(trim(v.substr(start, comma - start)));
            start = comma + 1;
        }
    }
    for (auto it = hops.rbegin(); it != hops.rend(); ++it) {
        if (!net::classify_address(*it)) break;  // garbage: stop trusting the chain here
        if (!is_proxy(proxies, *it)) return std::string(*it);
    }
    return req.remote_address;
}

std::optional<net::Response> Defences::limit(RateLimiter& limiter, const std::string& key,
                                             std::int64_t now_ms, std::string_view what) {
    const std::int64_t wait_ms = limiter.take(key, now_ms);
    if (wait_ms == 0) return std::nullopt;
    count_rejection(what);
    auto res = error_response({429, "TooManyRequests", std::string(what),
                               "too many requests; retry after the time in Retry-After"});
    res.set_header("Retry-After", std::to_string((wait_ms + 999) / 1000));
    return res;
}

std::optional<net::Response> Defences::check(const net::Request& req, std::int64_t now_ms) {
    const auto segments = path_segments(req.path);
    const bool post = req.method == "POST";
    const bool message = post && segments.size() >= 3 && segments.back() == "messages" &&
                         segments[segments.size() - 2] == "messaging";

    // Body size per resource: the server's body_limit is the outer bound for every request.
    const std::size_t body_limit = message ? config_.limits.message_limit : config_.limits.json_body_limit;
    if (req.body.size() > body_limit) {
        count_rejection(message ? "MessageTooLarge" : "BodyTooLarge");
        return error_response({413, "EntityTooLarge", message ? "MessageTooLarge" : "BodyTooLarge",
                               "the body exceeds " + std::to_string(body_limit) + " bytes"});
    }

    // The token endpoint, per client IP: each password grant costs an Argon2 verification
    // (~0.1 s, 64 MiB) on the engine thread, so unbounded guessing would stall the platform.
    if (post && req.path == "/oauth2/token" && sign_ins_.enabled())
        return limit(sign_ins_, client_ip(req), now_ms, "SignIns");
    // Anonymous application creation, per client IP (the visitor's browser).
    if (post && req.path == kAnonApps && anon_apps_.enabled())
        return limit(anon_apps_, client_ip(req), now_ms, "AnonymousApplications");
    // Anonymous token issuance, per client IP (the website's back end asks for each visitor).
    if (post && segments.size() == 5 && segments[4] == "anonApplicationTokens" &&
        req.path.starts_with(kServiceApps) && anon_tokens_.enabled())
        if (auto refused = limit(anon_tokens_, client_ip(req), now_ms, "AnonymousTokens")) return refused;
    // Messages per anonymous token: keyed by the verified token, so nobody drains another's.
    if (message && req.path.starts_with(kAnonApps) && messages_.enabled()) {
        if (auto grant = tokens_.verify_anon_token(bearer_token(req), now_ms / 1000))
            return limit(messages_, grant->token_id, now_ms, "Messages");
        return std::nullopt;  // the handler answers 401
    }
    // Every request of a trusted application, keyed by the application its token names.
    if (req.path.starts_with(kServiceApps) && app_requests_.enabled())
        if (auto app = tokens_.verify_app_token(bearer_token(req), now_ms / 1000))
            return limit(app_requests_, *app, now_ms, "ApplicationRequests");
    return std::nullopt;
}

}  // namespace carebridge::platform::api
