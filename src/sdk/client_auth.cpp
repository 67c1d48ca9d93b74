// Discovery (steps 1-2) and the OAuth client-credentials token: fetched on first use,
// refreshed in the background before it expires, dropped when the platform refuses it.
#include <boost/json/value.hpp>

#include "sdk/client_impl.hpp"
#include "sdk/url.hpp"

namespace carebridge::sdk {

namespace {
// A token is used only while it has this much life left, so it cannot expire in flight.
constexpr auto kMinTokenLife = std::chrono::seconds(5);
constexpr auto kRefreshRetry = std::chrono::seconds(5);
}  // namespace

void Client::connect(Callback<Resource> done) {
    get_public(impl_->options.discover_url, [this, done = std::move(done)](Result<HttpReply> reply) {
        if (!reply) return done(reply.error());
        auto discover = Resource::parse(reply->body);
        if (!discover) return done(discover.error());
        auto applications = discover->require_link("ms:rtc:saas:applications");
        if (!applications) return done(applications.error());
        // Discovery answers carry absolute URLs; its origin is the API's public base.
        auto origin = origin_of(*applications);
        if (!origin) return done(protocol_error("the applications link is not an absolute http(s) URL"));
        impl_->platform_url = *origin;
        std::string href = *applications;
        if (!impl_->options.endpoint.empty()) href = with_query(href, "endpointId", impl_->options.endpoint);
        call("GET", href, std::nullopt, Retry::safe, [this, done](Result<Resource> app) {
            if (!app) return done(app.error());
            if (app->str("id").empty()) return done(protocol_error("the application resource has no id"));
            impl_->application = *app;
            impl_->application_id = app->str("id");
            impl_->connected = true;
            done(std::move(*app));
        });
    });
}

void Client::Impl::with_token(std::function<void(Result<std::string>)> fn) {
    if (!token.empty() && scheduler.now() + kMinTokenLife < token_expiry) return fn(token);
    token_waiters.push_back(std::move(fn));
    fetch_token();
}

void Client::Impl::fetch_token() {
    if (fetching_token) return;
    fetching_token = true;
    if (token_url.empty()) {
        auto origin = origin_of(options.discover_url);
        token_url = !options.token_url.empty() ? options.token_url : origin.value_or("") + "/oauth2/token";
    }
    auto call = std::make_shared<Call>();
    call->method = "POST";
    call->url = token_url;
    call->body = "grant_type=client_credentials&client_id=" + net::percent_encode(options.client_id) +
                 "&client_secret=" + net::percent_encode(options.client_secret);
    call->content_type = "application/x-www-form-urlencoded";
    call->authenticated = false;
    call->retry = Retry::safe;  // asking for a token twice changes nothing
    std::weak_ptr<Impl> weak = weak_from_this();
    call->done = [weak](Result<HttpReply> reply) {
        if (auto self = weak.lock()) self->on_token(std::move(reply));
    };
    start(std::move(call));
}

void Client::Impl::on_token(Result<HttpReply> reply) {
    fetching_token = false;
    auto waiters = std::move(token_waiters);
    token_waiters.clear();
    Result<std::string> outcome = protocol_error("no token");
    std::int64_t expires_in = 0;
    if (!reply) {
        outcome = reply.error();
    } else if (auto body = Resource::parse(reply->body); !body) {
        outcome = body.error();
    } else {
        const auto* ttl = body->json().if_contains("expires_in");
        expires_in = ttl && ttl->is_int64() ? ttl->get_int64() : 0;
        if (body->str("access_token").empty() || expires_in <= 0)
            outcome = protocol_error("the token answer has no access_token/expires_in");
        else
            outcome = body->str("access_token");
    }
    if (!outcome) {
        if (options.log) options.log("carebridge sdk: no access token: " + outcome.error().describe());
        // A failed background refresh: the current token still works; try again soon.
        if (!token.empty() && scheduler.now() < token_expiry)
            later(kRefreshRetry, [](Impl& self) { self.fetch_token(); });
    } else {
        token = *outcome;
        token_expiry = scheduler.now() + std::chrono::seconds(expires_in);
        // Refresh `refresh_margin` before expiry, but not before half the lifetime (short TTLs).
        const auto ttl = std::chrono::seconds(expires_in);
        const auto due = std::max(ttl - options.refresh_margin, ttl / 2);
        std::weak_ptr<Impl> weak = weak_from_this();
        refresh_timer = scheduler.after(std::chrono::duration_cast<std::chrono::milliseconds>(due), [weak] {
            if (auto self = weak.lock()) self->fetch_token();
        });
    }
    for (auto& w : waiters) w(outcome);
}

void Client::Impl::token_refused(const std::string& used) {
    if (token == used) token.clear();
}

}  // namespace carebridge::sdk
