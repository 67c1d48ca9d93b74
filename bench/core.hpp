#pragma once
// Shared pieces of the load generator: options, the clock, one-shot signals for coroutines,
// latency samples.
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace bench {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;
using Micros = std::int64_t;

// Microseconds since the generator started (steady clock).
Micros now_us();
Clock::time_point at_us(Micros t);

struct Options {
    std::string scenario;  // setup | talk | hold | discover | xmpp-hold | xmpp-talk
    std::string url = "http://127.0.0.1:8080";  // the platform
    int pid = 0;                                // the platform's pid, for /proc figures
    std::string json_path;
    std::string client_id = "bench";
    std::string client_secret = "bench-secret";
    std::string origin = "http://127.0.0.1:8090";  // the visitors' page
    std::string callback_listen = "127.0.0.1:18081";
    std::string agent_prefix = "bench";         // agents bench1..benchN
    std::string agent_password = "bench-pass";
    int agents = 0;                             // 0: one per chat
    int chats = 100;
    int concurrency = 32;                       // chats being set up at once
    double rate = 0;        // talk: messages/s in total; setup: new chats/s (0: unpaced)
    double duration = 10;   // seconds measured
    double warmup = 2;      // talk: seconds of traffic before measuring
    double drain = 5;       // talk: seconds to wait for messages still in flight
    double settle = 3;      // hold: seconds between the last chat and the first sample
    int poll_timeout = 30;  // seconds a long-poll may be parked
    int msg_size = 64;      // bytes of message text
    double step_timeout = 20;  // seconds any one step of a chat's set-up may take
    // discover: keep-alive connections doing GET `path` back to back, on `threads` threads.
    std::string path = "/platformservice/discover";
    int connections = 64;
    int threads = 1;
    bool visitor = false;  // GET the visitor's discover (anonymous token + Origin) instead
    // xmpp-*: ejabberd over BOSH (the baseline peer); --url is its HTTP listener.
    std::string domain = "localhost";
    std::string muc_domain = "conference.localhost";
    std::string bosh_path = "/bosh";
    double bosh_gap_ms = 2;  // a session's second request waits this long after its first
};

// Parses argv (the scenario first); throws std::invalid_argument with a usage hint.
Options parse_options(int argc, char** argv);
extern const char* const kUsage;

// A one-shot event a coroutine can wait for (with a timeout); fire() before wait() is fine.
class Signal {
public:
    explicit Signal(const asio::any_io_executor& ex) : timer_(ex, Clock::time_point::max()) {}
    void fire() {
        fired_ = true;
        timer_.cancel();
    }
    bool fired() const { return fired_; }
    asio::awaitable<bool> wait(Micros timeout_us);  // true once fired, false on timeout

private:
    asio::steady_timer timer_;
    bool fired_ = false;
};

asio::awaitable<void> sleep_us(Micros us);

// Percentiles of a sample set (microseconds); sorts in place.
struct Samples {
    std::vector<Micros> v;
    void add(Micros x) { v.push_back(x); }
    double percentile(double p);  // in milliseconds; 0 when empty
    std::size_t size() const { return v.size(); }
};

}  // namespace bench
