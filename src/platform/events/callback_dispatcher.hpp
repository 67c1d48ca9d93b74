#pragma once
// Delivers a Service Application's events to its callback URL: one queue per conversation,
// in order, at least once, retried with exponential backoff and jitter while the receiver
// fails. Each POST carries a contiguous range of the application's event positions, which are
// the events' stable ids. The receiver may answer {"CallbackContext": "x"}; later callbacks of
// that conversation then go to <url>?callbackContext=x.
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <string>

#include "net/http_client.hpp"
#include "net/scheduler.hpp"
#include "platform/model/entities.hpp"

namespace carebridge::platform {

struct CallbackOptions {
    std::chrono::milliseconds timeout{10'000};
    std::chrono::milliseconds initial_backoff{200};
    std::chrono::milliseconds max_backoff{30'000};
    std::chrono::milliseconds max_age{3'600'000};  // then the delivery is dropped (logged)
    std::size_t max_events_per_post = 64;
};

class CallbackDispatcher {
public:
    // Authorization header value for a callback to the given application ("Bearer <jwt>").
    using Authorizer = std::function<std::string(const TrustedApp&)>;

    CallbackDispatcher(net::Scheduler& scheduler, net::HttpSender& http, Authorizer authorize,
                       std::string baseuri, CallbackOptions options = {});

    // Queues the event at `position` of app's stream for delivery on conversation `key`.
    void enqueue(TrustedApp& app, const std::string& key, const std::string& url,
                 std::uint64_t position);
    // The conversation ended: drop its queue once drained.
    void forget(const std::string& key);
    // Restores a queue's CallbackContext (after a restart).
    void set_context(const std::string& key, std::string context);
    // Lowest position of app's stream still waiting for delivery (UINT64_MAX: none).
    std::uint64_t first_pending(const TrustedApp& app) const;
    // Told after each acknowledged POST: queue, last position delivered, its CallbackContext.
    using DeliveredHook = std::function<void(const std::string&, std::uint64_t, const std::string&)>;
    void on_delivered(DeliveredHook hook) { delivered_hook_ = std::move(hook); }

    std::size_t pending() const;         // events not yet acknowledged
    std::uint64_t delivered() const { return delivered_; }
    std::uint64_t dropped() const { return dropped_; }

private:
    struct Job {
        TrustedApp* app = nullptr;
        std::string url;
        std::uint64_t first = 0, last = 0;
        net::Scheduler::Clock::time_point since;
        int attempts = 0;
    };
    struct Queue {
        std::deque<Job> jobs;
        bool sending = false;    // a POST is out for jobs.front()
        bool scheduled = false;  // a pump is posted or a retry timer is set
        bool forgotten = false;
        std::string context;  // CallbackContext from the receiver
        net::TimerPtr retry;
    };

    void pump(const std::string& key);
    void on_result(const std::string& key, net::ClientResult result);

    net::Scheduler& scheduler_;
    net::HttpSender& http_;
    Authorizer authorize_;
    std::string baseuri_;
    CallbackOptions options_;
    std::map<std::string, Queue> queues_;
    DeliveredHook delivered_hook_;
    std::uint64_t delivered_ = 0, dropped_ = 0;
};

}  // namespace carebridge::platform
