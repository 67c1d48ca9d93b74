#pragma once
// Results: a table for people and a JSON file for scripts; /proc figures of a process.
#include <boost/json/object.hpp>

#include <iosfwd>
#include <map>
#include <string>
#include <vector>

namespace bench {

struct ProcSample {
    bool ok = false;
    double rss_mib = 0, hwm_mib = 0;  // VmRSS, VmHWM
    long fds = 0, threads = 0;
    double cpu_s = 0;                 // utime + stime
    double wait_s = 0;  // time its threads were runnable but had no core (schedstat run_delay)
};
ProcSample sample_process(int pid);  // pid 0: this process
// CPU seconds (utime + stime) of a process's threads, summed by thread name (the platform
// names its threads: cb-http-io, cb-store-write, cb-store-ckpt; the engine is the main thread).
std::map<std::string, double> thread_cpu(int pid);

class Report {
public:
    Report(std::string scenario, std::string command);
    void metric(const std::string& key, double value, const std::string& unit, int precision = 0);
    void text(const std::string& key, const std::string& value);
    void errors(const boost::json::object& counts);  // what -> count
    void print(std::ostream& out) const;
    bool write_json(const std::string& path) const;

private:
    std::vector<std::pair<std::string, std::string>> rows_;
    boost::json::object json_;
};

// The hold scenarios' server rows: RSS (at start, holding, peak, per chat) and fds (per chat),
// with `open` sampled once the chats were open and `end` after the idle window.
void report_held(Report& report, int chats, const ProcSample& start, const ProcSample& open, const ProcSample& end);

}  // namespace bench
