// The callback contract's recovery API (a carebridge extension), authenticated with the
// application's own bearer token: the dead-letter list, replay of one dead letter, and replay
// of every callback of the application from a stream position.
#include <charconv>

#include <boost/json.hpp>

#include "platform/api/http_util.hpp"
#include "platform/api/platform_api.hpp"

namespace carebridge::platform::api {

namespace json = boost::json;

namespace {
std::optional<std::uint64_t> number(std::string_view s) {
    std::uint64_t n = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
    if (ec != std::errc{} || p != s.data() + s.size()) return std::nullopt;
    return n;
}
}  // namespace

void PlatformApi::add_callback_routes() {
    const std::string C = "/platformservice/v1/applications/{}/callbacks";

    router_.add("GET", C + "/failed", [this](net::Request& req, const Params& p, net::Responder& respond) {
        CB_TRY(app, service_app(req, p[0]));
        const std::string base = "/platformservice/v1/applications/" + app->config.id + "/callbacks";
        json::array items;
        for (const auto& d : platform_.callbacks().dead_letters()) {
            if (d.app_id != app->config.id) continue;
            json::object o;
            o["id"] = std::to_string(d.id);
            o["conversation"] = d.queue;
            o["firstPosition"] = d.first;
            o["lastPosition"] = d.last;
            o["callbackUrl"] = d.url;
            o["attempts"] = d.attempts;
            o["lastError"] = d.error;
            o["droppedAt"] = d.dropped_at;
            json::object links;
            links["replay"] = json::object{{"href", base + "/failed/" + std::to_string(d.id) + "/replay"}};
            o["_links"] = std::move(links);
            items.push_back(std::move(o));
        }
        json::object body;
        body["_links"] = json::object{{"self", json::object{{"href", base + "/failed"}}},
                                      {"replayFrom", json::object{{"href", base + "/replay?from={position}"}}}};
        body["failed"] = std::move(items);
        respond(json_response(200, body));
    });

    router_.add("POST", C + "/failed/{}/replay", [this](net::Request& req, const Params& p, net::Responder& respond) {
        CB_TRY(app, service_app(req, p[0]));
        auto id = number(p[1]);
        if (!id || !platform_.callbacks().replay_dead_letter(*app, *id))
            return respond(error_response(not_found("no such failed delivery")));
        respond(empty_response(202));
    });

    router_.add("POST", C + "/replay", [this](net::Request& req, const Params& p, net::Responder& respond) {
        CB_TRY(app, service_app(req, p[0]));
        auto from = req.query_param("from");
        auto position = from ? number(*from) : std::nullopt;
        if (!position || *position == 0)
            return respond(error_response(bad_request(from ? "InvalidParameter" : "MissingParameter",
                                                      "'from' must be a positive event position")));
        if (*position < app->events.first_position())
            return respond(error_response({410, "Gone", "EventsCompacted", "those events are no longer kept"}));
        if (app->config.callback_url.empty())
            return respond(error_response({409, "Conflict", "InvalidState", "the application has no callback_url"}));
        const std::size_t n = platform_.callbacks().replay_from(*app, app->config.callback_url, *position);
        json::object body;
        body["from"] = *position;
        body["events"] = n;
        respond(json_response(202, body));
    });
}

}  // namespace carebridge::platform::api
