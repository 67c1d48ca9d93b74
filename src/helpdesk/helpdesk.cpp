#include "helpdesk/helpdesk.hpp"

#include <algorithm>
#include <cctype>

#include <boost/json/serialize.hpp>

#include "platform/auth/jwt.hpp"
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
net::Response html_answer(std::string body) {
    net::Response r;
    r.set_header("Content-Type", "text/html; charset=utf-8");
    r.set_header("Cache-Control", "no-store");
    r.body = std::move(body);
    return r;
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
    if ((path == "/" || path == "/index.html") && method == "GET") return respond(html_answer(visitor_page(settings_)));
    if ((path == "/agent" || path == "/agent/") && method == "GET")
        return respond(html_answer("<!doctype html><meta charset=utf-8><title>carebridge agent console</title>"
                                   "<p>The agent console arrives with the web issue. Until then agents sign in "
                                   "with any UCWA client against the platform.</p>"));
    if (path == "/healthz" && method == "GET")
        return respond(json_answer(200, {{"status", ready() ? "ok" : "connecting"},
                                         {"chats", static_cast<std::int64_t>(desk_.live_chats())}}));
    const bool known = path == "/callback" || path == "/token" || path == "/" || path == "/healthz";
    respond(known ? error_answer(405, "MethodNotAllowed", "", "method not allowed")
                  : error_answer(404, "NotFound", "", "no such resource"));
}

}  // namespace carebridge::helpdesk
