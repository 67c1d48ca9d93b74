#include "helpdesk/helpdesk.hpp"

#include <algorithm>
#include <cctype>

#include <boost/json/serialize.hpp>

#include "helpdesk/web_assets.hpp"
#include "platform/auth/jwt.hpp"
#include "sdk/jwks.hpp"
#include "sdk/url.hpp"

namespace carebridge::helpdesk {

namespace json = boost::json;

namespace {
constexpr auto kMaxReconnect = std::chrono::milliseconds(60'000);

net::Response json_answer(int status, const json::object& body) {
    net::Response r;
    r.status = status;
    r.set_header("Content-Type", "application/json; charset=utf-8");
    r.set_header("Cache-Control", "no-store");
    r.body = json::serialize(body);
    return r;
}
net::Response error_answer(int status, const char* code, const char* subcode, const std::string& message) {
    json::object o{{"code", code}, {"message", message}};
    if (*subcode) o["subcode"] = subcode;
    return json_answer(status, o);
}
std::string normal_origin(std::string_view o) {
    std::string out(o);
    while (!out.empty() && out.back() == '/') out.pop_back();
    for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}
}  // namespace

Helpdesk::Helpdesk(Settings settings, net::Scheduler& scheduler, net::HttpSender& http, Log log,
                   store::Store* store)
    : settings_(std::move(settings)),
      scheduler_(scheduler),
      log_(std::move(log)),
      client_(scheduler, http, [this] {
          auto options = settings_.platform;
          options.log = log_;
          return options;
      }()),
      sa_(client_),
      desk_(settings_, sa_, scheduler, log_, store),
      receiver_(client_, scheduler, [this](std::vector<sdk::Event> events) { desk_.on_events(std::move(events)); },
                sdk::CallbackReceiverOptions{.log = log_, .acknowledge = [this](std::function<void(bool)> done) {
                    desk_.when_saved(std::move(done));
                }}) {
    if (settings_.allowed_origins.empty())
        if (auto own = sdk::origin_of(settings_.public_url)) settings_.allowed_origins.push_back(*own);
    for (auto& o : settings_.allowed_origins) o = normal_origin(o);
}

Helpdesk::~Helpdesk() { *alive_ = false; }

void Helpdesk::start() { connect(); }

void Helpdesk::connect() {
    client_.connect([this, alive = alive_](sdk::Result<sdk::Resource> app) {
        if (!*alive) return;
        if (app) {
            log_("connected to the platform at " + client_.platform_url() + " as application " +
                 client_.application_id());
            backoff_ = std::chrono::milliseconds(500);
            desk_.resume();
            receiver_.prefetch_keys();  // agents' tokens are checked with them (agent_of)
            return;
        }
        log_("cannot connect to the platform (" + app.error().describe() + "); retrying in " +
             std::to_string(backoff_.count()) + " ms");
        reconnect_ = scheduler_.after(backoff_, [this] { connect(); });
        backoff_ = std::min(backoff_ * 2, kMaxReconnect);
    });
}

// A page's Origin, if it may have a token. Browsers send no Origin on a same-origin GET, so a
// request without one is taken as coming from our own page (a non-browser client can claim
// any Origin anyway; the binding protects visitors' browsers, not us).
std::string Helpdesk::allowed_origin(const net::Request& req) const {
    std::string origin = normal_origin(req.header("Origin").value_or(""));
    if (origin.empty()) origin = normal_origin(sdk::origin_of(settings_.public_url).value_or(""));
    const auto& allowed = settings_.allowed_origins;
    return std::find(allowed.begin(), allowed.end(), origin) != allowed.end() ? origin : std::string();
}

void Helpdesk::token(const net::Request& req, net::Responder respond) {
    const std::string origin = allowed_origin(req);
    if (origin.empty())
        return respond(error_answer(403, "Forbidden", "InvalidOrigin", "this page may not open chats here"));
    if (!ready()) return respond(error_answer(503, "ServiceUnavailable", "", "not connected to the platform yet"));
    sa_.anon_application_token(auth::random_hex(12), origin,
                               [this, origin, respond = std::move(respond)](sdk::Result<sdk::AnonToken> t) {
        if (!t) {
            log_("anonymous token failed: " + t.error().describe());
            return respond(error_answer(502, "ServiceFailure", "", "the platform did not give a token"));
        }
        // `endpoint`: whom the page's startMessaging invites (the application's endpoint).
        auto r = json_answer(200, {{"token", t->token}, {"discoverUrl", t->discover_url},
                                   {"expiryTime", t->expiry_time},
                                   {"endpoint", client_.application().str("endpointId")}});
        r.set_header("Access-Control-Allow-Origin", origin);
        r.set_header("Vary", "Origin");
        respond(std::move(r));
    });
}

void Helpdesk::web_config(net::Responder respond) {
    json::array queues;
    for (const auto& q : settings_.queues) queues.push_back(json::object{{"name", q.name}, {"displayName", q.display_name}});
    json::object body{{"queues", std::move(queues)}};
    // The platform's public URL (from discovery) once connected; agents sign in there.
    if (ready()) body["autodiscoverUrl"] = client_.platform_url() + "/autodiscover/autodiscoverservice.svc/root";
    auto r = json_answer(200, body);
    r.set_header("Access-Control-Allow-Origin", "*");  // public facts: the widget reads them from any page
    respond(std::move(r));
}

// Agents call /api/chat* with the platform user token they signed in with (Bearer). It is
// checked with the platform's own keys (those that sign its callbacks): issuer the platform,
// audience its UCWA side, type "user"; its subject is the agent.
std::string Helpdesk::agent_of(const net::Request& req) const {
    const auto auth = req.header("Authorization").value_or("");
    const sdk::JwkSet* keys = receiver_.keys();
    if (!auth.starts_with("Bearer ") || !keys) return {};
    const auto now = std::chrono::duration_cast<std::chrono::seconds>(scheduler_.now().time_since_epoch()).count();
    const auto v = sdk::verify_jwt(*keys, std::string_view(auth).substr(7),
                                   {client_.platform_url(), client_.platform_url() + "/ucwa", now, 60});
    if (!v.ok() || v.claims.if_contains("typ") == nullptr || v.claims.at("typ") != "user") return {};
    const auto* sub = v.claims.if_contains("sub");
    return sub && sub->is_string() ? std::string(sub->as_string()) : std::string();
}

// The refusal for a request without a valid agent token (503 while the keys load), or nullopt
// with `agent` set.
std::optional<net::Response> Helpdesk::require_agent(const net::Request& req, std::string& agent) {
    if (!receiver_.keys()) {
        receiver_.prefetch_keys();
        return error_answer(503, "ServiceUnavailable", "", "the platform's keys are not loaded yet; retry");
    }
    agent = agent_of(req);
    if (agent.empty()) return error_answer(401, "Unauthorized", "", "an agent's platform token is required");
    return std::nullopt;
}

// The agent console shows who is behind an invitation and what was said before the agent
// joined: only to the agent the chat is offered to or served by (anyone else: 404, so
// meeting URIs cannot be probed).
void Helpdesk::chat_info(const net::Request& req, net::Responder respond) {
    std::string agent;
    if (auto refused = require_agent(req, agent)) return respond(std::move(*refused));
    auto chat = desk_.chat_by_meeting(std::string(req.query_param("meeting").value_or("")));
    if (!chat || chat->agent != agent) return respond(error_answer(404, "NotFound", "", "no live chat of yours has that meeting"));
    json::object body{{"visitor", chat->info.visitor}, {"queue", chat->info.queue},
                      {"queueDisplay", chat->info.queue_display}, {"subject", chat->info.subject}};
    if (chat->transcript.empty()) return respond(json_answer(200, body));
    sa_.get(chat->transcript, [alive = alive_, body = std::move(body), respond = std::move(respond)](
                                  sdk::Result<sdk::Resource> t) mutable {
        if (!*alive) return;
        if (t) {
            const auto& j = t->json();
            if (auto* created = j.if_contains("created")) body["created"] = *created;
            if (auto* messages = j.if_contains("messages")) body["messages"] = *messages;
        }
        respond(json_answer(200, body));  // without the transcript when the platform did not give it
    });
}

// The meeting is terminated as the helpdesk itself would (step 22): the visitor's chat ends and
// the Desk forgets the chat when the platform's callback says the meeting is gone.
void Helpdesk::end_chat(const net::Request& req, net::Responder respond) {
    std::string agent;
    if (auto refused = require_agent(req, agent)) return respond(std::move(*refused));
    auto chat = desk_.chat_by_meeting(std::string(req.query_param("meeting").value_or("")));
    if (!chat || chat->agent != agent || !chat->meeting.link("self"))
        return respond(error_answer(404, "NotFound", "", "no live chat of yours has that meeting"));
    log_("an agent ends the chat of " + chat->info.visitor);
    sa_.terminate(chat->meeting, [this, alive = alive_, respond = std::move(respond)](sdk::Result<sdk::Done> r) {
        if (!*alive) return;
        if (!r) {
            log_("ending a chat failed: " + r.error().describe());
            return respond(error_answer(502, "ServiceFailure", "", "the platform did not end the chat"));
        }
        net::Response ok;
        ok.status = 204;
        respond(std::move(ok));
    });
}

// The agent hands the chat to another queue: the Desk releases them and offers the chat to that
// queue's agents; the console then takes the agent out of the meeting.
void Helpdesk::transfer_chat(const net::Request& req, net::Responder respond) {
    std::string agent;
    if (auto refused = require_agent(req, agent)) return respond(std::move(*refused));
    const std::string queue(req.query_param("queue").value_or(""));
    if (std::none_of(settings_.queues.begin(), settings_.queues.end(), [&](const auto& q) { return q.name == queue; }))
        return respond(error_answer(400, "BadRequest", "InvalidParameter", "'queue' must name a queue"));
    if (!desk_.transfer(std::string(req.query_param("meeting").value_or("")), agent, queue))
        return respond(error_answer(404, "NotFound", "", "no live chat of yours has that meeting"));
    log_("an agent transfers a chat to queue " + queue);
    net::Response ok;
    ok.status = 204;
    respond(std::move(ok));
}

void Helpdesk::handle(net::Request&& req, net::Responder respond) {
    const auto& path = req.path;
    const auto& method = req.method;
    if (path == "/callback" && method == "POST") return receiver_.handle(std::move(req), std::move(respond));
    if (path == "/token" && (method == "GET" || method == "POST")) return token(req, std::move(respond));
    if (path == "/token" && method == "OPTIONS") {  // CORS preflight from a company page
        const std::string origin = allowed_origin(req);
        net::Response r;
        r.status = origin.empty() ? 403 : 204;
        if (!origin.empty()) {
            r.set_header("Access-Control-Allow-Origin", origin);
            r.set_header("Access-Control-Allow-Methods", "GET, POST");
            r.set_header("Access-Control-Allow-Headers", "Content-Type");
            r.set_header("Access-Control-Max-Age", "600");
            r.set_header("Vary", "Origin");
        }
        return respond(std::move(r));
    }
    if (path == "/web-config" && method == "GET") return web_config(std::move(respond));
    if (path == "/api/chat" && method == "GET") return chat_info(req, std::move(respond));
    if (path == "/api/chat/end" && method == "POST") return end_chat(req, std::move(respond));
    if (path == "/api/chat/transfer" && method == "POST") return transfer_chat(req, std::move(respond));
    if (auto page = serve_web(req)) return respond(std::move(*page));
    if (path == "/healthz" && method == "GET")
        return respond(json_answer(200, {{"status", ready() ? "ok" : "connecting"},
                                         {"chats", static_cast<std::int64_t>(desk_.live_chats())}}));
    const bool known = path == "/callback" || path == "/token" || path == "/healthz" || path == "/web-config" ||
                       path == "/api/chat" || path == "/api/chat/end" || path == "/api/chat/transfer";
    respond(known ? error_answer(405, "MethodNotAllowed", "", "method not allowed")
                  : error_answer(404, "NotFound", "", "no such resource"));
}

}  // namespace carebridge::helpdesk
