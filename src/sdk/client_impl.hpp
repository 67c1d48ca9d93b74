#pragma once
// Private to the SDK: the state behind Client, shared with the callbacks it hands to the
// sender and the scheduler (they hold a weak_ptr, so nothing runs after ~Client).
#include <cstdint>
#include <map>
#include <random>
#include <vector>

#include "sdk/client.hpp"

namespace carebridge::sdk {

struct Client::Impl : std::enable_shared_from_this<Client::Impl> {
    Impl(net::Scheduler& s, net::HttpSender& h, ClientOptions o);

    struct Call {
        std::string method, url, body, content_type;
        Retry retry = Retry::safe;
        bool authenticated = true;
        int attempts = 0;
        bool reauthenticated = false;
        Callback<HttpReply> done;
    };
    using CallPtr = std::shared_ptr<Call>;

    // client.cpp: one call through attempts, retries and backoff.
    void start(CallPtr call);
    void attempt(CallPtr call);
    void on_result(CallPtr call, const std::string& token, net::ClientResult result);
    void retry_later(CallPtr call, const Error& why);
    std::chrono::milliseconds backoff(int attempts);
    // Runs fn after delay unless the Client is gone.
    void later(std::chrono::milliseconds delay, std::function<void(Impl&)> fn);

    // client_auth.cpp: discovery and the token.
    void with_token(std::function<void(Result<std::string>)> fn);
    void fetch_token();
    void on_token(Result<HttpReply> reply);
    void token_refused(const std::string& token);

    net::Scheduler& scheduler;
    net::HttpSender& http;
    ClientOptions options;
    std::minstd_rand rng;

    std::string platform_url, token_url;
    Resource application;
    std::string application_id;
    bool connected = false;

    std::string token;
    net::Scheduler::Clock::time_point token_expiry{};
    bool fetching_token = false;
    std::vector<std::function<void(Result<std::string>)>> token_waiters;
    net::TimerPtr refresh_timer;

    std::uint64_t next_timer = 0;
    std::map<std::uint64_t, net::TimerPtr> timers;  // retries and the like, cancelled with us
};

// Classifies a transport failure by net::HttpClient's error text: only resolve and connect
// failures prove that nothing was sent.
Error transport_error(const std::string& what);
bool never_sent(const std::string& what);

}  // namespace carebridge::sdk
