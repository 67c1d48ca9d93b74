// Client calls: one attempt after another, each with the call's timeout, until success, a
// final error, or the attempt budget is spent.
#include <algorithm>

#include <boost/json/serialize.hpp>

#include "sdk/client_impl.hpp"
#include "sdk/url.hpp"

namespace carebridge::sdk {

std::optional<std::string> HttpReply::header(std::string_view name) const {
    for (const auto& [k, v] : headers)
        if (net::iequals(k, name)) return v;
    return std::nullopt;
}

Error transport_error(const std::string& what) {
    if (what == "timeout") return Error{ErrorKind::timeout, 0, "", "", "no answer in time"};
    return Error{ErrorKind::transport, 0, "", "", what};
}

bool never_sent(const std::string& what) {
    return what.starts_with("connect ") || what.starts_with("resolve ") || what.starts_with("invalid url");
}

Client::Impl::Impl(net::Scheduler& s, net::HttpSender& h, ClientOptions o)
    : scheduler(s), http(h), options(std::move(o)), rng(std::random_device{}()) {}

void Client::Impl::start(CallPtr call) { attempt(std::move(call)); }

void Client::Impl::attempt(CallPtr call) {
    ++call->attempts;
    std::weak_ptr<Impl> weak = weak_from_this();
    auto send = [weak, call](const std::string& token) {
        auto self = weak.lock();
        if (!self) return;
        net::HeaderList headers{{"Accept", "application/json"}};
        if (!token.empty()) headers.emplace_back("Authorization", "Bearer " + token);
        if (!call->content_type.empty()) headers.emplace_back("Content-Type", call->content_type);
        self->http.send(call->method, call->url, std::move(headers), call->body, self->options.timeout,
                        [weak, call, token](net::ClientResult r) {
                            if (auto s = weak.lock()) s->on_result(call, token, std::move(r));
                        });
    };
    if (!call->authenticated) return send("");
    with_token([call, send](Result<std::string> token) {
        if (!token) return call->done(token.error());  // the token call already retried
        send(*token);
    });
}

void Client::Impl::on_result(CallPtr call, const std::string& token, net::ClientResult r) {
    if (!r.ok()) {
        const Error e = transport_error(r.error);
        const bool may_repeat = call->retry == Retry::safe || never_sent(r.error);
        if (may_repeat && call->attempts < options.max_attempts) return retry_later(call, e);
        return call->done(e);
    }
    // A refused token (expired early, key rotated): the platform did nothing, so any call may
    // go again once with a fresh token.
    if (r.status == 401 && call->authenticated && !call->reauthenticated) {
        call->reauthenticated = true;
        token_refused(token);
        --call->attempts;
        return attempt(call);
    }
    if (r.status >= 200 && r.status < 300)
        return call->done(HttpReply{r.status, std::move(r.headers), std::move(r.body)});
    const Error e = platform_error(r.status, r.body);
    const bool transient = r.status == 429 || r.status == 502 || r.status == 503 || r.status == 504;
    if (transient && call->retry == Retry::safe && call->attempts < options.max_attempts)
        return retry_later(call, e);
    call->done(e);
}

void Client::Impl::retry_later(CallPtr call, const Error& why) {
    const auto delay = backoff(call->attempts);
    if (options.log)
        options.log("sdk: " + call->method + " " + call->url + " failed (" + why.describe() +
                    "), retrying in " + std::to_string(delay.count()) + " ms");
    later(delay, [call](Impl& self) { self.attempt(call); });
}

// Full backoff doubles from initial_backoff up to max_backoff; the jitter (half of it) keeps
// many clients that failed together from retrying together.
std::chrono::milliseconds Client::Impl::backoff(int attempts) {
    auto base = options.initial_backoff;
    for (int i = 1; i < attempts && base < options.max_backoff; ++i) base *= 2;
    base = std::min(base, options.max_backoff);
    const auto half = std::max<std::int64_t>(base.count() / 2, 1);
    std::uniform_int_distribution<std::int64_t> jitter(0, half);
    return std::chrono::milliseconds(base.count() - half + jitter(rng));
}

void Client::Impl::later(std::chrono::milliseconds delay, std::function<void(Impl&)> fn) {
    const auto id = next_timer++;
    std::weak_ptr<Impl> weak = weak_from_this();
    timers[id] = scheduler.after(delay, [weak, id, fn = std::move(fn)] {
        auto self = weak.lock();
        if (!self) return;
        auto keep = std::move(self->timers[id]);  // destroyed after fn, not while it runs
        self->timers.erase(id);
        fn(*self);
    });
}

Client::Client(net::Scheduler& scheduler, net::HttpSender& http, ClientOptions options)
    : impl_(std::make_shared<Impl>(scheduler, http, std::move(options))) {}

Client::~Client() = default;

bool Client::connected() const { return impl_->connected; }
const Resource& Client::application() const { return impl_->application; }
const std::string& Client::application_id() const { return impl_->application_id; }
const std::string& Client::platform_url() const { return impl_->platform_url; }
const std::string& Client::discover_url() const { return impl_->options.discover_url; }

std::string Client::resolve(std::string_view href) const {
    return sdk::resolve(impl_->platform_url.empty() ? impl_->options.discover_url : impl_->platform_url, href);
}

void Client::send(std::string method, std::string href, std::string body, std::string content_type, Retry retry,
                  Callback<HttpReply> done) {
    auto call = std::make_shared<Impl::Call>();
    call->method = std::move(method);
    call->url = resolve(href);
    call->body = std::move(body);
    call->content_type = std::move(content_type);
    call->retry = retry;
    call->done = std::move(done);
    impl_->start(std::move(call));
}

void Client::call(std::string method, std::string href, std::optional<boost::json::object> body, Retry retry,
                  Callback<Resource> done) {
    std::string text = body ? boost::json::serialize(*body) : std::string();
    std::string type = body ? "application/json" : "";
    send(std::move(method), std::move(href), std::move(text), std::move(type), retry,
         [done = std::move(done)](Result<HttpReply> reply) {
             if (!reply) return done(reply.error());
             if (reply->body.empty()) return done(Resource());
             done(Resource::parse(reply->body));
         });
}

void Client::get_public(std::string url, Callback<HttpReply> done) {
    auto call = std::make_shared<Impl::Call>();
    call->method = "GET";
    call->url = std::move(url);
    call->authenticated = false;
    call->done = std::move(done);
    impl_->start(std::move(call));
}

}  // namespace carebridge::sdk
