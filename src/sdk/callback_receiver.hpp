#pragma once
// The Service Application's callback endpoint, minus the HTTP server: give it each POST the
// platform makes to the callback URL. It verifies the `Authorization: Bearer` JWT (RS256
// against the platform's JWK set, issuer = the platform's public URL, audience = the
// application id), parses the envelope into typed events, drops the ones already seen (by
// position, from X-Carebridge-Event-Positions or the envelope's self ack) and hands the fresh
// ones, in order, to the sink.
//
// Answers: 200 once the events are taken (duplicates included, so the platform stops
// resending); 400 for a malformed body; 401 for a missing or bad token; 503 while the SDK is
// not connected yet or the JWK set cannot be fetched (the platform retries with backoff).
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "net/http_types.hpp"
#include "net/scheduler.hpp"
#include "sdk/client.hpp"
#include "sdk/duplicate_filter.hpp"
#include "sdk/events.hpp"
#include "sdk/jwks.hpp"

namespace carebridge::sdk {

struct CallbackReceiverOptions {
    std::string jwks_url;  // empty: <origin of the discover URL>/.well-known/jwks.json
    std::int64_t leeway = 60;  // seconds of clock skew tolerated on exp/nbf
    std::chrono::seconds jwks_min_refresh{30};  // an unknown kid refetches at most this often
    std::size_t max_parked = 256;  // callbacks waiting for the JWK set; beyond: 503
    std::function<void(const std::string&)> log;
    // Called after the sink with a continuation: the callback is answered 200 only when it is
    // called with true (503 with false, so the platform sends it again). For applications that
    // store what the events did before acknowledging them; unset: 200 right away.
    std::function<void(std::function<void(bool ok)>)> acknowledge;
};

class CallbackReceiver {
public:
    using Sink = std::function<void(std::vector<Event>)>;

    CallbackReceiver(Client& client, net::Scheduler& scheduler, Sink sink, CallbackReceiverOptions options = {});
    ~CallbackReceiver();
    CallbackReceiver(const CallbackReceiver&) = delete;
    CallbackReceiver& operator=(const CallbackReceiver&) = delete;

    void handle(net::Request&& request, net::Responder respond);

    // For tests and for applications that pin the key: use this set instead of fetching one.
    void set_keys(JwkSet keys);
    const DuplicateFilter& duplicates() const { return seen_; }
    // The platform's keys as last fetched (nullptr before the first fetch): the same keys sign
    // the platform's user tokens, so an application can check an agent's token with them.
    const JwkSet* keys() const { return keys_ ? &*keys_ : nullptr; }
    // Fetches the keys now if none are held yet (e.g. once connected, before any callback).
    void prefetch_keys() {
        if (!keys_) fetch_keys();
    }

private:
    struct Parked {
        net::Request request;
        net::Responder respond;
    };
    void fetch_keys();
    void on_keys(Result<JwkSet> keys);
    // Verifies and delivers; `may_refetch` once per request.
    void process(net::Request&& request, net::Responder respond, bool may_refetch);
    void log(const std::string& line) const;

    Client& client_;
    net::Scheduler& scheduler_;
    Sink sink_;
    CallbackReceiverOptions options_;
    std::optional<JwkSet> keys_;
    bool fetching_ = false;
    std::optional<net::Scheduler::Clock::time_point> last_fetch_;
    std::vector<Parked> parked_;
    DuplicateFilter seen_;
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace carebridge::sdk
