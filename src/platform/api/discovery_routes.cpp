// Steps 1-4 and the agents' sign-in: discovery, the OAuth token endpoint, JWKS, and the
// UCWA autodiscover/user resources.
#include <boost/json.hpp>
#include <sodium.h>

#include "platform/api/http_util.hpp"
#include "platform/api/platform_api.hpp"

namespace carebridge::platform::api {

namespace json = boost::json;

namespace {
net::Response oauth_error(int status, const char* error, const char* description) {
    json::object o;
    o["error"] = error;
    o["error_description"] = description;
    return json_response(status, o);
}

// The discover link carries "psat%253d<jwt>", which arrives decoded once as "psat%3d<jwt>".
std::string anonymous_context_token(std::string_view context) {
    for (std::string_view prefix : {"psat=", "psat%3d", "psat%3D"})
        if (context.substr(0, prefix.size()) == prefix) return std::string(context.substr(prefix.size()));
    return std::string(context);
}

bool constant_time_equal(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    return sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

bool password_matches(const app::AgentConfig& agent, const std::string& password) {
    if (!agent.password_hash.empty())
        return crypto_pwhash_str_verify(agent.password_hash.c_str(), password.c_str(),
                                        password.size()) == 0;
    return constant_time_equal(agent.password, password);
}
}  // namespace

void PlatformApi::add_discovery_routes() {
    const std::string& base = platform_.config().public_url;

    // Step 1 (Service Application) and step 4 (visitor, with anonymousContext).
    router_.add("GET", "/platformservice/discover", [this, base](net::Request& req, const Params&, net::Responder& respond) {
        json::object links;
        auto context = req.query_param("anonymousContext");
        if (!context) {
            add_link(links, "self", base + "/platformservice/discover");
            add_link(links, "ms:rtc:saas:applications", base + "/platformservice/v1/applications");
            json::object o;
            o["_links"] = std::move(links);
            o["rel"] = "ms:rtc:saas:discover";
            return respond(json_response(200, o));
        }
        const std::string token = anonymous_context_token(*context);
        auto grant = tokens_.verify_anon_token(token, now_s());
        auto origin = req.header("Origin");
        if (!grant) {
            // The page must be able to read why (e.g. TokenExpired) to fetch a new token.
            auto res = error_response(grant.error());
            if (auto origins = tokens_.anon_token_origins(token); origin && origins && origin_allowed(*origins, *origin))
                add_cors(res, *origin);
            return respond(std::move(res));
        }
        if (!origin)
            return respond(error_response(forbidden("InvalidOrigin", "an Origin header is required")));
        if (!origin_allowed(grant->origins, *origin))
            return respond(error_response(forbidden("InvalidOrigin", "this Origin is not allowed for the token")));
        add_link(links, "self", base + "/platformservice/discover");
        add_link(links, "anonApplications", "/ucwa/psanon/v1/applications");
        json::object o;
        o["_links"] = std::move(links);
        o["rel"] = "discover";
        auto res = json_response(200, o);
        add_cors(res, *origin);
        respond(std::move(res));
    });
    router_.add("OPTIONS", "/platformservice/discover", [this](net::Request& req, const Params&, net::Responder& respond) {
        auto origin = req.header("Origin");
        auto context = req.query_param("anonymousContext");
        if (origin && context) {
            auto grant = tokens_.verify_anon_token(anonymous_context_token(*context), now_s());
            if (grant && origin_allowed(grant->origins, *origin)) return respond(preflight_response(*origin));
        }
        respond(error_response(forbidden("InvalidOrigin", "this Origin is not allowed")));
    });

    // OAuth 2.0: client credentials for Service Applications, password grant for agents.
    router_.add("POST", "/oauth2/token", [this](net::Request& req, const Params&, net::Responder& respond) {
        if (auto ct = req.header("Content-Type"); !ct || media_type(*ct) != "application/x-www-form-urlencoded")
            return respond(oauth_error(400, "invalid_request", "the body must be form-encoded"));
        const auto form = net::parse_query(req.body, true);
        auto field = [&](std::string_view name) -> std::string {
            for (const auto& [k, v] : form)
                if (k == name) return v;
            return {};
        };
        const std::string grant = field("grant_type");
        const auto& cfg = platform_.config();
        std::string token;
        std::int64_t ttl = 0;
        if (grant == "client_credentials") {
            TrustedApp* app = platform_.trusted_app_by_client(field("client_id"));
            if (!app || !constant_time_equal(app->config.client_secret, field("client_secret")))
                return respond(oauth_error(401, "invalid_client", "unknown client or wrong secret"));
            ttl = cfg.access_token_ttl;
            token = tokens_.issue_app_token(app->config.id, now_s(), ttl);
        } else if (grant == "password") {
            const auto* agent = platform_.agent_by_username(field("username"));
            if (!agent || !password_matches(*agent, field("password")))
                return respond(oauth_error(400, "invalid_grant", "wrong user name or password"));
            ttl = cfg.user_token_ttl;
            token = tokens_.issue_user_token(agent->uri, now_s(), ttl);
        } else if (grant.empty()) {
            return respond(oauth_error(400, "invalid_request", "grant_type is required"));
        } else {
            return respond(oauth_error(400, "unsupported_grant_type", "use client_credentials or password"));
        }
        json::object o;
        o["access_token"] = token;
        o["token_type"] = "Bearer";
        o["expires_in"] = ttl;
        respond(json_response(200, o));
    });

    // The public halves of the current and the previous signing key, to verify callbacks and
    // tokens across a key rotation.
    auto jwks = [this](net::Request&, const Params&, net::Responder& respond) {
        json::object o;
        o["keys"] = tokens_.keys().public_jwks();
        auto r = json_response(200, o);
        r.set_header("Cache-Control", "public, max-age=300");
        respond(std::move(r));
    };
    router_.add("GET", "/.well-known/jwks.json", jwks);
    router_.add("GET", "/platformservice/jwks", jwks);

    // Agents: UCWA autodiscovery and the user resource behind the token challenge.
    router_.add("GET", "/autodiscover/autodiscoverservice.svc/root", [base](net::Request&, const Params&, net::Responder& respond) {
        json::object links;
        add_link(links, "self", base + "/autodiscover/autodiscoverservice.svc/root");
        add_link(links, "user", base + "/autodiscover/autodiscoverservice.svc/root/oauth/user");
        json::object o;
        o["_links"] = std::move(links);
        respond(json_response(200, o));
    });
    router_.add("GET", "/autodiscover/autodiscoverservice.svc/root/oauth/user", [this, base](net::Request& req, const Params&, net::Responder& respond) {
        auto uri = tokens_.verify_user_token(bearer_token(req), now_s());
        if (!uri) {
            auto r = error_response(unauthorized(bearer_token(req).empty() ? "MissingToken" : uri.error().subcode,
                                                 "sign in at the token endpoint"));
            r.set_header("WWW-Authenticate", "MsRtcOAuth href=\"" + base + "/oauth2/token\",grant_type=\"password\"");
            r.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"carebridge\"");
            return respond(std::move(r));
        }
        json::object links;
        add_link(links, "self", base + "/autodiscover/autodiscoverservice.svc/root/oauth/user");
        add_link(links, "applications", base + "/ucwa/v1/applications");
        json::object o;
        o["uri"] = *uri;
        o["_links"] = std::move(links);
        respond(json_response(200, o));
    });
    router_.add("GET", "/healthz", [](net::Request&, const Params&, net::Responder& respond) {
        json::object o;
        o["status"] = "ok";
        respond(json_response(200, o));
    });
}

}  // namespace carebridge::platform::api
