// Entry point, authentication of the three kinds of caller, and the event long-poll.
#include "platform/api/platform_api.hpp"

#include <algorithm>
#include <charconv>
#include <cstdint>

#include <boost/json.hpp>

#include "platform/api/defences.hpp"
#include "platform/api/http_util.hpp"
#include "platform/events/envelope.hpp"

namespace carebridge::platform::api {

PlatformApi::PlatformApi(Platform& platform, const auth::TokenService& tokens,
                         net::Scheduler& scheduler)
    : platform_(platform),
      tokens_(tokens),
      scheduler_(scheduler),
      defences_(std::make_unique<Defences>(platform.config(), tokens)) {
    add_discovery_routes();
    add_service_routes();
    add_ucwa_routes(Side::visitor);
    add_ucwa_routes(Side::agent);
    add_ops_routes();
    add_callback_routes();
}

PlatformApi::~PlatformApi() = default;

std::int64_t PlatformApi::now_s() const { return platform_.now_ms() / 1000; }

void PlatformApi::handle_request(net::Request& req, net::Responder respond, std::string* route) {
    // Every answer on the anonymous side carries CORS for an allowed Origin, preflights too.
    static constexpr std::string_view kAnonymous = "/ucwa/psanon/v1/applications";
    std::string cors;
    if (auto origin = req.header("Origin"); origin && req.path.rfind(kAnonymous, 0) == 0) {
        cors = anonymous_cors_origin(req, *origin);
        if (req.method == "OPTIONS") {
            if (cors.empty())
                return respond(error_response(forbidden("InvalidOrigin", "this Origin is not allowed")));
            return respond(preflight_response(cors));
        }
    }
    if (auto origin = req.header("Origin"); origin && cors.empty() && is_console_path(req.path)) {
        // An agent console on a configured web origin (the user token is its credential).
        if (origin_allowed(platform_.config().console_origins, *origin)) cors = std::string(*origin);
        if (req.method == "OPTIONS") {
            if (cors.empty())
                return respond(error_response(forbidden("InvalidOrigin", "this Origin is not allowed")));
            return respond(preflight_response(cors));
        }
    }
    net::Responder reply = std::move(respond);
    if (!cors.empty())
        reply = [respond = std::move(reply), cors](net::Response res) {
            add_cors(res, cors);
            // The console reads the sign-in challenge (where the token endpoint is).
            if (res.status == 401) res.set_header("Access-Control-Expose-Headers", "Location, WWW-Authenticate");
            respond(std::move(res));
        };
    // Text that is not UTF-8 never gets into JSON, events or callbacks.
    for (const auto& [key, value] : req.query)
        if (!valid_utf8(key) || !valid_utf8(value))
            return reply(error_response(bad_request("InvalidParameter", "query parameters must be UTF-8")));
    if (auto refused = defences_->check(req, platform_.now_ms())) return reply(std::move(*refused));
    if (req.method == "GET" || req.method == "HEAD" || req.method == "OPTIONS") return router_.dispatch(req, reply, route);

    // Writes: refused while the store cannot write; otherwise answered only once durable.
    if (!platform_.store_healthy())
        return reply(error_response({503, "ServiceUnavailable", "StoreUnavailable",
                                     "the platform cannot store changes right now; retry later"}));
    net::Responder durable = [this, reply = std::move(reply)](net::Response res) {
        platform_.when_durable([reply, res = std::move(res)](bool ok) mutable {
            if (ok) return reply(std::move(res));
            reply(error_response({503, "ServiceUnavailable", "StoreUnavailable",
                                  "the change could not be stored; retry later"}));
        });
    };
    router_.dispatch(req, durable, route);
}

// The agent side, as a browser console reaches it: sign-in and the user's UCWA.
bool PlatformApi::is_console_path(std::string_view path) {
    return path.starts_with("/ucwa/v1/") || path == "/ucwa/v1" || path == "/oauth2/token" ||
           path.starts_with("/autodiscover/");
}

std::string PlatformApi::anonymous_cors_origin(const net::Request& req, std::string_view origin) {
    const auto segments = path_segments(req.path);  // ucwa psanon v1 applications [id ...]
    if (segments.size() > 4) {
        UcwaApp* app = platform_.ucwa_app(std::string(segments[4]));
        if (app && app->kind == UcwaKind::visitor && origin_allowed(app->allowed_origins, origin))
            return std::string(origin);
        return {};
    }
    if (const std::string_view token = bearer_token(req); !token.empty()) {
        // Expired tokens count too: the page must be able to read the 401 that tells it so.
        auto origins = tokens_.anon_token_origins(token);
        return origins && origin_allowed(*origins, origin) ? std::string(origin) : std::string();
    }
    // A preflight carries no token: allow origins named by a live anonymous token.
    std::string o(origin);
    for (auto& ch : o) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    auto it = known_origins_.find(o);
    if (req.method == "OPTIONS" && it != known_origins_.end() && it->second > now_s()) return std::string(origin);
    return {};
}

Result<TrustedApp*> PlatformApi::service_app(const net::Request& req, const std::string& app_id) {
    const std::string_view token = bearer_token(req);
    if (token.empty()) return unauthorized("MissingToken", "a bearer token is required");
    auto owner = tokens_.verify_app_token(token, now_s());
    if (!owner) return owner.error();
    TrustedApp* app = platform_.trusted_app(*owner);
    if (!app) return unauthorized("InvalidToken", "the token's application no longer exists");
    if (!app_id.empty() && app_id != app->config.id)
        return forbidden("ApplicationMismatch", "the token belongs to another application");
    return app;
}

Result<std::string> PlatformApi::endpoint_of(const net::Request& req, const TrustedApp& app) {
    auto ep = req.query_param("endpointId");
    if (!ep || ep->empty()) return app.config.endpoints.front();
    if (!app.has_endpoint(std::string(*ep)))
        return forbidden("EndpointMismatch", "endpointId is not an endpoint of this application");
    return std::string(*ep);
}

Result<Conversation*> PlatformApi::owned_conversation(TrustedApp& app, const std::string& id) {
    Conversation* c = platform_.conversation(id);
    // Another application's conversation is answered exactly like a missing one.
    if (!c || c->trusted_app_id != app.config.id) return not_found("no such conversation");
    return c;
}

bool PlatformApi::origin_allowed(const std::vector<std::string>& allowed,
                                 std::string_view origin) const {
    std::string o(origin);
    for (auto& ch : o) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    return std::find(allowed.begin(), allowed.end(), o) != allowed.end();
}

Result<UcwaApp*> PlatformApi::ucwa_caller(const net::Request& req, Side side,
                                          const std::string& app_id) {
    const std::string_view token = bearer_token(req);
    if (token.empty()) return unauthorized("MissingToken", "a bearer token is required");
    UcwaApp* app = platform_.ucwa_app(app_id);
    if (side == Side::visitor) {
        auto grant = tokens_.verify_anon_token(token, now_s());
        if (!grant) return grant.error();
        if (!app || app->kind != UcwaKind::visitor || app->owner != grant->token_id)
            return not_found("no such application");
        if (auto origin = req.header("Origin"); origin && !origin_allowed(app->allowed_origins, *origin))
            return forbidden("InvalidOrigin", "this Origin is not allowed for the token");
        return app;
    }
    auto uri = tokens_.verify_user_token(token, now_s());
    if (!uri) return uri.error();
    if (!app || app->kind != UcwaKind::agent || app->owner != *uri) return not_found("no such application");
    return app;
}

Result<Conversation*> PlatformApi::visible_conversation(UcwaApp& app, const std::string& id) {
    if (std::find(app.conversations.begin(), app.conversations.end(), id) == app.conversations.end())
        return not_found("no such conversation");
    Conversation* c = platform_.conversation(id);
    if (!c) return not_found("no such conversation");
    return c;
}

// ---- event channel ---------------------------------------------------------------------

struct PlatformApi::Parked {
    net::Responder respond;
    net::TimerPtr timer;
    net::TimerPtr hold;  // medium events wait: answers when the first has been held enough
    EventStream::WaiterId waiter = 0;  // 0: none registered
    std::uint64_t ack = 0;
    bool done = false;
    std::function<void()> answer_now;  // answers with what is there (empty batch): drain()
};

std::size_t PlatformApi::parked_polls() const {
    std::size_t n = 0;
    for (const auto& [s, list] : parked_) n += list.size();
    return n;
}

void PlatformApi::drain() {
    draining_ = true;
    std::vector<std::shared_ptr<Parked>> all;
    for (const auto& [stream, list] : parked_) all.insert(all.end(), list.begin(), list.end());
    for (const auto& p : all) p->answer_now();  // each removes itself from parked_
}

void PlatformApi::serve_events(const net::Request& req, std::string events_href,
                               std::function<EventStream*()> find, net::Responder respond,
                               std::string baseuri, std::int64_t medium_s) {
    EventStream* stream = find();
    if (!stream) return respond(error_response(not_found("no such event channel")));
    std::uint64_t ack = 1;
    if (auto a = req.query_param("ack")) {
        auto [p, ec] = std::from_chars(a->data(), a->data() + a->size(), ack);
        if (ec != std::errc{} || p != a->data() + a->size() || ack == 0)
            return respond(error_response(bad_request("InvalidParameter", "'ack' must be a positive integer")));
    }
    std::int64_t timeout = platform_.config().long_poll_timeout;
    if (auto t = req.query_param("timeout")) {
        auto [p, ec] = std::from_chars(t->data(), t->data() + t->size(), timeout);
        if (ec != std::errc{} || p != t->data() + t->size() || timeout < 0)
            return respond(error_response(bad_request("InvalidParameter", "'timeout' must be a non-negative integer")));
        timeout = std::min(timeout, platform_.config().long_poll_max);
    }
    if (ack < stream->first_position())
        return respond(error_response({410, "Gone", "EventsCompacted", "those events are no longer kept"}));
    if (ack > stream->visible_end())
        return respond(error_response(bad_request("InvalidParameter", "'ack' is beyond the end of the channel")));

    auto render = [events_href, baseuri](const EventStream& s, std::uint64_t from) {
        const auto events = s.read(from, 256);
        const std::uint64_t next = from + events.size();
        net::Response r;
        r.status = 200;
        r.set_header("Content-Type", "application/json; charset=utf-8");
        r.set_header("Cache-Control", "no-store");
        r.body = render_envelope(events, events_href + "?ack=" + std::to_string(from),
                                 events_href + "?ack=" + std::to_string(next), baseuri);
        return r;
    };
    const std::int64_t hold_ms = medium_s * 1000;
    const std::int64_t release = stream->release_at(ack, hold_ms);
    if (timeout == 0 || draining_ || release <= platform_.now_ms()) return respond(render(*stream, ack));

    // Park. A stream keeps at most limits.parked_polls parked polls; an older one is answered
    // (empty) so a client that re-polls after a silent drop does not pile up waiters.
    auto& list = parked_[stream];
    if (list.size() >= platform_.config().limits.parked_polls) {
        auto oldest = list.front();
        list.erase(list.begin());
        stream->remove_waiter(oldest->waiter);
        oldest->timer.reset();
        oldest->hold.reset();
        oldest->done = true;
        oldest->respond(render(*stream, oldest->ack));  // whatever is there, else empty
    }
    auto parked = std::make_shared<Parked>();
    parked->respond = std::move(respond);
    parked->ack = ack;
    std::weak_ptr<Parked> weak = parked;
    // Woken by new events: answers when they include a high one, else waits (again) for the
    // next event or until the first held one has waited hold_ms. Forced (timeout, hold over,
    // drain): answers with whatever is there. The waiter, the timers and answer_now own it; it
    // knows itself weakly, to wait again.
    auto finish = std::make_shared<std::function<void(const std::shared_ptr<Parked>&, bool)>>();
    *finish = [this, stream, render, ack, find, hold_ms, weak, f = std::weak_ptr(finish)](
                  const std::shared_ptr<Parked>& p, bool woken) {
        if (p->done) return;
        if (woken) {
            p->waiter = 0;  // a waiter is called once
            // (A stream found gone is not read: its application was deleted.)
            const std::int64_t at = find() == stream ? stream->release_at(ack, hold_ms) : INT64_MIN;
            const std::int64_t now = platform_.now_ms();
            if (at > now) {
                auto again = f.lock();
                if (!again) return;
                p->waiter = stream->add_waiter([weak, again] {
                    if (auto q = weak.lock()) (*again)(q, true);
                });
                if (!p->hold && at != INT64_MAX)
                    p->hold = scheduler_.after(std::chrono::milliseconds(at - now), [weak, again] {
                        if (auto q = weak.lock()) (*again)(q, false);
                    });
                return;
            }
        }
        p->done = true;
        auto& l = parked_[stream];
        l.erase(std::remove(l.begin(), l.end(), p), l.end());
        if (l.empty()) parked_.erase(stream);
        p->timer.reset();
        p->hold.reset();
        if (p->waiter) stream->remove_waiter(p->waiter);
        EventStream* now = find();
        if (!now) return p->respond(error_response(not_found("no such event channel")));
        p->respond(render(*now, ack));
    };
    parked->waiter = stream->add_waiter([weak, finish] {
        if (auto p = weak.lock()) (*finish)(p, true);
    });
    if (release != INT64_MAX)  // medium events already wait: answer when the first has been held enough
        parked->hold = scheduler_.after(std::chrono::milliseconds(release - platform_.now_ms()),
                                        [weak, finish] {
                                            if (auto p = weak.lock()) (*finish)(p, false);
                                        });
    parked->timer = scheduler_.after(std::chrono::seconds(timeout), [weak, finish] {
        if (auto p = weak.lock()) (*finish)(p, false);
    });
    parked->answer_now = [weak, finish] {
        if (auto p = weak.lock()) (*finish)(p, false);
    };
    list.push_back(std::move(parked));
}

}  // namespace carebridge::platform::api
