// Operations face of the platform API: the instrumented entry point (request ids, access log,
// request metrics), /metrics, /readyz, and the shutdown drain of parked long-polls.
#include <cctype>
#include <chrono>
#include <cstdio>
#include <random>

#include <boost/json.hpp>

#include "common/log.hpp"
#include "platform/api/http_util.hpp"
#include "platform/api/platform_api.hpp"

namespace carebridge::platform::api {

namespace {

// A client's X-Request-Id is kept when it is a short token; anything else is replaced.
bool usable_request_id(std::string_view id) {
    if (id.empty() || id.size() > 64) return false;
    for (unsigned char c : id)
        if (!std::isalnum(c) && c != '-' && c != '_' && c != '.') return false;
    return true;
}

// Identifiers named by the path, for log context: the Service Application's id, the UCWA
// application's id and the conversation's id. Never the query (it may carry a token).
struct PathIds {
    std::string application, ucwa_application, conversation;
};
PathIds ids_of(std::string_view path) {
    PathIds ids;
    const auto seg = path_segments(path);
    for (std::size_t i = 0; i + 1 < seg.size(); ++i) {
        if (seg[i] == "conversations") ids.conversation = seg[i + 1];
        if (seg[i] == "applications" && i > 0) {
            if (seg[0] == "platformservice") ids.application = seg[i + 1];
            else if (seg[0] == "ucwa") ids.ucwa_application = seg[i + 1];
        }
    }
    return ids;
}

std::string hex_prefix() {
    std::random_device rd;
    char buf[16];
    std::snprintf(buf, sizeof buf, "%08x", static_cast<unsigned>(rd()));
    return buf;
}

}  // namespace

void PlatformApi::handle(net::Request&& req, net::Responder respond) {
    struct Info {
        std::string route = "unmatched";
        std::string id;
        std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();
    };
    auto info = std::make_shared<Info>();
    if (auto given = req.header("X-Request-Id"); given && usable_request_id(*given)) info->id = std::string(*given);
    else info->id = request_prefix_ + "-" + std::to_string(next_request_++);
    auto reply = [this, info, method = req.method, path = req.path,
                  respond = std::move(respond)](net::Response res) {
        const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - info->start).count();
        metrics_.request(info->route, method, res.status, seconds);
        if (log::enabled(res.status >= 500 ? log::Level::error : log::Level::info)) {
            const PathIds ids = ids_of(path);
            char ms[32];
            std::snprintf(ms, sizeof ms, "%.3f", seconds * 1000);
            log::write(res.status >= 500 ? log::Level::error : log::Level::info, "request",
                       {{"request_id", info->id},
                        {"method", method},
                        {"route", info->route},
                        {"status", std::to_string(res.status)},
                        {"duration_ms", ms},
                        {"application_id", ids.application},
                        {"ucwa_application_id", ids.ucwa_application},
                        {"conversation_id", ids.conversation}});
        }
        res.set_header("X-Request-Id", info->id);
        // Shutting down: the client reconnects (to the next instance) instead of re-polling here.
        if (draining_) res.set_header("Connection", "close");
        respond(std::move(res));
    };
    handle_request(req, std::move(reply), &info->route);
}

MetricsSnapshot PlatformApi::snapshot() const {
    MetricsSnapshot s;
    const auto stats = platform_.ops_stats();
    s.live_chats = stats.live_chats;
    s.live_meetings = stats.live_meetings;
    s.visitor_apps = stats.visitor_apps;
    s.agent_apps = stats.agent_apps;
    s.chats_timed_out = stats.chats_timed_out;
    s.store_batches_in_flight = stats.batches_in_flight;
    s.store_commit = stats.commit_latency;
    if (stats.store) {
        s.has_store_stats = true;
        s.store_batches = stats.store->batches;
        s.store_transactions = stats.store->transactions;
        s.store_failures = stats.store->failures;
        s.store_checkpoints = stats.store->checkpoints;
        s.store_record_bytes = stats.store->record_bytes;
        s.store_record_bytes_stored = stats.store->record_bytes_stored;
    }
    s.parked_polls = parked_polls();
    const auto& cb = platform_.callbacks();
    s.callback_queue_depth = cb.pending();
    s.callback_queues = cb.queue_count();
    s.callbacks_delivered = cb.delivered();
    s.callback_attempts = cb.attempts();
    s.callback_retries = cb.retries();
    s.callback_dead_letters = cb.dropped();
    s.dead_letter_list = cb.dead_letters().size();
    s.open_circuits = cb.open_circuits();
    s.store_healthy = platform_.store_healthy();
    s.accepting = !draining_;
    s.resident_bytes = process_resident_bytes();
    s.open_fds = process_open_fds();
    s.start_time_seconds = started_;
    return s;
}

void PlatformApi::add_ops_routes() {
    request_prefix_ = hex_prefix();
    started_ = static_cast<double>(platform_.now_ms()) / 1000.0;
    router_.add("GET", "/metrics", [this](net::Request&, const Params&, net::Responder& respond) {
        net::Response r;
        r.status = 200;
        r.set_header("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
        r.set_header("Cache-Control", "no-store");
        r.body = metrics_.render(snapshot());
        respond(std::move(r));
    });
    // Ready: the store writes and the platform is not shutting down (a load balancer stops
    // sending new work on 503; /healthz stays 200 while the process is alive).
    router_.add("GET", "/readyz", [this](net::Request&, const Params&, net::Responder& respond) {
        if (draining_)
            return respond(error_response({503, "ServiceUnavailable", "ShuttingDown", "the platform is shutting down"}));
        if (!platform_.store_healthy())
            return respond(error_response({503, "ServiceUnavailable", "StoreUnavailable", "the store cannot write"}));
        boost::json::object o;
        o["status"] = "ready";
        respond(json_response(200, o));
    });
}

}  // namespace carebridge::platform::api
