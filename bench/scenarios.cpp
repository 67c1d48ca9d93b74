// setup (chats/s and set-up time) and hold (idle chats: memory, descriptors, CPU).
#include "scenarios.hpp"

#include <algorithm>

namespace bench {

CpuWindow::CpuWindow(int pid) : pid_(pid), t0_(now_us()) {
    const ProcSample p = pid > 0 ? sample_process(pid) : ProcSample{}, g = sample_process(0);
    platform0_ = p.cpu_s, platform_wait0_ = p.wait_s, generator0_ = g.cpu_s, generator_wait0_ = g.wait_s;
    if (pid > 0) threads0_ = thread_cpu(pid);
}

namespace {
// The platform's thread names, as the report calls them.
std::string thread_role(const std::string& name) {
    if (name == "cb-http-io") return "http io threads";
    if (name == "cb-store-write") return "store writer thread";
    if (name == "cb-store-ckpt") return "store checkpointer thread";
    if (name == "carebridge") return "engine thread";  // the main thread runs the engine
    return "thread " + name;
}
}  // namespace

void CpuWindow::finish() {
    const double secs = static_cast<double>(now_us() - t0_) / 1e6;
    if (secs <= 0) return;
    if (pid_ > 0) {
        const ProcSample p = sample_process(pid_);
        platform_pct = (p.cpu_s - platform0_) / secs * 100;
        platform_wait_pct = (p.wait_s - platform_wait0_) / secs * 100;
        for (const auto& [name, cpu] : thread_cpu(pid_)) {
            const auto before = threads0_.find(name);
            platform_threads_pct[thread_role(name)] += (cpu - (before == threads0_.end() ? 0 : before->second)) / secs * 100;
        }
    }
    const ProcSample g = sample_process(0);
    generator_pct = (g.cpu_s - generator0_) / secs * 100;
    generator_wait_pct = (g.wait_s - generator_wait0_) / secs * 100;
}

void CpuWindow::add_to(Report& report, const char* suffix) const {
    if (pid_ > 0) {
        report.metric(std::string("platform cpu") + suffix, platform_pct, "% of a core", 0);
        report.metric(std::string("platform waiting for a core") + suffix, platform_wait_pct, "% of the time", 0);
        for (const auto& [role, pct] : platform_threads_pct)
            report.metric("platform " + role + " cpu" + suffix, pct, "% of a core", 0);
    }
    report.metric(std::string("generator cpu") + suffix, generator_pct, "% of a core", 0);
    report.metric(std::string("generator waiting for a core") + suffix, generator_wait_pct, "% of the time", 0);
}

asio::awaitable<int> open_all(Bench& b, Report& report, double rate) {
    const Options& o = b.opt;
    const Micros t0 = now_us();
    bool ok = co_await b.start_application();  // (not inside `if`: see chat.cpp)
    if (!ok) co_return -1;
    ok = co_await b.sign_in_agents(o.agents);
    if (!ok) co_return -1;
    report.metric("agents signed in", o.agents, "", 0);
    report.metric("agents sign-in time", static_cast<double>(now_us() - t0) / 1e6, "s", 2);
    for (int i = 0; i < o.chats; ++i) b.new_chat();
    const Micros t1 = now_us();
    co_await b.open_chats(0, o.chats, o.concurrency, rate);
    const double secs = static_cast<double>(now_us() - t1) / 1e6;
    const auto opened = std::count_if(b.chats.begin(), b.chats.end(), [](const auto& c) { return c->ok; });
    report.metric("chats opened", static_cast<double>(opened), "of " + std::to_string(o.chats));
    report.metric("chats set-up time", secs, "s", 2);
    report.metric("chats set-up rate", static_cast<double>(opened) / secs, "chats/s", 1);
    co_return static_cast<int>(opened);
}

asio::awaitable<int> run_setup(Bench& b, Report& report) {
    const Options& o = b.opt;
    b.close_visitor_requests = true;
    // Agents sign in before the clock starts: a shift starts once, chats arrive all day.
    bool started = co_await b.start_application();
    if (started) started = co_await b.sign_in_agents(o.agents);
    if (!started) co_return 2;
    for (int i = 0; i < o.chats; ++i) b.new_chat();
    const auto requests0 = b.counters.requests;
    const auto callbacks0 = b.callback_requests();
    const ProcSample before = o.pid > 0 ? sample_process(o.pid) : ProcSample{};
    CpuWindow cpu(o.pid);
    const Micros t0 = now_us();
    co_await b.open_chats(0, o.chats, o.concurrency, o.rate);
    const Micros t1 = now_us();
    cpu.finish();
    Samples times;
    int ok = 0;
    for (const auto& c : b.chats)
        if (c->ok) {
            ++ok;
            times.add(c->completed - c->started);
        }
    const double secs = static_cast<double>(t1 - t0) / 1e6;
    report.metric("chats", o.chats, "");
    report.metric("agents", o.agents, "");
    report.metric("concurrency", o.concurrency, "chats in set-up at once");
    report.metric("target rate", o.rate, o.rate > 0 ? "chats/s" : "(unpaced)");
    report.metric("chats opened", ok, "");
    report.metric("chats failed", o.chats - ok, "");
    report.metric("elapsed", secs, "s", 2);
    report.metric("chats/s", ok / secs, "chats/s", 1);
    report.metric("setup p50", times.percentile(50), "ms", 2);
    report.metric("setup p99", times.percentile(99), "ms", 2);
    report.metric("setup max", times.percentile(100), "ms", 2);
    report.metric("requests per chat", static_cast<double>(b.counters.requests - requests0) / o.chats, "", 1);
    report.metric("callbacks per chat", static_cast<double>(b.callback_requests() - callbacks0) / o.chats, "", 1);
    cpu.add_to(report);
    if (o.pid > 0) {
        const ProcSample after = sample_process(o.pid);
        report.metric("platform cpu per chat", cpu.platform_pct / 100 * secs / std::max(ok, 1) * 1e3, "ms", 2);
        report.metric("platform rss", after.rss_mib, "MiB", 1);
        report.metric("platform rss growth per chat", (after.rss_mib - before.rss_mib) * 1024 / std::max(ok, 1), "KiB", 1);
    }
    co_return ok == o.chats ? 0 : 1;
}

asio::awaitable<int> run_hold(Bench& b, Report& report) {
    const Options& o = b.opt;
    const ProcSample start = o.pid > 0 ? sample_process(o.pid) : ProcSample{};
    b.close_visitor_requests = true;
    const int ok = co_await open_all(b, report, o.rate);
    if (ok < 0) co_return 2;
    // Idle chats: each side keeps only its parked long-poll (a browser's idle keep-alive
    // connection would be closed by the server's idle timeout anyway).
    b.close_request_connections();
    co_await sleep_us(static_cast<Micros>(o.settle * 1e6));
    const ProcSample open = o.pid > 0 ? sample_process(o.pid) : ProcSample{};
    const auto polls0 = b.counters.polls;
    const auto callbacks0 = b.callback_requests();
    CpuWindow cpu(o.pid);
    co_await sleep_us(static_cast<Micros>(o.duration * 1e6));
    cpu.finish();
    const ProcSample end = o.pid > 0 ? sample_process(o.pid) : ProcSample{};
    report.metric("idle window", o.duration, "s", 1);
    report.metric("long-poll timeout", o.poll_timeout, "s");
    report.metric("long-polls answered while idle", static_cast<double>(b.counters.polls - polls0) / o.duration, "/s", 1);
    report.metric("callbacks while idle", static_cast<double>(b.callback_requests() - callbacks0), "");
    if (o.pid > 0) {
        report_held(report, ok, start, open, end);
    } else {
        report.text("platform", "no --pid: RSS, fds and CPU not measured");
    }
    cpu.add_to(report, " while idle");
    report.metric("generator rss", sample_process(0).rss_mib, "MiB", 1);
    co_return ok == o.chats ? 0 : 1;
}

}  // namespace bench
