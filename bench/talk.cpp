// talk: N open chats, visitor and agent both sending at a fixed total rate; every receiver
// long-polls its event channel. Each message text carries the chat, the direction, a
// per-sender sequence number and the send time, so the receiver measures the latency and
// catches any message lost, duplicated, reordered or delivered to the wrong chat.
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <charconv>
#include <random>

#include "scenarios.hpp"
#include "talk_text.hpp"

namespace bench {

namespace {

struct Talk : TalkTally {
    explicit Talk(const asio::any_io_executor& ex) : senders_done(ex) {}
    Samples post_latency;
    std::uint64_t sent_ok = 0, send_failed = 0, sent_in_window = 0, late_sends = 0;
    Signal senders_done;
};

void on_message(Talk& t, Chat& chat, Role receiver, std::string_view text, Micros arrival) {
    const auto m = parse_message_text(text);
    if (!m) {
        ++t.malformed;
        return;
    }
    // A visitor hears the agent ('a'); an agent hears its visitor ('v'), in that chat only.
    t.arrival(chat.flows, chat.index, receiver == Role::visitor ? 'a' : 'v', *m, arrival);
}

// One sender (a chat's visitor or its agent): sends one message at a time, on a fixed
// schedule; when a send is slower than the schedule the next one goes at once (counted late).
asio::awaitable<void> sender(Bench* b, Talk* t, Chat* c, int dir, Micros interval, Micros due) {
    Party& from = dir == 0 ? *c->visitor : *c->agent;
    Flow& f = c->flows[static_cast<std::size_t>(dir)];
    const std::string target(request_target(dir == 0 ? c->visitor_send : c->agent_send));
    Headers headers = from.auth;
    headers.emplace_back("Content-Type", "text/plain; charset=utf-8");
    asio::steady_timer timer(co_await asio::this_coro::executor);
    for (; due < t->window_end && !b->stopping; due += interval) {
        if (due > now_us()) {
            timer.expires_at(at_us(due));
            co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
        }
        const Micros t0 = now_us();
        if (t0 - due > interval) ++t->late_sends;
        const std::uint64_t seq = f.seqs.size();
        f.seqs.push_back(0);
        const std::string text = message_text(c->index, dir, seq, t0, b->opt.msg_size);
        ++b->counters.requests;
        Reply r = co_await from.requests.request("POST", target, headers, text, std::chrono::seconds(30));
        const Micros t1 = now_us();
        if (r.status == 201) {
            f.seqs[seq] |= Flow::sent;
            ++t->sent_ok;
            if (t->in_window(t0)) {
                t->post_latency.add(t1 - t0);
                ++t->sent_in_window;
            }
        } else {
            f.seqs[seq] |= Flow::failed;
            ++t->send_failed;
            b->error("sendMessage: " + (r.status ? "HTTP " + std::to_string(r.status) : r.error));
        }
    }
    if (--t->senders == 0) t->senders_done.fire();
}

}  // namespace

asio::awaitable<int> run_talk(Bench& b, Report& report) {
    const Options& o = b.opt;
    const int ok = co_await open_all(b, report, 0);
    if (ok <= 0) co_return 2;

    Talk t(b.ioc.get_executor());
    b.on_message = [&t](Chat& c, Role r, std::string_view text, Micros at) { on_message(t, c, r, text, at); };
    const double rate = o.rate > 0 ? o.rate : 1000;
    t.senders = 2 * ok;
    const Micros start = now_us() + 100'000;
    const Micros interval = t.schedule(rate, start, o.warmup, o.duration);
    std::mt19937_64 rng(42);
    std::uniform_int_distribution<Micros> phase(0, std::max<Micros>(interval - 1, 0));
    for (auto& c : b.chats)
        if (c->ok)
            for (int dir = 0; dir < 2; ++dir)
                asio::co_spawn(b.ioc, sender(&b, &t, c.get(), dir, interval, start + phase(rng)), asio::detached);

    co_await sleep_us(t.window_start - now_us());
    const auto requests0 = b.counters.requests, polls0 = b.counters.polls, events0 = b.counters.poll_events;
    const auto callbacks0 = b.callback_requests(), connections0 = b.callback_connections();
    CpuWindow cpu(o.pid);
    co_await t.senders_done.wait(INT64_MAX / 4);
    cpu.finish();
    const double secs = static_cast<double>(now_us() - t.window_start) / 1e6;
    const auto requests = b.counters.requests - requests0, polls = b.counters.polls - polls0;
    const auto events = b.counters.poll_events - events0;
    const auto callbacks = b.callback_requests() - callbacks0;
    const auto connections = b.callback_connections() - connections0;
    // Drain: messages still in flight get their chance to arrive before being called lost.
    const Micros drain_end = now_us() + static_cast<Micros>(o.drain * 1e6);
    while (t.received < t.sent_ok && now_us() < drain_end) {
        co_await sleep_us(20'000);
    }
    const std::uint64_t lost = lost_messages(b.chats);
    t.report_delivery(report, rate, 2 * ok, o.duration, t.sent_in_window, lost);
    report.metric("sendMessage p50", t.post_latency.percentile(50), "ms", 2);
    report.metric("sendMessage p99", t.post_latency.percentile(99), "ms", 2);
    report.metric("send errors", static_cast<double>(t.send_failed), "");
    report.metric("late sends", static_cast<double>(t.late_sends), "(sender behind its schedule)");
    report.metric("requests", static_cast<double>(requests) / secs, "/s", 0);
    report.metric("long-polls answered", static_cast<double>(polls) / secs, "/s", 0);
    report.metric("events per long-poll", polls ? static_cast<double>(events) / static_cast<double>(polls) : 0, "", 2);
    report.metric("callbacks", static_cast<double>(callbacks) / secs, "/s", 0);
    report.metric("callback connections accepted", static_cast<double>(connections) / secs, "/s", 0);
    cpu.add_to(report);
    if (o.pid > 0) {
        report.metric("platform cpu per message",
                      cpu.platform_pct / 100 * 1e6 / std::max(1.0, static_cast<double>(t.delivered_in_window) / o.duration),
                      "us", 1);
        report.metric("platform rss", sample_process(o.pid).rss_mib, "MiB", 1);
    }
    co_return t.clean(lost) && t.send_failed == 0 && ok == o.chats ? 0 : 1;
}

}  // namespace bench
