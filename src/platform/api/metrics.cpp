#include "platform/api/metrics.hpp"

#include <unistd.h>

#include <charconv>
#include <filesystem>
#include <fstream>

namespace carebridge::platform::api {

namespace {

std::string label_value(std::string_view v) {
    std::string out;
    for (char c : v) {
        if (c == '\\' || c == '"') out += '\\';
        if (c == '\n') {
            out += "\\n";
            continue;
        }
        out += c;
    }
    return out;
}

// Shortest text that reads back as the same double ("0.005", not "0.0050000000000000001").
std::string number(double v) {
    char buf[64];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
    return ec == std::errc{} ? std::string(buf, end) : std::string("NaN");
}

void family(std::string& out, std::string_view name, std::string_view type, std::string_view help) {
    out.append("# HELP ").append(name).append(" ").append(help).append("\n");
    out.append("# TYPE ").append(name).append(" ").append(type).append("\n");
}

void sample(std::string& out, std::string_view name, const std::string& labels, const std::string& value) {
    out.append(name);
    if (!labels.empty()) out.append("{").append(labels).append("}");
    out.append(" ").append(value).append("\n");
}

template <class N>
void gauge(std::string& out, std::string_view name, std::string_view help, N value,
           std::string_view type = "gauge") {
    family(out, name, type, help);
    sample(out, name, "", std::to_string(value));
}

void histogram(std::string& out, std::string_view name, const std::string& labels, const Histogram& h) {
    const std::string sep = labels.empty() ? "" : labels + ",";
    const std::string bucket = std::string(name) + "_bucket";
    for (std::size_t i = 0; i < Histogram::kBounds.size(); ++i)
        sample(out, bucket, sep + "le=\"" + number(Histogram::kBounds[i]) + "\"", std::to_string(h.cumulative(i)));
    sample(out, bucket, sep + "le=\"+Inf\"", std::to_string(h.count()));
    sample(out, std::string(name) + "_sum", labels, number(h.sum()));
    sample(out, std::string(name) + "_count", labels, std::to_string(h.count()));
}

std::string_view known_method(std::string_view m) {
    for (std::string_view k : {"GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH"})
        if (m == k) return k;
    return "other";  // bounded label cardinality whatever clients send
}

}  // namespace

void Metrics::request(std::string_view route, std::string_view method, int status, double seconds) {
    const RequestView key{route, known_method(method), status};
    auto it = requests_.find(key);
    if (it == requests_.end()) it = requests_.emplace(RequestKey{route, std::get<1>(key), status}, 0).first;
    ++it->second;
    auto h = latency_.find(route);
    if (h == latency_.end()) h = latency_.emplace(std::string(route), Histogram{}).first;
    h->second.observe(seconds);
}

void Metrics::rate_limited(std::string_view scope) { ++rate_limited_[std::string(scope)]; }

std::string Metrics::render(const MetricsSnapshot& s) const {
    std::string out;
    out.reserve(8192);
    family(out, "carebridge_http_requests_total", "counter", "HTTP requests answered, by route template, method and status.");
    for (const auto& [key, n] : requests_) {
        const auto& [route, method, status] = key;
        sample(out, "carebridge_http_requests_total",
               "route=\"" + label_value(route) + "\",method=\"" + std::string(method) + "\",status=\"" +
                   std::to_string(status) + "\"",
               std::to_string(n));
    }
    family(out, "carebridge_http_request_duration_seconds", "histogram",
           "Time from request to answer by route template (event channel routes include the long-poll wait).");
    for (const auto& [route, h] : latency_)
        histogram(out, "carebridge_http_request_duration_seconds", "route=\"" + label_value(route) + "\"", h);
    family(out, "carebridge_rate_limited_total", "counter", "Requests refused by a rate limit, by scope.");
    for (const auto& [scope, n] : rate_limited_)
        sample(out, "carebridge_rate_limited_total", "scope=\"" + label_value(scope) + "\"", std::to_string(n));

    gauge(out, "carebridge_live_chats", "Visitor chats not yet ended.", s.live_chats);
    gauge(out, "carebridge_live_meetings", "Ad-hoc meetings not yet terminated.", s.live_meetings);
    family(out, "carebridge_ucwa_applications", "gauge", "Live UCWA applications by kind.");
    sample(out, "carebridge_ucwa_applications", "kind=\"visitor\"", std::to_string(s.visitor_apps));
    sample(out, "carebridge_ucwa_applications", "kind=\"agent\"", std::to_string(s.agent_apps));
    gauge(out, "carebridge_chats_timed_out_total", "Visitor chats ended by the platform for inactivity.",
          s.chats_timed_out, "counter");
    gauge(out, "carebridge_parked_long_polls", "Event channel requests waiting for events.", s.parked_polls);

    gauge(out, "carebridge_callback_queue_depth", "Callback events not yet acknowledged by their receiver.",
          s.callback_queue_depth);
    gauge(out, "carebridge_callback_queues", "Conversations with a callback queue.", s.callback_queues);
    gauge(out, "carebridge_callbacks_delivered_total", "Callback events acknowledged by their receiver.",
          s.callbacks_delivered, "counter");
    gauge(out, "carebridge_callback_attempts_total", "Callback POSTs sent (first tries and retries).",
          s.callback_attempts, "counter");
    gauge(out, "carebridge_callback_retries_total", "Callback POSTs that were retries of a failed one.",
          s.callback_retries, "counter");
    gauge(out, "carebridge_callback_dead_letters_total",
          "Callback events given up after the maximum retry age.", s.callback_dead_letters, "counter");

    gauge(out, "carebridge_callback_dead_letter_list", "Deliveries currently in the dead-letter list.",
          s.dead_letter_list);
    gauge(out, "carebridge_callback_open_circuits", "Callback URLs whose circuit breaker is open.", s.open_circuits);

    gauge(out, "carebridge_store_healthy", "1 while the store accepts writes.", s.store_healthy ? 1 : 0);
    gauge(out, "carebridge_accepting", "1 while the platform accepts new work (0 while shutting down).",
          s.accepting ? 1 : 0);
    gauge(out, "carebridge_store_batches_in_flight", "Store batches submitted and not yet committed.",
          s.store_batches_in_flight);
    if (s.has_store_stats) {
        gauge(out, "carebridge_store_batches_total", "Store batches committed.", s.store_batches, "counter");
        gauge(out, "carebridge_store_transactions_total", "Store transactions (one fsync each) that committed them.",
              s.store_transactions, "counter");
        gauge(out, "carebridge_store_write_failures_total", "Store batches that failed to commit.", s.store_failures,
              "counter");
        gauge(out, "carebridge_store_checkpoints_total", "WAL checkpoints run by the checkpointer thread.",
              s.store_checkpoints, "counter");
        gauge(out, "carebridge_store_record_bytes_total", "Bytes of the stream records committed, as the platform gave them.",
              s.store_record_bytes, "counter");
        gauge(out, "carebridge_store_record_bytes_stored_total",
              "Bytes of the same records as stored (compressed with the record dictionary).", s.store_record_bytes_stored,
              "counter");
    }
    if (s.store_commit) {
        family(out, "carebridge_store_commit_duration_seconds", "histogram",
               "Time from handing a batch to the store to its commit (group commit included).");
        histogram(out, "carebridge_store_commit_duration_seconds", "", *s.store_commit);
    }

    if (s.resident_bytes >= 0)
        gauge(out, "process_resident_memory_bytes", "Resident memory size in bytes.", s.resident_bytes);
    if (s.open_fds >= 0) gauge(out, "process_open_fds", "Number of open file descriptors.", s.open_fds);
    family(out, "process_start_time_seconds", "gauge", "Start time of the process since the Unix epoch.");
    sample(out, "process_start_time_seconds", "", number(s.start_time_seconds));
    return out;
}

std::int64_t process_resident_bytes() {
    std::ifstream in("/proc/self/statm");
    std::int64_t size = 0, resident = 0;
    if (!(in >> size >> resident)) return -1;
    return resident * static_cast<std::int64_t>(sysconf(_SC_PAGESIZE));
}

std::int64_t process_open_fds() {
    std::error_code ec;
    std::int64_t n = 0;
    for (std::filesystem::directory_iterator it("/proc/self/fd", ec), end; !ec && it != end; it.increment(ec)) ++n;
    return ec ? -1 : n - 1;  // the iterator's own descriptor is listed too
}

}  // namespace carebridge::platform::api
