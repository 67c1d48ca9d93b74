#pragma once
// A BOSH (XEP-0124/0206) client session for the ejabberd baseline: what a browser's BOSH
// library does. ejabberd 23.01 holds one request per session (hold = 1), so a session has at
// most two requests in flight, each on its own keep-alive connection: one parked (the
// long-poll) and one carrying stanzas. Requests go in rid order, the second only once the
// first is on the wire and `gap` later (a second request that overtakes the first can hang
// the session in ejabberd: processone/ejabberd#2277, #3068). Answers are handled in rid order.
#include <boost/asio/steady_timer.hpp>

#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <string>

#include "core.hpp"
#include "http.hpp"
#include "xml.hpp"

namespace bench {

struct BoshConfig {
    std::string path = "/bosh";
    std::string domain = "localhost";
    int wait = 30;     // seconds ejabberd may park a request
    Micros gap = 2000;  // µs between a session's first and second request
};

// Counters shared by all sessions.
struct BoshStats {
    std::uint64_t requests = 0, answers = 0, stanzas = 0;
    std::uint64_t stuck = 0;       // a request unanswered after wait + 10 s
    std::uint64_t terminated = 0;  // ended by the server (type='terminate') or a transport error
    std::map<std::string, std::uint64_t> errors;
};

class BoshSession {
public:
    using Handler = std::function<void(const XmlNode& stanza, Micros arrival)>;
    BoshSession(asio::io_context& ioc, const Target& target, const BoshConfig& config, BoshStats& stats);
    BoshSession(const BoshSession&) = delete;
    BoshSession& operator=(const BoshSession&) = delete;

    // The session creation request; the stream features it may carry go to the inbox.
    asio::awaitable<bool> create();
    // Queues a stanza (serialized XML); it goes with the next request.
    void send(std::string stanza);
    // The next request restarts the stream (after SASL success).
    void restart();
    // Set-up: the next stanza received (when no handler is set), nullopt on timeout or death.
    asio::awaitable<std::optional<XmlNode>> next(Micros timeout_us);
    // Once set, stanzas go to the handler instead of the inbox.
    Handler handler;
    // Idle sessions: close the connection with no request on it (a browser's idle keep-alive).
    void close_idle();
    void close();
    bool dead() const { return dead_; }
    const std::string& error() const { return error_; }

private:
    void kick();  // sends a request if one is due
    void post_kick();
    asio::awaitable<void> exchange(int slot, std::uint64_t rid, std::string body);
    void fail(const std::string& why);
    void deliver(std::uint64_t rid, std::vector<XmlNode> stanzas, Micros arrival);
    std::string wrap(const std::string& payload, bool restart) const;

    const Target& target_;
    const BoshConfig& config_;
    BoshStats& stats_;
    Conn conns_[2];
    bool busy_[2] = {false, false};
    int outstanding_ = 0;
    bool written_ = true;  // the last request is on the wire
    Micros written_at_ = 0;
    asio::steady_timer gap_timer_, inbox_timer_;
    bool gap_armed_ = false;
    std::string sid_;
    std::uint64_t rid_ = 0;            // the last rid sent
    std::uint64_t next_deliver_ = 0;   // answers are handled in rid order
    std::map<std::uint64_t, std::vector<XmlNode>> answered_;
    std::string queue_;
    bool restart_ = false;
    std::deque<XmlNode> inbox_;
    bool dead_ = false, closing_ = false;
    std::string error_;
};

}  // namespace bench
