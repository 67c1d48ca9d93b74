#include "report.hpp"

#include <algorithm>

#include <boost/json/serialize.hpp>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <sstream>

namespace bench {

namespace {
// utime + stime of one /proc/.../stat text, in seconds; the name is between the parentheses.
double stat_cpu_s(const std::string& text, std::string* name) {
    const auto open = text.find('('), close = text.rfind(')');
    if (open == std::string::npos || close == std::string::npos || close < open) return 0;
    if (name) *name = text.substr(open + 1, close - open - 1);
    std::istringstream in(text.substr(close + 2));
    std::string field;
    double utime = 0, stime = 0;
    for (int i = 3; i <= 15 && in >> field; ++i) {
        if (i == 14) utime = std::stod(field);
        if (i == 15) stime = std::stod(field);
    }
    return (utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}
}  // namespace

ProcSample sample_process(int pid) {
    ProcSample s;
    const std::string dir = pid > 0 ? "/proc/" + std::to_string(pid) : "/proc/self";
    std::ifstream status(dir + "/status");
    for (std::string line; std::getline(status, line);) {
        std::istringstream in(line);
        std::string key;
        double kib = 0;
        in >> key >> kib;
        if (key == "VmRSS:") s.rss_mib = kib / 1024, s.ok = true;
        if (key == "VmHWM:") s.hwm_mib = kib / 1024;
        if (key == "Threads:") s.threads = static_cast<long>(kib);
    }
    std::ifstream stat(dir + "/stat");
    std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
    s.cpu_s = stat_cpu_s(text, nullptr);  // fields 14 and 15 after the parenthesised name
    std::error_code ec;
    for (auto it = std::filesystem::directory_iterator(dir + "/task", ec); !ec && it != std::filesystem::directory_iterator();
         it.increment(ec)) {
        std::ifstream sched(it->path() / "schedstat");
        double on_cpu_ns = 0, waiting_ns = 0;
        if (sched >> on_cpu_ns >> waiting_ns) s.wait_s += waiting_ns / 1e9;
    }
    for (auto it = std::filesystem::directory_iterator(dir + "/fd", ec); !ec && it != std::filesystem::directory_iterator();
         it.increment(ec))
        ++s.fds;
    return s;
}


std::map<std::string, double> thread_cpu(int pid) {
    std::map<std::string, double> by_name;
    std::error_code ec;
    const std::string dir = "/proc/" + std::to_string(pid) + "/task";
    for (auto it = std::filesystem::directory_iterator(dir, ec); !ec && it != std::filesystem::directory_iterator();
         it.increment(ec)) {
        std::ifstream stat(it->path() / "stat");
        const std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
        std::string name;
        const double cpu = stat_cpu_s(text, &name);
        if (!name.empty()) by_name[name] += cpu;
    }
    return by_name;
}

Report::Report(std::string scenario, std::string command) {
    json_["scenario"] = scenario;
    json_["command"] = command;
    json_["metrics"] = boost::json::object();
    json_["units"] = boost::json::object();
    rows_.emplace_back("scenario", scenario);
}

void Report::metric(const std::string& key, double value, const std::string& unit, int precision) {
    if (!std::isfinite(value)) value = 0;
    std::ostringstream s;
    s << std::fixed << std::setprecision(precision) << value << (unit.empty() ? "" : " " + unit);
    rows_.emplace_back(key, s.str());
    json_["metrics"].as_object()[key] = value;
    json_["units"].as_object()[key] = unit;
}

void Report::text(const std::string& key, const std::string& value) {
    rows_.emplace_back(key, value);
    json_[key] = value;
}

void Report::errors(const boost::json::object& counts) {
    json_["errors"] = counts;
    for (const auto& [what, n] : counts) rows_.emplace_back("error", std::string(what) + " (x" + boost::json::serialize(n) + ")");
}

void Report::print(std::ostream& out) const {
    std::size_t width = 0;
    for (const auto& [k, v] : rows_) width = std::max(width, k.size());
    for (const auto& [k, v] : rows_) out << "  " << std::left << std::setw(static_cast<int>(width)) << k << "  " << v << "\n";
    out.flush();
}

bool Report::write_json(const std::string& path) const {
    std::ofstream f(path);
    f << boost::json::serialize(json_) << "\n";
    return static_cast<bool>(f);
}

void report_held(Report& report, int chats, const ProcSample& start, const ProcSample& open, const ProcSample& end) {
    const int n = std::max(chats, 1);
    report.metric("platform rss at start", start.rss_mib, "MiB", 1);
    report.metric("platform rss", end.rss_mib, "MiB", 1);
    report.metric("platform rss peak", end.hwm_mib, "MiB", 1);
    report.metric("platform rss per chat", (end.rss_mib - start.rss_mib) * 1024 / n, "KiB", 2);
    report.metric("platform fds", static_cast<double>(open.fds), "");
    report.metric("platform fds per chat", static_cast<double>(open.fds) / n, "", 2);
}

}  // namespace bench
