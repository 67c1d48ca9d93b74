// The clients' plumbing: requests, event channels, the callback receiver, and what each side
// does with the events it receives.
#include "flow.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/json.hpp>

#include <iostream>

namespace bench {

namespace json = boost::json;

std::string link(const json::value& resource, std::string_view rel) {
    const auto* o = resource.if_object();
    return o ? link(*o, rel) : std::string();
}

std::string link(const json::object& resource, std::string_view rel) {
    const auto* links = resource.if_contains("_links");
    const auto* l = links && links->is_object() ? links->as_object().if_contains(rel) : nullptr;
    const auto* href = l && l->is_object() ? l->as_object().if_contains("href") : nullptr;
    return href && href->is_string() ? std::string(href->as_string()) : std::string();
}

const json::object* embedded(const json::object& o) {
    const auto* e = o.if_contains("_embedded");
    if (!e || !e->is_object() || e->as_object().empty()) return nullptr;
    const auto& first = e->as_object().begin()->value();
    return first.if_object();
}

std::optional<json::value> parse_json(std::string_view text, json::storage_ptr storage) {
    boost::system::error_code ec;
    auto v = json::parse(text, ec, std::move(storage));
    if (ec) return std::nullopt;
    return v;
}

std::string last_segment(std::string_view href) {
    href = href.substr(0, href.find('?'));
    return std::string(href.substr(href.rfind('/') + 1));
}

namespace {
std::string_view str(const json::object& o, std::string_view key) {
    const auto* v = o.if_contains(key);
    return v && v->is_string() ? std::string_view(v->as_string()) : std::string_view();
}
}  // namespace

Bench::Bench(asio::io_context& io, Options o)
    : ioc(io), opt(std::move(o)), target(parse_target(opt.url)), sa_(io, target) {}

void Bench::error(const std::string& what) {
    if (stopping) return;
    if (counters.errors[what]++ == 0) std::cerr << "carebridge-bench: " << what << "\n";
}

std::uint64_t Bench::error_count() const {
    std::uint64_t n = 0;
    for (const auto& [k, v] : counters.errors) n += v;
    return n;
}

std::uint64_t Bench::callback_requests() const { return callbacks_ ? callbacks_->requests() : 0; }
std::uint64_t Bench::callback_connections() const { return callbacks_ ? callbacks_->connections() : 0; }
std::uint64_t Bench::connections_opened() const {
    std::uint64_t n = sa_.opened();
    for (const auto* list : {&agents, &visitors})
        for (const auto& p : *list) n += p->requests.opened() + 1;
    return n;
}

asio::awaitable<Reply> Bench::call(Pool& pool, Headers headers, const char* method, std::string href,
                                   std::string body, const char* content_type) {
    if (!body.empty()) headers.emplace_back("Content-Type", content_type);
    ++counters.requests;
    const auto timeout = std::chrono::milliseconds(static_cast<std::int64_t>(opt.step_timeout * 1000));
    co_return co_await pool.request(method, request_target(href), headers, body, timeout);
}

asio::awaitable<bool> Bench::start_application() {
    // Arguments of a co_await are named first: GCC 12 destroys some temporaries of a co_await
    // expression twice (string concatenations, conditional operators).
    const std::string form = "grant_type=client_credentials&client_id=" + opt.client_id +
                             "&client_secret=" + opt.client_secret;
    Reply r = co_await call(sa_, {}, "POST", "/oauth2/token", form, "application/x-www-form-urlencoded");
    auto tok = parse_json(r.body);
    if (r.status != 200 || !tok) {
        error("application token: HTTP " + std::to_string(r.status) + " " + r.error + r.body);
        co_return false;
    }
    sa_auth_ = {{"Authorization", "Bearer " + std::string(tok->at("access_token").as_string())}};
    r = co_await call(sa_, {}, "GET", "/platformservice/discover");
    auto disc = parse_json(r.body);
    const std::string applications = disc ? link(*disc, "ms:rtc:saas:applications") : "";
    r = co_await call(sa_, sa_auth_, "GET", applications);
    auto app = parse_json(r.body);
    if (r.status != 200 || !app) {
        error("application: HTTP " + std::to_string(r.status) + " " + r.error);
        co_return false;
    }
    anon_tokens_ = link(*app, "ms:rtc:saas:anonApplicationTokens");
    endpoint_ = std::string(str(app->as_object(), "endpointId"));
    const auto colon = opt.callback_listen.rfind(':');
    const asio::ip::tcp::endpoint listen(asio::ip::make_address(opt.callback_listen.substr(0, colon)),
                                         static_cast<unsigned short>(std::stoi(opt.callback_listen.substr(colon + 1))));
    callbacks_ = std::make_unique<CallbackServer>(ioc, listen, [this](std::string_view, std::string_view body) {
        try {
            on_callback(body);
        } catch (const std::exception& e) {
            error(std::string("callback: unexpected envelope shape: ") + e.what());
        }
    });
    co_return true;
}

void Bench::on_callback(std::string_view body) {
    // Only the visitors' invitations matter to the generator; most callbacks are skipped
    // without parsing, so the generator's own CPU stays small.
    if (body.find("\"started\"") == std::string_view::npos ||
        body.find("saas:messagingInvitation\"") == std::string_view::npos)
        return;
    auto env = parse_json(body);
    const auto* senders = env && env->is_object() ? env->as_object().if_contains("sender") : nullptr;
    if (!senders || !senders->is_array()) return error("callback: malformed envelope");
    for (const auto& s : senders->as_array()) {
        const auto* events = s.is_object() ? s.as_object().if_contains("events") : nullptr;
        if (!events || !events->is_array()) continue;
        for (const auto& ev : events->as_array()) {
            if (!ev.is_object()) continue;
            const auto& e = ev.as_object();
            const auto* l = e.if_contains("link");
            if (!l || !l->is_object() || str(l->as_object(), "rel") != "ms:rtc:saas:messagingInvitation" ||
                str(e, "type") != "started")
                continue;
            const json::object* inv = embedded(e);
            if (!inv) continue;
            auto it = by_op_.find(std::string(str(*inv, "operationId")));
            if (it == by_op_.end()) continue;  // the application's own addMessaging
            Chat& c = *it->second;
            c.start_meeting = link(*inv, "ms:rtc:saas:startAdhocMeeting");
            c.accept_and_bridge = link(*inv, "ms:rtc:saas:acceptAndBridge");
            c.invited.fire();
        }
    }
}

void Bench::start_polling(Party& p) {
    if (p.polling) return;
    p.polling = true;
    asio::co_spawn(ioc, poll_loop(p), asio::detached);
}

asio::awaitable<void> Bench::poll_loop(Party& p) {
    const std::string timeout = "timeout=" + std::to_string(opt.poll_timeout);
    // One envelope read per turn into fields reused from turn to turn (envelope.hpp).
    Envelope env;
    while (!stopping && !p.signed_out) {
        std::string target(request_target(p.events_next));
        target += (target.find('?') == std::string::npos ? "?" : "&") + timeout;
        Reply r = co_await p.poll.request("GET", target, p.auth, {}, std::chrono::seconds(opt.poll_timeout + 30));
        const Micros arrival = now_us();
        if (stopping || p.signed_out) break;
        ++counters.polls;
        if (r.status != 200 || !parse_envelope(r.body, env) || env.next.empty()) {
            error("event channel: " + (r.status ? "HTTP " + std::to_string(r.status) : r.error));
            co_await sleep_us(200'000);
            continue;
        }
        p.events_next = env.next;
        try {
            on_envelope(p, env, arrival);
        } catch (const std::exception& e) {
            error(std::string("event channel: unexpected event shape: ") + e.what());
        }
    }
    p.polling = false;
}

void Bench::on_envelope(Party& p, const Envelope& envelope, Micros arrival) {
    for (std::size_t i = 0; i < envelope.count; ++i) {
        ++counters.poll_events;
        if (p.role == Role::agent) on_agent_event(p, envelope.events[i], arrival);
        else on_visitor_event(p, envelope.events[i], arrival);
    }
}

asio::awaitable<void> Bench::agent_post(Party& p, std::string href, std::string body, std::string what) {
    Reply r = co_await call(p.requests, p.auth, "POST", href, body);
    if (r.status != 204) error(what + ": " + (r.status ? "HTTP " + std::to_string(r.status) : r.error));
}

void Bench::on_agent_event(Party& p, const EnvelopeEvent& e, Micros arrival) {
    if (e.rel.empty() || !e.embedded) return;
    if (e.rel == "onlineMeetingInvitation" && e.type == "started") {
        // Step 14: the agent answers every invitation (an auto-answering console).
        asio::co_spawn(ioc, agent_post(p, std::string(e.link("accept")), "", "agent accept"), asio::detached);
    } else if (e.rel == "messaging" && e.type == "updated") {
        auto it = by_meeting_.find(last_segment(e.sender_href));
        if (it == by_meeting_.end()) return error("agent: messaging of an unknown meeting");
        Chat& c = *it->second;
        if (const std::string_view add = e.link("addMessaging"); !add.empty()) {
            asio::co_spawn(ioc, agent_post(p, std::string(add), "", "agent addMessaging"), asio::detached);
        } else if (e.state == "Connected") {
            c.agent_send = e.link("sendMessage");
            c.agent_connected.fire();
        }
    } else if (e.rel == "message" && e.type == "completed" && e.direction == "Incoming" && on_message) {
        auto it = by_meeting_.find(last_segment(e.sender_href));
        if (it == by_meeting_.end()) return error("agent: message in an unknown meeting");
        on_message(*it->second, Role::agent, message_text(e), arrival);
    }
}

void Bench::on_visitor_event(Party& p, const EnvelopeEvent& e, Micros arrival) {
    Chat* c = p.chat;
    if (e.rel.empty() || !e.embedded || !c) return;
    if (e.rel == "messaging" && e.type == "updated" && e.state == "Connected") {
        c->visitor_send = e.link("sendMessage");
        c->visitor_connected.fire();
    } else if (e.rel == "participant" && e.type == "added" && c->agent && e.uri == c->agent->uri) {
        // (Typing notices are "participant added" too, but carry no embedded participant.)
        c->agent_seen.fire();
    } else if (e.rel == "message" && e.type == "completed" && e.direction == "Incoming" && on_message) {
        on_message(*c, Role::visitor, message_text(e), arrival);
    }
}

}  // namespace bench
