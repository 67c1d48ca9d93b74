#pragma once
// The three scenarios. Each returns the process exit code: 0 when every chat opened and (talk)
// no message was lost, duplicated, reordered or misrouted.
#include <map>
#include <string>

#include "flow.hpp"
#include "report.hpp"

namespace bench {

asio::awaitable<int> run_setup(Bench& b, Report& report);
asio::awaitable<int> run_talk(Bench& b, Report& report);
asio::awaitable<int> run_hold(Bench& b, Report& report);

// Start-up shared by all: the application, the agents, then `chats` chats opened.
// Returns the number that opened, or -1 when the application or an agent could not start.
asio::awaitable<int> open_all(Bench& b, Report& report, double rate);

// Platform and generator CPU over an interval, as a percentage of one core.
struct CpuWindow {
    explicit CpuWindow(int pid);
    void finish();
    double platform_pct = 0, generator_pct = 0;
    // Runnable but waiting for a core (other processes, the generator): a share above a few
    // percent means the figures are limited by the machine, not by the platform alone.
    double platform_wait_pct = 0, generator_wait_pct = 0;
    // The platform's CPU by thread role (% of a core): whether one thread is the ceiling.
    std::map<std::string, double> platform_threads_pct;
    void add_to(Report& report, const char* suffix = "") const;

private:
    int pid_;
    std::map<std::string, double> threads0_;
    double platform0_, generator0_, platform_wait0_, generator_wait0_;
    Micros t0_;
};

}  // namespace bench
