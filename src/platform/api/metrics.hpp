#pragma once
// Prometheus text exposition (format 0.0.4) of the platform's counters and gauges.
//
// A small writer rather than prometheus-cpp: the server is one io thread, so the library's
// atomics, mutexes and collectable registry buy nothing; most values here are gauges read from
// the engine at scrape time (live chats, parked polls, queue depth), which the library would
// need custom collectors for anyway; and /metrics is served by our own router, not by the
// library's embedded civetweb exposer. The text format is a few dozen lines to write.
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <tuple>

#include "common/histogram.hpp"

namespace carebridge::platform::api {

// What the scrape reads from the engine, the dispatcher, the API and the process.
struct MetricsSnapshot {
    std::size_t live_chats = 0;           // visitor chats not ended
    std::size_t live_meetings = 0;        // ad-hoc meetings not terminated
    std::size_t visitor_apps = 0, agent_apps = 0;
    std::size_t parked_polls = 0;
    std::size_t callback_queue_depth = 0;  // events waiting for acknowledgement
    std::size_t callback_queues = 0;       // conversations with a callback queue
    std::uint64_t callbacks_delivered = 0, callback_attempts = 0, callback_retries = 0;
    std::uint64_t callback_dead_letters = 0;
    std::size_t dead_letter_list = 0;      // entries currently in the dead-letter list
    std::size_t open_circuits = 0;         // callback URLs whose breaker is open
    bool store_healthy = true;
    bool accepting = true;
    std::size_t store_batches_in_flight = 0;
    const Histogram* store_commit = nullptr;  // null: no store
    // The store's own counters (has_store_stats false without a store): batches per transaction
    // shows what group commit buys; checkpoints that the WAL is being copied back.
    bool has_store_stats = false;
    std::uint64_t store_batches = 0, store_transactions = 0, store_failures = 0, store_checkpoints = 0;
    std::uint64_t store_record_bytes = 0, store_record_bytes_stored = 0;
    std::uint64_t chats_timed_out = 0;
    std::int64_t resident_bytes = -1, open_fds = -1;  // -1: unknown
    double start_time_seconds = 0;
};

class Metrics {
public:
    // One answered request: route is the router's template ("unmatched" when none).
    void request(std::string_view route, std::string_view method, int status, double seconds);
    // A request refused by a rate limit (hardening calls this; `scope` e.g. "token", "ip").
    void rate_limited(std::string_view scope);

    std::string render(const MetricsSnapshot& s) const;

private:
    // (route, method, status) -> count. Kept as the parts and escaped only when rendered: a label
    // string built per request cost more than the rest of counting it. The method is one of
    // known_method's static strings. Ordered as the rendered label sets would be.
    using RequestKey = std::tuple<std::string, std::string_view, int>;
    using RequestView = std::tuple<std::string_view, std::string_view, int>;
    // Compares keys and lookups as views (one tuple type: clang's library has no mixed-type
    // tuple ordering).
    struct RequestOrder {
        using is_transparent = void;
        static RequestView view(const RequestView& v) { return v; }
        static RequestView view(const RequestKey& k) { return {std::get<0>(k), std::get<1>(k), std::get<2>(k)}; }
        template <class A, class B>
        bool operator()(const A& a, const B& b) const { return view(a) < view(b); }
    };
    std::map<RequestKey, std::uint64_t, RequestOrder> requests_;
    std::map<std::string, Histogram, std::less<>> latency_;  // route -> histogram
    std::map<std::string, std::uint64_t> rate_limited_;
};

// Process figures from /proc (Linux): resident set size and open file descriptors.
std::int64_t process_resident_bytes();
std::int64_t process_open_fds();

}  // namespace carebridge::platform::api
