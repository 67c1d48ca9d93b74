#include "core.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>
#include <stdexcept>

namespace bench {

namespace {
const Clock::time_point kStart = Clock::now();
}

Micros now_us() {
    return std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - kStart).count();
}

Clock::time_point at_us(Micros t) { return kStart + std::chrono::microseconds(t); }

asio::awaitable<bool> Signal::wait(Micros timeout_us) {
    if (fired_) co_return true;
    // Beyond a year means "no timeout" (and keeps the time arithmetic from overflowing).
    if (timeout_us > Micros{365} * 24 * 3600 * 1000000) timer_.expires_at(Clock::time_point::max());
    else timer_.expires_after(std::chrono::microseconds(timeout_us));
    co_await timer_.async_wait(asio::as_tuple(asio::use_awaitable));
    co_return fired_;
}

asio::awaitable<void> sleep_us(Micros us) {
    asio::steady_timer t(co_await asio::this_coro::executor, std::chrono::microseconds(std::max<Micros>(us, 0)));
    co_await t.async_wait(asio::as_tuple(asio::use_awaitable));
}

double Samples::percentile(double p) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    const auto rank = static_cast<std::size_t>(std::ceil(p / 100.0 * static_cast<double>(v.size())));
    return static_cast<double>(v[std::clamp<std::size_t>(rank, 1, v.size()) - 1]) / 1000.0;
}

const char* const kUsage = R"(usage: carebridge-bench <setup|talk|hold|discover|xmpp-hold|xmpp-talk> [options]
  --url URL              the platform (http://127.0.0.1:8080)
  --pid PID              the platform's process id, for RSS/CPU/fd figures from /proc
  --json PATH            also write the results as JSON
  --chats N              chats to open (100)
  --agents N             agents bench1..benchN signed in (0: one per chat)
  --concurrency N        chats being set up at once (32)
  --rate R               talk: messages/s in total; setup: new chats/s (0: as fast as possible)
  --duration S           seconds measured (10)
  --warmup S             talk: seconds of traffic before measuring (2)
  --drain S              talk: seconds to wait for messages in flight at the end (5)
  --settle S             hold: seconds between the last chat and the first sample (3)
  --poll-timeout S       long-poll timeout asked of the platform (30)
  --msg-size B           message text length in bytes (64)
  --step-timeout S       limit on any one step of a chat's set-up (20)
  --client-id ID --client-secret S     the Service Application's credentials (bench / bench-secret)
  --agent-prefix P --agent-password W  agents' user names P1..PN and password (bench / bench-pass)
  --origin URL           the visitors' page origin (http://127.0.0.1:8090)
  --callback-listen A    ip:port of the callback receiver, the app's callback_url (127.0.0.1:18081)
 discover (any HTTP server: GET back to back on keep-alive connections for --duration s):
  --path P               the GET target (/platformservice/discover)
  --visitor 1            GET the visitor's discover instead (anonymous token from the SA + Origin)
  --connections N        keep-alive connections (64)
  --threads T            generator threads, each with its own connections (1)
 xmpp-hold, xmpp-talk (ejabberd over BOSH; --url is its HTTP listener; --chats --rate
 --duration --warmup --drain --settle --concurrency --msg-size --pid --poll-timeout as above):
  --domain D             XMPP domain (localhost); --muc-domain M (conference.localhost)
  --bosh-path P          (/bosh)
  --bosh-gap-ms G        a session's second request goes at least G ms after its first (2)
)";

Options parse_options(int argc, char** argv) {
    if (argc < 2) throw std::invalid_argument("missing scenario");
    Options o;
    o.scenario = argv[1];
    if (o.scenario != "setup" && o.scenario != "talk" && o.scenario != "hold" && o.scenario != "discover" &&
        o.scenario != "xmpp-hold" && o.scenario != "xmpp-talk")
        throw std::invalid_argument("unknown scenario '" + o.scenario + "'");
    auto num = [](const std::string& name, const std::string& v, double min) {
        std::size_t used = 0;
        double d = 0;
        try {
            d = std::stod(v, &used);
        } catch (const std::exception&) {
            used = 0;
        }
        if (used != v.size() || !(d >= min)) throw std::invalid_argument(name + " needs a number >= " + std::to_string(min));
        return d;
    };
    auto integer = [&](const std::string& name, const std::string& v, double min) {
        const double d = num(name, v, min);
        if (d != std::floor(d) || d > 1e9) throw std::invalid_argument(name + " needs an integer");
        return static_cast<int>(d);
    };
    const std::map<std::string, std::function<void(const std::string&, const std::string&)>> setters{
        {"--url", [&](auto&, auto& v) { o.url = v; }},
        {"--pid", [&](auto& n, auto& v) { o.pid = integer(n, v, 1); }},
        {"--json", [&](auto&, auto& v) { o.json_path = v; }},
        {"--chats", [&](auto& n, auto& v) { o.chats = integer(n, v, 1); }},
        {"--agents", [&](auto& n, auto& v) { o.agents = integer(n, v, 0); }},
        {"--concurrency", [&](auto& n, auto& v) { o.concurrency = integer(n, v, 1); }},
        {"--rate", [&](auto& n, auto& v) { o.rate = num(n, v, 0); }},
        {"--duration", [&](auto& n, auto& v) { o.duration = num(n, v, 0.1); }},
        {"--warmup", [&](auto& n, auto& v) { o.warmup = num(n, v, 0); }},
        {"--drain", [&](auto& n, auto& v) { o.drain = num(n, v, 0); }},
        {"--settle", [&](auto& n, auto& v) { o.settle = num(n, v, 0); }},
        {"--poll-timeout", [&](auto& n, auto& v) { o.poll_timeout = integer(n, v, 1); }},
        {"--msg-size", [&](auto& n, auto& v) { o.msg_size = integer(n, v, 40); }},
        {"--step-timeout", [&](auto& n, auto& v) { o.step_timeout = num(n, v, 0.1); }},
        {"--client-id", [&](auto&, auto& v) { o.client_id = v; }},
        {"--client-secret", [&](auto&, auto& v) { o.client_secret = v; }},
        {"--agent-prefix", [&](auto&, auto& v) { o.agent_prefix = v; }},
        {"--agent-password", [&](auto&, auto& v) { o.agent_password = v; }},
        {"--origin", [&](auto&, auto& v) { o.origin = v; }},
        {"--callback-listen", [&](auto&, auto& v) { o.callback_listen = v; }},
        {"--path", [&](auto&, auto& v) { o.path = v; }},
        {"--connections", [&](auto& n, auto& v) { o.connections = integer(n, v, 1); }},
        {"--threads", [&](auto& n, auto& v) { o.threads = integer(n, v, 1); }},
        {"--visitor", [&](auto& n, auto& v) { o.visitor = integer(n, v, 0) != 0; }},
        {"--domain", [&](auto&, auto& v) { o.domain = v; }},
        {"--muc-domain", [&](auto&, auto& v) { o.muc_domain = v; }},
        {"--bosh-path", [&](auto&, auto& v) { o.bosh_path = v; }},
        {"--bosh-gap-ms", [&](auto& n, auto& v) { o.bosh_gap_ms = num(n, v, 0); }},
    };
    for (int i = 2; i < argc; i += 2) {
        const std::string name = argv[i];
        auto it = setters.find(name);
        if (it == setters.end()) throw std::invalid_argument("unknown option " + name);
        if (i + 1 >= argc) throw std::invalid_argument(name + " needs a value");
        it->second(name, argv[i + 1]);
    }
    if (o.agents == 0 || o.agents > o.chats) o.agents = o.chats;
    return o;
}

}  // namespace bench
