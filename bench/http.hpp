#pragma once
// HTTP/1.1 for the load generator: keep-alive client connections to the platform and the
// Service Application's callback receiver. Beast stays inside http.cpp (slow to compile).
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace bench {

namespace asio = boost::asio;
using Headers = std::vector<std::pair<std::string, std::string>>;

struct Reply {
    int status = 0;     // 0: no response (transport error, see error)
    std::string body;
    Headers headers;
    std::string error;
    std::string_view header(std::string_view name) const;  // case-insensitive, "" if absent
};

// Where the platform listens, and what goes in the Host header.
struct Target {
    asio::ip::tcp::endpoint endpoint;
    std::string host;  // "127.0.0.1:8080"
};
// Parses "http://ip-or-localhost:port"; throws std::invalid_argument.
Target parse_target(const std::string& url);
// "http://host:port/a?b" -> "/a?b"; a host-relative href is returned as is.
std::string_view request_target(std::string_view href);

// One keep-alive connection; one request at a time. It is never retried: a failed request is
// reported, so a POST is never sent twice behind the caller's back.
class Conn {
public:
    Conn(asio::io_context& ioc, const Target& target);
    ~Conn();
    Conn(const Conn&) = delete;
    Conn& operator=(const Conn&) = delete;
    // on_written (if set) runs once the request is on the wire, before its answer (BOSH sends
    // a session's requests in order: the next one only after this one was written).
    asio::awaitable<Reply> request(std::string_view method, std::string_view target,
                                   const Headers& headers, std::string_view body,
                                   std::chrono::milliseconds timeout,
                                   std::function<void()> on_written = {});
    void close();
    bool is_open() const;
    std::chrono::steady_clock::time_point last_used() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// A client's connections: a free one is reused, else one more is opened (a browser or a
// Service Application with several requests in flight). A connection idle for longer than
// kReuseLimit is closed rather than reused: the server may have timed it out meanwhile
// (the platform's keep-alive idle timeout is 60 s), and a request on it would fail.
class Pool {
public:
    Pool(asio::io_context& ioc, const Target& target) : ioc_(ioc), target_(target) {}
    asio::awaitable<Reply> request(std::string_view method, std::string_view target,
                                   const Headers& headers, std::string_view body,
                                   std::chrono::milliseconds timeout = std::chrono::seconds(30));
    void close();  // closes the idle connections
    std::size_t opened() const { return opened_; }

private:
    asio::io_context& ioc_;
    const Target& target_;
    std::vector<std::unique_ptr<Conn>> idle_;
    std::size_t opened_ = 0;
};

// The callback endpoint: answers every POST 200 with an empty body, after handing the body
// to the handler (on the io thread).
class CallbackServer {
public:
    using Handler = std::function<void(std::string_view target, std::string_view body)>;
    CallbackServer(asio::io_context& ioc, const asio::ip::tcp::endpoint& listen, Handler handler);
    ~CallbackServer();
    CallbackServer(const CallbackServer&) = delete;
    CallbackServer& operator=(const CallbackServer&) = delete;
    void stop();
    std::uint64_t requests() const;
    std::uint64_t connections() const;  // accepted so far
    struct Impl;  // shared with the connections' coroutines

private:
    std::shared_ptr<Impl> impl_;
};

}  // namespace bench
