#pragma once
// Delivers a Service Application's events to its callback URL: one queue per conversation,
// in order, at least once, retried with exponential backoff and jitter while the receiver
// fails. Each POST carries a contiguous range of the application's event positions, which are
// the events' stable ids. The receiver may answer {"CallbackContext": "x"}; later callbacks of
// that conversation then go to <url>?callbackContext=x.
//
// With a batch window (off by default), conversations whose callbacks go to the same URL
// (CallbackContext included) share POSTs: a conversation ready to send waits up to the window,
// then one POST carries the next range of every conversation waiting for that URL (each range
// contiguous, ranges in stream order; X-Carebridge-Event-Positions lists them: "4-6,9-9").
// Each conversation keeps one POST at a time and its own retries; a CallbackContext answered
// to a shared POST applies to every conversation in it.
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <unordered_map>
#include <string>
#include <vector>

#include "net/http_client.hpp"
#include "net/scheduler.hpp"
#include "platform/model/entities.hpp"

namespace carebridge::platform {

struct CallbackOptions {
    std::chrono::milliseconds timeout{10'000};
    std::chrono::milliseconds initial_backoff{200};
    std::chrono::milliseconds max_backoff{30'000};
    std::chrono::milliseconds max_age{3'600'000};  // then the delivery goes to the dead letters
    std::size_t max_events_per_post = 64;
    // Circuit breaker per callback URL: after this many consecutive failures the URL gets no
    // POST for breaker_cooldown, then one probe; 0 turns the breaker off.
    std::size_t breaker_failures = 0;
    std::chrono::milliseconds breaker_cooldown{30'000};
    std::size_t dead_letter_limit = 10'000;  // oldest entries go first beyond this
    std::chrono::milliseconds batch_window{0};  // 0: a POST per conversation, sent at once
};

// A delivery given up after the maximum retry age: replayable through the API.
struct DeadLetter {
    std::uint64_t id = 0;
    std::string app_id, queue, url, error;
    std::uint64_t first = 0, last = 0;  // positions in the application's stream
    int attempts = 0;
    std::int64_t dropped_at = 0;  // unix ms
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
    // Lowest position of app's stream still needed: waiting for delivery, or held by a dead
    // letter (so compaction keeps what a replay will send). UINT64_MAX: none.
    std::uint64_t first_pending(const TrustedApp& app) const;
    // Told after each acknowledged POST: queue, last position delivered, its CallbackContext.
    using DeliveredHook = std::function<void(const std::string&, std::uint64_t, const std::string&)>;
    void on_delivered(DeliveredHook hook) { delivered_hook_ = std::move(hook); }

    std::size_t pending() const;         // events not yet acknowledged
    std::size_t queue_count() const { return queues_.size(); }
    bool has_queue(const std::string& key) const { return queues_.contains(key); }
    bool sending() const;                // a POST is out on some queue
    // Some delivery is under way: a POST is out, or an event has not had its first try yet.
    // (Shutdown waits for this, not for retries that wait out a backoff.)
    bool busy() const;
    std::uint64_t delivered() const { return delivered_; }
    std::uint64_t dropped() const { return dropped_; }
    std::uint64_t attempts() const { return attempts_; }
    std::uint64_t retries() const { return retries_; }

    // --- dead letters and replay ---
    const std::deque<DeadLetter>& dead_letters() const { return dead_letters_; }
    // Told when an entry joins the list (with its queue's CallbackContext: the queue has moved
    // past it) and when one leaves it (replayed, or the oldest beyond dead_letter_limit), so the
    // list can be kept in the store.
    using DeadLetterAdded = std::function<void(const DeadLetter&, const std::string& context)>;
    using DeadLetterRemoved = std::function<void(std::uint64_t id)>;
    void on_dead_letter(DeadLetterAdded added, DeadLetterRemoved removed) {
        dead_letter_added_ = std::move(added);
        dead_letter_removed_ = std::move(removed);
    }
    // Puts back a stored entry (at start-up, in id order); new ids continue after it.
    void restore_dead_letter(DeadLetter d);
    // Queues a dead letter of app again (it leaves the list); false when there is no such id.
    bool replay_dead_letter(TrustedApp& app, std::uint64_t id);
    // Sends app's retained events from position `from` (through the last published one) again
    // to `url`, in stream order, on a queue of their own. Returns how many events.
    std::size_t replay_from(TrustedApp& app, const std::string& url, std::uint64_t from);
    std::size_t open_circuits() const;

private:
    struct Job {
        TrustedApp* app = nullptr;
        std::string url;
        std::uint64_t first = 0, last = 0;
        net::Scheduler::Clock::time_point since;
        int attempts = 0;
        bool probe = false;  // the half-open circuit's single trial
    };
    struct Breaker {
        std::size_t failures = 0;  // consecutive
        bool open = false, probing = false;
        net::Scheduler::Clock::time_point until;
    };
    struct Queue {
        std::deque<Job> jobs;
        bool sending = false;    // a POST is out for jobs.front()
        bool scheduled = false;  // a pump is posted or a retry timer is set
        bool forgotten = false;
        bool batched = false;  // waiting in a batch for its URL (batch_window)
        std::string context;  // CallbackContext from the receiver
        net::TimerPtr retry;
    };
    // Conversations waiting to share a POST to one URL (batch_window).
    struct Batch {
        std::vector<std::string> keys;
        net::TimerPtr timer;
    };

    void pump(const std::string& key);
    // POSTs the front jobs of the queues `keys` (one queue alone, or a batch) in one request.
    void send(const std::vector<std::string>& keys);
    void join_batch(const std::string& key, Queue& q);
    void flush_batch(const std::string& batch_key);
    std::string url_of(const Queue& q, const Job& job) const;  // with the CallbackContext
    void on_result(const std::string& key, const net::ClientResult& result);
    void schedule(const std::string& key, std::chrono::milliseconds delay);
    void dead_letter(const std::string& key, const Job& job, std::string error);
    void trim_dead_letters();
    // False (and the queue rescheduled or the job dead-lettered) while the URL's circuit is open.
    bool circuit_allows(const std::string& key, Job& job);
    void record_outcome(const Job& job, bool ok);

    net::Scheduler& scheduler_;
    net::HttpSender& http_;
    Authorizer authorize_;
    std::string baseuri_;
    CallbackOptions options_;
    // Hashed: looked up several times per callback (a tree's string compares showed in profiles).
    std::unordered_map<std::string, Queue> queues_;
    DeliveredHook delivered_hook_;
    std::uint64_t delivered_ = 0, dropped_ = 0, attempts_ = 0, retries_ = 0;
    std::deque<DeadLetter> dead_letters_;
    DeadLetterAdded dead_letter_added_;
    DeadLetterRemoved dead_letter_removed_;
    std::uint64_t next_dead_letter_ = 1;
    std::uint64_t next_replay_ = 1;
    std::unordered_map<std::string, Breaker> breakers_;  // by callback URL
    std::unordered_map<std::string, Batch> batches_;     // by application and URL (batch_window)
};

}  // namespace carebridge::platform
