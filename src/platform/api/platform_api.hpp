#pragma once
// The platform's HTTP face: routes every request of the call flow to the engine, after
// authenticating it (application bearer token, anonymous token + Origin, or user token), and
// renders the engine's state as HAL JSON. Also serves the event channels (long-poll).
#include <map>
#include <memory>
#include <string>

#include "net/http_types.hpp"
#include "net/scheduler.hpp"
#include "platform/api/metrics.hpp"
#include "platform/api/router.hpp"
#include "platform/auth/tokens.hpp"
#include "platform/engine/platform.hpp"

namespace carebridge::platform::api {

class Defences;

class PlatformApi {
public:
    PlatformApi(Platform& platform, const auth::TokenService& tokens, net::Scheduler& scheduler);
    ~PlatformApi();
    // The net::Handler entry point.
    void handle(net::Request&& req, net::Responder respond);

    std::size_t parked_polls() const;
    const Router& router() const { return router_; }
    // Counters for /metrics; the rate limiter reports refusals with metrics().rate_limited().
    Metrics& metrics() { return metrics_; }
    MetricsSnapshot snapshot() const;
    // Shutdown: /readyz turns 503, parked long-polls are answered now (empty batch and their
    // `next`), and later polls are answered at once instead of parking.
    void drain();
    bool draining() const { return draining_; }

private:
    void handle_request(net::Request& req, net::Responder respond, std::string* route);
    void add_ops_routes();
    void add_callback_routes();  // dead letters and replay (callback_routes.cpp)
    void add_discovery_routes();
    void add_service_routes();
    void add_service_conversation_routes();
    void add_ucwa_routes(Side side);

    std::int64_t now_s() const;
    // Service Application: the token's application, which must be the one in the path.
    Result<TrustedApp*> service_app(const net::Request& req, const std::string& app_id);
    Result<std::string> endpoint_of(const net::Request& req, const TrustedApp& app);
    Result<Conversation*> owned_conversation(TrustedApp& app, const std::string& id);
    // UCWA: the caller's application (visitor or agent), checked against token and Origin.
    Result<UcwaApp*> ucwa_caller(const net::Request& req, Side side, const std::string& app_id);
    Result<Conversation*> visible_conversation(UcwaApp& app, const std::string& id);
    static bool is_console_path(std::string_view path);
    std::string anonymous_cors_origin(const net::Request& req, std::string_view origin);
    bool origin_allowed(const std::vector<std::string>& allowed, std::string_view origin) const;

    // Long-poll GET events?ack=N&timeout=S on a stream found (again, on wake) by `find`;
    // medium-urgency events are held up to medium_s seconds (UCWA aggregation).
    void serve_events(const net::Request& req, std::string events_href,
                      std::function<EventStream*()> find, net::Responder respond,
                      std::string baseuri, std::int64_t medium_s = 0);

    Platform& platform_;
    const auth::TokenService& tokens_;
    net::Scheduler& scheduler_;
    Router router_;
    // Origins named in issued anonymous tokens, for preflights that carry no token.
    std::map<std::string, std::int64_t> known_origins_;
    struct Parked;
    std::map<EventStream*, std::vector<std::shared_ptr<Parked>>> parked_;
    std::unique_ptr<Defences> defences_;  // size and rate limits (defences.hpp)
    Metrics metrics_;
    bool draining_ = false;
    std::uint64_t next_request_ = 1;
    std::string request_prefix_;  // random per process, so ids from restarts do not collide
    double started_ = 0;          // process start, unix seconds
};

}  // namespace carebridge::platform::api
