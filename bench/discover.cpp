// discover: the machine's HTTP ceiling and the platform against it. N keep-alive connections
// GET one target back to back for --duration s (after --warmup s) and report requests/s and
// latency. bench/run.sh --peers runs it against nginx's fixed JSON and the platform's
// discover (plain, and the visitor's with its anonymous token) in the same run.
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/this_coro.hpp>

#include <fstream>
#include <map>
#include <sstream>
#include <thread>

#include "discover.hpp"
#include "flow.hpp"

namespace bench {

namespace {

using std::chrono::seconds;

// One generator thread: its own io_context and connections, merged at the end.
struct Worker {
    asio::io_context ioc{1};
    Samples latency;
    std::uint64_t ok = 0, failed = 0;
    std::map<std::string, std::uint64_t> errors;
};

asio::awaitable<void> getter(Worker* w, const Target* t, const std::string* path, const Headers* headers,
                             Micros measure_from, Micros end) {
    Conn c(w->ioc, *t);
    for (Micros t0 = now_us(); t0 < end; t0 = now_us()) {
        Reply r = co_await c.request("GET", *path, *headers, {}, seconds(10));
        const Micros t1 = now_us();
        if (t0 < measure_from || t1 > end) continue;
        if (r.status == 200) {
            ++w->ok;
            w->latency.add(t1 - t0);
        } else {
            ++w->failed;
            ++w->errors[r.status ? "HTTP " + std::to_string(r.status) : r.error];
        }
    }
    c.close();
}

// CPU seconds of a process and its children (nginx: the master and its workers).
double tree_cpu_s(int pid) {
    double total = sample_process(pid).cpu_s;
    std::ifstream children("/proc/" + std::to_string(pid) + "/task/" + std::to_string(pid) + "/children");
    for (int child = 0; children >> child;) total += sample_process(child).cpu_s;
    return total;
}

// The visitor's discover link (carries its anonymous token), as the visitor's page gets it.
asio::awaitable<bool> visitor_discover(const Options& o, const Target& t, std::string* path, Headers* headers,
                                       std::string* error) {
    auto& ioc = static_cast<asio::io_context&>((co_await asio::this_coro::executor).context());
    Conn c(ioc, t);
    const auto timeout = seconds(10);
    const std::string form = "grant_type=client_credentials&client_id=" + o.client_id + "&client_secret=" + o.client_secret;
    const Headers form_type{{"Content-Type", "application/x-www-form-urlencoded"}};
    Reply r = co_await c.request("POST", "/oauth2/token", form_type, form, timeout);
    auto tok = parse_json(r.body);
    if (r.status != 200 || !tok) {
        *error = "token: HTTP " + std::to_string(r.status) + " " + r.error;
        co_return false;
    }
    const Headers auth{{"Authorization", "Bearer " + std::string(tok->at("access_token").as_string())}};
    r = co_await c.request("GET", "/platformservice/discover", {}, {}, timeout);
    auto disc = parse_json(r.body);
    const std::string applications = disc ? std::string(request_target(link(*disc, "ms:rtc:saas:applications"))) : "";
    r = co_await c.request("GET", applications, auth, {}, timeout);
    auto app = parse_json(r.body);
    const std::string anon = app ? std::string(request_target(link(*app, "ms:rtc:saas:anonApplicationTokens"))) : "";
    if (r.status != 200 || anon.empty()) {
        *error = "application: HTTP " + std::to_string(r.status) + " " + r.error;
        co_return false;
    }
    Headers json_auth = auth;
    json_auth.emplace_back("Content-Type", "application/json");
    const std::string body = R"({"applicationSessionId":"bench-discover","allowedOrigins":")" + o.origin + "\"}";
    r = co_await c.request("POST", anon, json_auth, body, timeout);
    auto anon_tok = parse_json(r.body);
    if (r.status != 200 || !anon_tok) {
        *error = "anonApplicationTokens: HTTP " + std::to_string(r.status) + " " + r.error;
        co_return false;
    }
    *path = std::string(request_target(link(*anon_tok, "ms:rtc:saas:discover")));
    *headers = {{"Origin", o.origin}};
    r = co_await c.request("GET", *path, *headers, {}, timeout);
    if (r.status != 200) {
        *error = "visitor discover: HTTP " + std::to_string(r.status) + " " + r.body;
        co_return false;
    }
    c.close();
    co_return true;
}

}  // namespace

int run_discover(const Options& o, Report& report) {
    const Target target = parse_target(o.url);
    std::string path = o.path;
    Headers headers;
    if (o.visitor) {
        asio::io_context ioc(1);
        std::string error;
        bool ok = false;
        asio::co_spawn(ioc, visitor_discover(o, target, &path, &headers, &error), [&](std::exception_ptr e, bool r) {
            ok = !e && r;
            if (e) error = "exception in visitor_discover";
        });
        ioc.run();
        if (!ok) {
            report.text("error", error);
            return 2;
        }
    }
    const Micros start = now_us() + 50'000;
    const Micros measure_from = start + static_cast<Micros>(o.warmup * 1e6);
    const Micros end = measure_from + static_cast<Micros>(o.duration * 1e6);
    std::vector<std::unique_ptr<Worker>> workers;
    for (int i = 0; i < o.threads; ++i) workers.push_back(std::make_unique<Worker>());
    for (int i = 0; i < o.connections; ++i) {
        Worker* w = workers[static_cast<std::size_t>(i % o.threads)].get();
        asio::co_spawn(w->ioc, getter(w, &target, &path, &headers, measure_from, end), asio::detached);
    }
    std::vector<std::thread> threads;
    for (auto& w : workers) threads.emplace_back([&w] { w->ioc.run(); });
    // Server and generator CPU over the measured window only.
    std::this_thread::sleep_until(at_us(measure_from));
    const double server0 = o.pid > 0 ? tree_cpu_s(o.pid) : 0, gen0 = sample_process(0).cpu_s;
    std::this_thread::sleep_until(at_us(end));
    const double secs = static_cast<double>(now_us() - measure_from) / 1e6;
    const double server_pct = o.pid > 0 ? (tree_cpu_s(o.pid) - server0) / secs * 100 : 0;
    const double gen_pct = (sample_process(0).cpu_s - gen0) / secs * 100;
    for (auto& t : threads) t.join();

    Samples latency;
    std::uint64_t ok = 0, failed = 0;
    std::map<std::string, std::uint64_t> errors;
    for (auto& w : workers) {
        latency.v.insert(latency.v.end(), w->latency.v.begin(), w->latency.v.end());
        ok += w->ok, failed += w->failed;
        for (const auto& [what, n] : w->errors) errors[what] += n;
    }
    report.text("target", o.url + path);
    report.metric("connections", o.connections, "keep-alive");
    report.metric("generator threads", o.threads, "");
    report.metric("measured window", o.duration, "s", 1);
    report.metric("requests", static_cast<double>(ok) / o.duration, "/s", 0);
    report.metric("failed", static_cast<double>(failed), "");
    report.metric("latency p50", latency.percentile(50), "ms", 3);
    report.metric("latency p99", latency.percentile(99), "ms", 3);
    if (o.pid > 0) {
        report.metric("server cpu", server_pct, "% of a core (process and children)", 0);
        report.metric("server cpu per request", ok ? server_pct / 100 * 1e6 / (static_cast<double>(ok) / o.duration) : 0, "us", 1);
    }
    report.metric("generator cpu", gen_pct, "% of a core (all its threads)", 0);
    boost::json::object e;
    for (const auto& [what, n] : errors) e[what] = n;
    report.errors(e);
    return failed == 0 && ok > 0 ? 0 : 1;
}

}  // namespace bench
