// Opening chats: agents sign in once; then per chat the anonymous token, the visitor's
// discovery, application and invitation, and the Service Application's reaction to the
// callback (meeting, messaging, bridge, the agent), until both sides can talk.
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/json.hpp>

#include <unistd.h>

#include "flow.hpp"

namespace bench {

namespace json = boost::json;

namespace {

// Runs fn(first) .. fn(first+count-1), `concurrency` at a time; returns when all are done.
struct Batch {
    Batch(const asio::any_io_executor& ex) : done(ex) {}
    std::function<asio::awaitable<void>(int)> fn;
    int next = 0, end = 0, workers = 0;
    Signal done;
};

asio::awaitable<void> batch_worker(std::shared_ptr<Batch> b) {
    while (b->next < b->end) {
        const int i = b->next++;
        co_await b->fn(i);
    }
    if (--b->workers == 0) b->done.fire();
}

asio::awaitable<void> run_batch(asio::io_context& ioc, int first, int count, int concurrency,
                                std::function<asio::awaitable<void>(int)> fn) {
    auto b = std::make_shared<Batch>(ioc.get_executor());
    b->fn = std::move(fn);
    b->next = first;
    b->end = first + count;
    b->workers = std::max(1, std::min(concurrency, count));
    if (count <= 0) co_return;
    for (int i = 0, n = b->workers; i < n; ++i) asio::co_spawn(ioc, batch_worker(b), asio::detached);
    co_await b->done.wait(INT64_MAX / 4);
}

asio::awaitable<void> sign_in_one(Bench* b, int i, int* failed) {
    // (co_await only as a whole statement or initialiser: GCC 12 miscompiles it inside
    // conditions, e.g. `if (!co_await x)` here became an illegal instruction.)
    bool ok = false;
    try {
        ok = co_await b->sign_in_agent(*b->agents[static_cast<std::size_t>(i)]);
    } catch (const std::exception& e) {  // an answer without the fields the protocol promises
        b->error(std::string("agent sign-in: ") + e.what());
    }
    if (!ok) ++*failed;
}

asio::awaitable<void> open_one(Bench* b, int i, Micros due) {
    const Micros wait = due - now_us();
    if (wait > 0) co_await sleep_us(wait);
    try {
        co_await b->open_chat(*b->chats[static_cast<std::size_t>(i)]);
    } catch (const std::exception& e) {  // an answer without the fields the protocol promises
        b->error(std::string("chat: ") + e.what());
    }
}

std::string status_of(const Reply& r) {
    return r.status ? "HTTP " + std::to_string(r.status) : r.error;
}

}  // namespace

asio::awaitable<bool> Bench::sign_in_agent(Party& p) {
    const std::string who = "agent sign-in: ";
    Reply r = co_await call(p.requests, {}, "GET", "/autodiscover/autodiscoverservice.svc/root");
    auto root = parse_json(r.body);
    const std::string user = root ? link(*root, "user") : "";
    r = co_await call(p.requests, {}, "GET", user);
    std::string token_href;
    for (const auto& [k, v] : r.headers)  // WWW-Authenticate: MsRtcOAuth href="...",grant_type=...
        if (auto at = v.find("MsRtcOAuth href=\""); at != std::string::npos)
            token_href = v.substr(at + 17, v.find('"', at + 17) - at - 17);
    if (r.status != 401 || token_href.empty()) {
        error(who + "no MsRtcOAuth challenge (" + status_of(r) + ")");
        co_return false;
    }
    // (Arguments of co_await named first: see start_application.)
    const std::string form = "grant_type=password&username=" + opt.agent_prefix + std::to_string(p.index) +
                             "&password=" + opt.agent_password;
    r = co_await call(p.requests, {}, "POST", token_href, form, "application/x-www-form-urlencoded");
    auto tok = parse_json(r.body);
    if (r.status != 200 || !tok) {
        error(who + "token " + status_of(r));
        co_return false;
    }
    p.auth = {{"Authorization", "Bearer " + std::string(tok->at("access_token").as_string())}};
    r = co_await call(p.requests, p.auth, "GET", user);
    auto me = parse_json(r.body);
    if (r.status != 200 || !me) {
        error(who + "user " + status_of(r));
        co_return false;
    }
    p.uri = std::string(me->at("uri").as_string());
    // A console per run: a fresh application (and event channel) even on a reused platform.
    const std::string console = R"({"UserAgent":"carebridge-bench","EndpointId":"bench-)" +
                                std::to_string(::getpid()) + R"(","Culture":"en-US"})";
    r = co_await call(p.requests, p.auth, "POST", link(*me, "applications"), console);
    auto app = parse_json(r.body);
    if ((r.status != 201 && r.status != 200) || !app) {
        error(who + "application " + status_of(r));
        co_return false;
    }
    p.events_next = link(*app, "events");
    p.self = link(*app, "self");
    const auto* me_res = app->at("_embedded").as_object().if_contains("me");
    const std::string available = me_res ? link(*me_res, "makeMeAvailable") : "";
    r = co_await call(p.requests, p.auth, "POST", available, R"({"SupportedModalities":["Messaging"]})");
    if (r.status != 204) {
        error(who + "makeMeAvailable " + status_of(r));
        co_return false;
    }
    start_polling(p);
    co_return true;
}

asio::awaitable<bool> Bench::sign_in_agents(int count) {
    for (int i = 1; i <= count; ++i) {
        agents.push_back(std::make_unique<Party>(ioc, target));
        agents.back()->role = Role::agent;
        agents.back()->index = i;
    }
    int failed = 0;
    co_await run_batch(ioc, 0, count, 32, [this, &failed](int i) { return sign_in_one(this, i, &failed); });
    co_return failed == 0;
}

asio::awaitable<void> Bench::sign_out_agents() {
    for (auto& a : agents) {
        if (a->self.empty()) continue;
        a->signed_out = true;
        a->poll.close();
        Reply r = co_await call(a->requests, a->auth, "DELETE", a->self);
        if (r.status != 204) error("agent sign-out: " + status_of(r));
    }
}

Chat& Bench::new_chat() {
    chats.push_back(std::make_unique<Chat>(ioc.get_executor(), static_cast<int>(chats.size())));
    Chat& c = *chats.back();
    c.op = "bench-" + std::to_string(c.index);
    return c;
}

asio::awaitable<void> Bench::open_chats(int first, int count, int concurrency, double rate) {
    const Micros t0 = now_us();
    co_await run_batch(ioc, first, count, concurrency, [this, first, t0, rate](int i) {
        return open_one(this, i, rate > 0 ? t0 + static_cast<Micros>((i - first) * 1e6 / rate) : 0);
    });
}

asio::awaitable<bool> Bench::open_chat(Chat& c) {
    const Micros step = static_cast<Micros>(opt.step_timeout * 1e6);
    c.started = now_us();
    visitors.push_back(std::make_unique<Party>(ioc, target));
    Party& v = *visitors.back();
    v.index = c.index;
    v.chat = &c;
    c.visitor = &v;
    c.agent = agents[static_cast<std::size_t>(c.index) % agents.size()].get();
    auto failed = [&](const char* what, const Reply* r = nullptr) {
        error(std::string("chat: ") + what + (r ? " " + status_of(*r) : std::string()));
        by_op_.erase(c.op);
        return false;
    };
    // (Bodies are built in statements of their own: GCC 12 miscompiles braced initialisers
    // and some temporaries inside a co_await expression.)
    std::string body;
    auto json_of = [](std::initializer_list<std::pair<const char*, std::string>> fields) {
        json::object o;
        for (const auto& [k, v] : fields) o[k] = v;
        return json::serialize(o);
    };

    // Step 3: the Service Application issues the visitor's anonymous token.
    body = json_of({{"applicationSessionId", c.op}, {"allowedOrigins", opt.origin}});
    Reply r = co_await call(sa_, sa_auth_, "POST", anon_tokens_, body);
    auto tok = parse_json(r.body);
    if (r.status != 200 || !tok) co_return failed("anonApplicationTokens", &r);
    v.auth = {{"Authorization", "Bearer " + std::string(tok->at("token").as_string())},
              {"Origin", opt.origin}};
    // Steps 4-5: the visitor's page discovers and creates its application.
    const Headers origin_only{{"Origin", opt.origin}};
    r = co_await call(v.requests, origin_only, "GET", link(*tok, "ms:rtc:saas:discover"));
    auto disc = parse_json(r.body);
    if (r.status != 200 || !disc) co_return failed("discover", &r);
    body = json_of({{"anonymousDisplayName", "Visitor " + std::to_string(c.index)}});
    r = co_await call(v.requests, v.auth, "POST", link(*disc, "anonApplications"), body);
    auto app = parse_json(r.body);
    if (r.status != 201 || !app) co_return failed("anonymous application", &r);
    v.events_next = link(*app, "events");
    start_polling(v);
    // Step 6: the invitation; step 7 is its callback.
    by_op_[c.op] = &c;
    body = json_of({{"to", endpoint_}, {"subject", "bench"}, {"operationId", c.op}});
    r = co_await call(v.requests, v.auth, "POST", link(app->at("_embedded").at("communication"), "startMessaging"), body);
    if (r.status != 201) co_return failed("startMessaging", &r);
    bool arrived = co_await c.invited.wait(step);
    if (!arrived) co_return failed("no messagingInvitation callback");
    by_op_.erase(c.op);
    // Step 8: the ad-hoc meeting and the application's messaging in it.
    body = json_of({{"subject", "bench meeting"}, {"operationId", c.op + "-m"}});
    r = co_await call(sa_, sa_auth_, "POST", c.start_meeting, body);
    auto meeting_inv = parse_json(r.body);
    if (r.status != 201 || !meeting_inv) co_return failed("startAdhocMeeting", &r);
    const std::string meeting_uri(meeting_inv->at("onlineMeetingUri").as_string());
    const std::string meeting_href = link(*meeting_inv, "ms:rtc:saas:conversation");
    c.meeting_id = last_segment(meeting_href);
    by_meeting_[c.meeting_id] = &c;
    r = co_await call(sa_, sa_auth_, "GET", meeting_href);
    auto meeting = parse_json(r.body);
    if (r.status != 200 || !meeting) co_return failed("GET meeting", &r);
    r = co_await call(sa_, sa_auth_, "GET", link(*meeting, "ms:rtc:saas:messaging"));
    auto messaging = parse_json(r.body);
    if (r.status != 200 || !messaging) co_return failed("GET messaging", &r);
    body = json_of({{"operationId", c.op + "-am"}});
    r = co_await call(sa_, sa_auth_, "POST", link(*messaging, "ms:rtc:saas:addMessaging"), body);
    if (r.status != 201) co_return failed("addMessaging", &r);
    // Steps 9-10: bridge the visitor's chat into the meeting.
    body = json_of({{"onlineMeetingUri", meeting_uri}, {"impersonatedDisplayName", "bench desk"}});
    r = co_await call(sa_, sa_auth_, "POST", c.accept_and_bridge, body);
    if (r.status != 200) co_return failed("acceptAndBridge", &r);
    // Steps 14-15: the agent; its console accepts and joins messaging (on_agent_event).
    body = json_of({{"to", c.agent->uri}, {"operationId", c.op + "-ag"}});
    r = co_await call(sa_, sa_auth_, "POST", link(*meeting, "ms:rtc:saas:addParticipant"), body);
    if (r.status != 201) co_return failed("addParticipant", &r);
    arrived = co_await c.agent_seen.wait(step);
    if (!arrived) co_return failed("the visitor never saw the agent join");
    arrived = co_await c.agent_connected.wait(step);
    if (!arrived) co_return failed("the agent's messaging never connected");
    arrived = co_await c.visitor_connected.wait(step);
    if (!arrived) co_return failed("the visitor's messaging never connected");
    c.completed = now_us();
    c.ok = true;
    if (close_visitor_requests) v.requests.close();
    co_return true;
}

void Bench::close_request_connections() {
    for (const auto* list : {&agents, &visitors})
        for (const auto& p : *list) p->requests.close();
}

void Bench::shutdown() {
    stopping = true;
    if (callbacks_) callbacks_->stop();
    sa_.close();
    for (const auto* list : {&agents, &visitors})
        for (const auto& p : *list) {
            p->requests.close();
            p->poll.close();
        }
    for (auto& c : chats) {
        c->invited.fire();
        c->agent_seen.fire();
        c->agent_connected.fire();
        c->visitor_connected.fire();
    }
}

}  // namespace bench
