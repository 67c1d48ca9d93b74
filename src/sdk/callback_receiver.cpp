#include "sdk/callback_receiver.hpp"

#include <boost/json/serialize.hpp>

#include "sdk/url.hpp"

namespace carebridge::sdk {

namespace {
net::Response answer(int status, std::string_view code = {}, std::string_view message = {}) {
    net::Response r;
    r.status = status;
    if (!code.empty()) {
        r.set_header("Content-Type", "application/json");
        r.body = boost::json::serialize(boost::json::object{{"code", code}, {"message", message}});
    }
    return r;
}

std::string bearer(const net::Request& req) {
    auto h = req.header("Authorization");
    if (!h || h->size() < 7 || !net::iequals(h->substr(0, 7), "Bearer ")) return {};
    std::string_view v = h->substr(7);
    while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
    return std::string(v);
}
}  // namespace

CallbackReceiver::CallbackReceiver(Client& client, net::Scheduler& scheduler, Sink sink,
                                   CallbackReceiverOptions options)
    : client_(client), scheduler_(scheduler), sink_(std::move(sink)), options_(std::move(options)) {}

CallbackReceiver::~CallbackReceiver() {
    *alive_ = false;
    for (auto& p : parked_) p.respond(answer(503, "ServiceUnavailable", "shutting down"));
}

void CallbackReceiver::set_keys(JwkSet keys) { keys_ = std::move(keys); }

void CallbackReceiver::log(const std::string& line) const {
    if (options_.log) options_.log("sdk: callback " + line);
}

void CallbackReceiver::handle(net::Request&& request, net::Responder respond) {
    if (!client_.connected())  // the audience (application id) is not known yet
        return respond(answer(503, "ServiceUnavailable", "not connected to the platform yet"));
    process(std::move(request), std::move(respond), true);
}

void CallbackReceiver::process(net::Request&& req, net::Responder respond, bool may_refetch) {
    const std::string token = bearer(req);
    if (token.empty()) {
        log("refused: no bearer token");
        return respond(answer(401, "Unauthorized", "a bearer token is required"));
    }
    // Unknown signer: fetch the key set (first callback, or the platform rotated its key).
    const bool known = keys_ && keys_->find(jwt_kid(token)) != nullptr;
    const auto now = scheduler_.now();
    const bool may_fetch = !last_fetch_ || now - *last_fetch_ >= options_.jwks_min_refresh;
    if (!known && may_refetch && (may_fetch || fetching_)) {
        if (parked_.size() >= options_.max_parked)
            return respond(answer(503, "ServiceUnavailable", "busy fetching the platform's keys"));
        parked_.push_back({std::move(req), std::move(respond)});
        return fetch_keys();
    }
    if (!keys_) return respond(answer(503, "ServiceUnavailable", "the platform's keys are not available"));

    const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
    const auto verified = verify_jwt(*keys_, token, {client_.platform_url(), client_.application_id(), seconds,
                                                     options_.leeway});
    if (!verified.ok()) {
        log(std::string("refused: token ") + auth::to_string(verified.error));
        return respond(answer(401, "Unauthorized", std::string("bad callback token: ") + auth::to_string(verified.error)));
    }

    std::optional<std::vector<std::uint64_t>> positions;
    if (auto h = req.header("X-Carebridge-Event-Positions")) {
        positions = parse_position_list(*h);
        if (!positions) return respond(answer(400, "BadRequest", "malformed X-Carebridge-Event-Positions"));
    }
    auto batch = parse_envelope(req.body, positions ? std::optional(positions->front()) : std::nullopt);
    if (!batch) {
        log("refused: " + batch.error().message);
        return respond(answer(400, "BadRequest", batch.error().message));
    }
    if (positions && batch->events.size() != positions->size())
        return respond(answer(400, "BadRequest", "the event count does not match the positions"));
    if (positions)  // several conversations' ranges in one POST: not one run from the first
        for (std::size_t i = 0; i < positions->size(); ++i) batch->events[i].position = (*positions)[i];

    std::vector<Event> fresh;
    for (auto& e : batch->events)
        if (seen_.fresh(e.position, e.digest)) fresh.push_back(std::move(e));
    if (!fresh.empty()) sink_(std::move(fresh));
    if (!options_.acknowledge) return respond(answer(200));
    options_.acknowledge([respond = std::move(respond)](bool ok) {
        respond(ok ? answer(200) : answer(503, "ServiceUnavailable", "the events could not be stored; send them again"));
    });
}

void CallbackReceiver::fetch_keys() {
    if (fetching_) return;
    fetching_ = true;
    last_fetch_ = scheduler_.now();
    std::string url = options_.jwks_url;
    if (url.empty()) url = origin_of(client_.discover_url()).value_or("") + "/.well-known/jwks.json";
    client_.get_public(url, [this, alive = alive_](Result<HttpReply> reply) {
        if (!*alive) return;
        if (!reply) return on_keys(reply.error());
        on_keys(JwkSet::parse(reply->body));
    });
}

void CallbackReceiver::on_keys(Result<JwkSet> keys) {
    fetching_ = false;
    if (keys) keys_ = std::move(*keys);
    else log("cannot fetch the platform's keys: " + keys.error().describe());
    auto parked = std::move(parked_);
    parked_.clear();
    for (auto& p : parked) process(std::move(p.request), std::move(p.respond), false);
}

}  // namespace carebridge::sdk
