// xmpp-hold and xmpp-talk: carebridge's hold and talk scenarios played against ejabberd over
// BOSH, the usual way XMPP serves web chat. A chat is a MUC room with two occupants, the
// agent (who creates it, as an instant room) and the visitor, each an anonymous (SASL
// ANONYMOUS) BOSH session. Message texts carry the same chat/direction/sequence/send-time
// fields as talk, checked the same way; latency = the sender queuing the stanza -> the answer
// carrying it to the other occupant.
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <charconv>
#include <iostream>
#include <random>

#include <unistd.h>

#include "bosh.hpp"
#include "flow.hpp"
#include "scenarios.hpp"
#include "talk_text.hpp"
#include "xmpp.hpp"

namespace bench {

namespace {

struct XChat {
    int index = 0;
    std::unique_ptr<BoshSession> visitor, agent;
    std::string room;  // room@muc
    bool ok = false;
    Micros started = 0, completed = 0;
    std::array<Flow, 2> flows;  // [0] visitor -> agent, [1] agent -> visitor
};

struct XBench {
    XBench(asio::io_context& io, const Options& o)
        : ioc(io), opt(o), target(parse_target(o.url)) {
        config.path = o.bosh_path;
        config.domain = o.domain;
        config.wait = o.poll_timeout;
        config.gap = static_cast<Micros>(o.bosh_gap_ms * 1000);
    }
    asio::io_context& ioc;
    const Options& opt;
    const Target target;
    BoshConfig config;
    BoshStats stats;
    std::vector<std::unique_ptr<XChat>> chats;
    std::map<std::string, std::uint64_t> errors;
    const long run_id = static_cast<long>(getpid());
    void error(const std::string& what) {
        if (errors[what]++ == 0) std::cerr << "carebridge-bench: " << what << "\n";
    }
};

// The next stanza matching `want`, skipping others (presences of the other occupant, the
// room subject); nullopt on timeout, death, or an error answer to our request `id`.
template <class Pred>
asio::awaitable<std::optional<XmlNode>> expect(BoshSession& s, Micros timeout, const char* id, Pred want) {
    const Micros deadline = now_us() + timeout;
    for (;;) {
        const Micros left = deadline - now_us();
        if (left <= 0) co_return std::nullopt;
        auto n = co_await s.next(left);
        if (!n) co_return std::nullopt;
        if (want(*n)) co_return n;
        if (*id && n->attr("id") == id && n->attr("type") == "error") co_return std::nullopt;
    }
}

// Anonymous login, bind, join the chat's room (the owner first, unlocking it as an instant room).
// (No temporaries in co_await arguments: GCC 12 destroys some twice, see chat.cpp.)
asio::awaitable<bool> join(XBench* b, XChat* c, BoshSession* s, const char* nick, bool owner) {
    const Micros step = static_cast<Micros>(b->opt.step_timeout * 1e6);
    const std::string who = owner ? "agent " : "visitor ";
    auto failed = [&](const std::string& what) {
        b->error(who + what + (s->dead() ? ": " + s->error() : ""));
        return false;
    };
    bool ok = co_await s->create();
    if (!ok) co_return failed("session creation");
    auto n = co_await expect(*s, step, "", [](const XmlNode& x) { return x.name == "features"; });
    const XmlNode* mechs = n ? n->child("mechanisms") : nullptr;
    bool anonymous = false;
    if (mechs)
        for (const auto& m : mechs->children) anonymous |= m.text == "ANONYMOUS";
    if (!anonymous) co_return failed("stream features: no SASL ANONYMOUS");
    s->send("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='ANONYMOUS'/>");
    n = co_await expect(*s, step, "", [](const XmlNode& x) { return x.name == "success" || x.name == "failure"; });
    if (!n || n->name != "success") co_return failed("SASL ANONYMOUS");
    s->restart();
    n = co_await expect(*s, step, "", [](const XmlNode& x) { return x.name == "features"; });
    if (!n || !n->child("bind")) co_return failed("stream restart: no bind feature");
    s->send("<iq type='set' id='bind1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></iq>");
    n = co_await expect(*s, step, "bind1", [](const XmlNode& x) { return x.name == "iq" && x.attr("id") == "bind1" && x.attr("type") == "result"; });
    if (!n) co_return failed("resource binding");
    const std::string occupant = c->room + "/" + std::string(nick);
    s->send("<presence to='" + xml_escape(occupant) +
            "'><x xmlns='http://jabber.org/protocol/muc'><history maxstanzas='0'/></x></presence>");
    n = co_await expect(*s, step, "", [&occupant](const XmlNode& x) { return x.name == "presence" && x.attr("from") == occupant; });
    if (!n || n->attr("type") == "error") {
        const XmlNode* e = n ? n->child("error") : nullptr;
        const std::string why = !n ? "no answer" : e && !e->children.empty() ? e->children.front().name : "error";
        co_return failed("joining the room: " + why);
    }
    if (owner) {  // XEP-0045 instant room: accept the default configuration, which unlocks it
        s->send("<iq type='set' id='cfg1' to='" + xml_escape(c->room) +
                "'><query xmlns='http://jabber.org/protocol/muc#owner'><x xmlns='jabber:x:data' type='submit'/></query></iq>");
        n = co_await expect(*s, step, "cfg1", [](const XmlNode& x) { return x.name == "iq" && x.attr("id") == "cfg1" && x.attr("type") == "result"; });
        if (!n) co_return failed("instant room configuration");
    }
    co_return true;
}

asio::awaitable<void> open_chat(XBench* b, XChat* c) {
    c->started = now_us();
    // Rooms of an earlier run on the same server (the warm-up's) may still be open.
    c->room = "run" + std::to_string(b->run_id) + "-chat" + std::to_string(c->index) + "@" + b->opt.muc_domain;
    c->agent = std::make_unique<BoshSession>(b->ioc, b->target, b->config, b->stats);
    c->visitor = std::make_unique<BoshSession>(b->ioc, b->target, b->config, b->stats);
    bool ok = co_await join(b, c, c->agent.get(), "agent", true);
    if (ok) ok = co_await join(b, c, c->visitor.get(), "visitor", false);
    c->ok = ok;
    c->completed = now_us();
}

asio::awaitable<void> opener(XBench* b, std::size_t* next, int* running, Signal* done) {
    while (*next < b->chats.size()) {
        XChat* c = b->chats[(*next)++].get();
        co_await open_chat(b, c);
    }
    if (--*running == 0) done->fire();
}

// All chats, `concurrency` being set up at once; returns how many opened.
asio::awaitable<int> open_all(XBench& b, Report& report) {
    for (int i = 0; i < b.opt.chats; ++i) {
        b.chats.push_back(std::make_unique<XChat>());
        b.chats.back()->index = i;
    }
    std::size_t next = 0;
    int running = std::min(b.opt.concurrency, b.opt.chats);
    Signal done(b.ioc.get_executor());
    const Micros t0 = now_us();
    for (int i = 0, n = running; i < n; ++i) asio::co_spawn(b.ioc, opener(&b, &next, &running, &done), asio::detached);
    co_await done.wait(INT64_MAX / 4);
    const double secs = static_cast<double>(now_us() - t0) / 1e6;
    const auto opened = std::count_if(b.chats.begin(), b.chats.end(), [](const auto& c) { return c->ok; });
    Samples times;
    for (const auto& c : b.chats)
        if (c->ok) times.add(c->completed - c->started);
    report.metric("chats opened", static_cast<double>(opened), "of " + std::to_string(b.opt.chats));
    report.metric("chats set-up time", secs, "s", 2);
    report.metric("chats set-up rate", static_cast<double>(opened) / secs, "chats/s", 1);
    report.metric("setup p50", times.percentile(50), "ms", 2);
    report.metric("setup p99", times.percentile(99), "ms", 2);
    co_return static_cast<int>(opened);
}

struct XTalk : TalkTally {
    std::uint64_t sent = 0, sent_in_window = 0, late_sends = 0;
};

// A groupchat message reaching `receiver_dir`'s occupant (0 visitor, 1 agent) of chat c.
void on_stanza(XTalk& t, XChat& c, int receiver_dir, const XmlNode& s, Micros arrival) {
    if (s.name != "message" || s.attr("type") != "groupchat") return;
    const XmlNode* body = s.child("body");
    if (!body) return;  // the room subject
    const auto m = parse_message_text(body->text);
    if (!m) {
        ++t.malformed;
        return;
    }
    // MUC reflects every message to its sender too: a visitor keeps the agent's ('a') only.
    const char own = receiver_dir == 0 ? 'v' : 'a';
    if (m->dir == own) return;
    t.arrival(c.flows, c.index, own == 'v' ? 'a' : 'v', *m, arrival);
}

// One occupant sending on a fixed schedule (a stanza is queued at once: no answer to wait for).
asio::awaitable<void> sender(XBench* b, XTalk* t, XChat* c, int dir, Micros interval, Micros due, Signal* done) {
    BoshSession& s = dir == 0 ? *c->visitor : *c->agent;
    Flow& f = c->flows[static_cast<std::size_t>(dir)];
    asio::steady_timer timer(b->ioc);
    const std::string head = "<message to='" + xml_escape(c->room) + "' type='groupchat'><body>";
    for (; due < t->window_end && !s.dead(); due += interval) {
        if (due > now_us()) {
            timer.expires_at(at_us(due));
            co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
        }
        const Micros t0 = now_us();
        if (t0 - due > interval) ++t->late_sends;
        const std::uint64_t seq = f.seqs.size();
        f.seqs.push_back(Flow::sent);
        std::string stanza = head + message_text(c->index, dir, seq, t0, b->opt.msg_size) + "</body></message>";
        s.send(std::move(stanza));
        ++t->sent;
        if (t->in_window(t0)) ++t->sent_in_window;
    }
    if (--t->senders == 0) done->fire();
}

asio::awaitable<int> run_xmpp_talk(XBench& b, Report& report) {
    const Options& o = b.opt;
    const int ok = co_await open_all(b, report);
    if (ok <= 0) co_return 2;
    XTalk t;
    for (auto& c : b.chats) {
        if (!c->ok) continue;
        XChat* chat = c.get();
        c->visitor->handler = [&t, chat](const XmlNode& s, Micros at) { on_stanza(t, *chat, 0, s, at); };
        c->agent->handler = [&t, chat](const XmlNode& s, Micros at) { on_stanza(t, *chat, 1, s, at); };
    }
    const double rate = o.rate > 0 ? o.rate : 1000;
    t.senders = 2 * ok;
    const Micros start = now_us() + 100'000;
    const Micros interval = t.schedule(rate, start, o.warmup, o.duration);
    std::mt19937_64 rng(42);
    std::uniform_int_distribution<Micros> phase(0, std::max<Micros>(interval - 1, 0));
    Signal done(b.ioc.get_executor());
    for (auto& c : b.chats)
        if (c->ok)
            for (int dir = 0; dir < 2; ++dir)
                asio::co_spawn(b.ioc, sender(&b, &t, c.get(), dir, interval, start + phase(rng), &done), asio::detached);
    co_await sleep_us(t.window_start - now_us());
    const auto requests0 = b.stats.requests, answers0 = b.stats.answers;
    CpuWindow cpu(o.pid);
    co_await done.wait(INT64_MAX / 4);
    cpu.finish();
    const double secs = static_cast<double>(now_us() - t.window_start) / 1e6;
    const auto requests = b.stats.requests - requests0, answers = b.stats.answers - answers0;
    const Micros drain_end = now_us() + static_cast<Micros>(o.drain * 1e6);
    while (t.received < t.sent && now_us() < drain_end) co_await sleep_us(20'000);
    const std::uint64_t lost = lost_messages(b.chats);
    int dead = 0;
    for (const auto& c : b.chats) dead += c->ok && (c->visitor->dead() || c->agent->dead());

    t.report_delivery(report, rate, 2 * ok, o.duration, t.sent_in_window, lost);
    report.metric("late sends", static_cast<double>(t.late_sends), "(sender behind its schedule)");
    report.metric("sessions ended", static_cast<double>(dead), "chats with a BOSH session ended or stuck");
    report.metric("stuck requests", static_cast<double>(b.stats.stuck), "(unanswered after wait + 10 s)");
    report.metric("requests", static_cast<double>(requests) / secs, "/s", 0);
    report.metric("long-polls answered", static_cast<double>(answers) / secs, "/s", 0);
    cpu.add_to(report);
    if (o.pid > 0) {
        report.metric("platform cpu per message",
                      cpu.platform_pct / 100 * 1e6 / std::max(1.0, static_cast<double>(t.delivered_in_window) / o.duration),
                      "us", 1);
        report.metric("platform rss", sample_process(o.pid).rss_mib, "MiB", 1);
    }
    co_return t.clean(lost) && dead == 0 && ok == o.chats ? 0 : 1;
}

asio::awaitable<int> run_xmpp_hold(XBench& b, Report& report) {
    const Options& o = b.opt;
    const ProcSample start = o.pid > 0 ? sample_process(o.pid) : ProcSample{};
    const int ok = co_await open_all(b, report);
    if (ok < 0) co_return 2;
    for (auto& c : b.chats)
        for (auto* s : {c->visitor.get(), c->agent.get()})
            if (s) s->close_idle();
    co_await sleep_us(static_cast<Micros>(o.settle * 1e6));
    const ProcSample open = o.pid > 0 ? sample_process(o.pid) : ProcSample{};
    const auto answers0 = b.stats.answers;
    CpuWindow cpu(o.pid);
    co_await sleep_us(static_cast<Micros>(o.duration * 1e6));
    cpu.finish();
    const ProcSample end = o.pid > 0 ? sample_process(o.pid) : ProcSample{};
    int dead = 0;
    for (const auto& c : b.chats) dead += c->ok && (c->visitor->dead() || c->agent->dead());
    report.metric("idle window", o.duration, "s", 1);
    report.metric("long-poll timeout", o.poll_timeout, "s (BOSH wait)");
    report.metric("long-polls answered while idle", static_cast<double>(b.stats.answers - answers0) / o.duration, "/s", 1);
    report.metric("sessions ended", static_cast<double>(dead), "chats with a BOSH session ended or stuck");
    if (o.pid > 0) {
        report_held(report, ok, start, open, end);
    }
    cpu.add_to(report, " while idle");
    report.metric("generator rss", sample_process(0).rss_mib, "MiB", 1);
    co_return ok == o.chats && dead == 0 ? 0 : 1;
}

asio::awaitable<void> run(XBench* b, Report* report, int* code, bool* finished) {
    try {
        if (b->opt.scenario == "xmpp-talk") *code = co_await run_xmpp_talk(*b, *report);
        else *code = co_await run_xmpp_hold(*b, *report);
    } catch (const std::exception& e) {
        std::cerr << "carebridge-bench: " << e.what() << "\n";
        *code = 2;
    }
    *finished = true;
}

}  // namespace

int run_xmpp(const Options& o, Report& report) {
    asio::io_context ioc(1);
    int code = 2;
    bool finished = false;
    // Never freed: coroutines still parked on its sessions may outlive this call; the process
    // ends right after (as main.cpp does for the carebridge scenarios).
    auto& b = *new XBench(ioc, o);
    asio::co_spawn(ioc, run(&b, &report, &code, &finished), asio::detached);
    while (!finished && ioc.run_one() > 0) {
    }
    boost::json::object errors;
    for (const auto& [what, n] : b.errors) errors[what] = n;
    for (const auto& [what, n] : b.stats.errors) errors["bosh: " + what] = n;
    report.errors(errors);
    for (auto& c : b.chats)
        for (auto* s : {c->visitor.get(), c->agent.get()})
            if (s) s->close();
    ioc.restart();
    ioc.run_for(std::chrono::seconds(3));
    return code;
}

}  // namespace bench
