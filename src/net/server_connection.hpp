#pragma once
// Internal to src/net (includes Beast): state shared between HttpServer and its
// per-connection coroutines. Not for use outside the net layer.
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <atomic>
#include <list>
#include <memory>
#include <optional>
#include <pthread.h>
#include <thread>

#include "net/http_server.hpp"

namespace carebridge::net::detail {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;

using Clock = std::chrono::steady_clock;

// What stop() and the lane's timeout sweep need to reach in a live connection.
struct ConnectionHandle {
    beast::tcp_stream* stream = nullptr;
    asio::steady_timer* parked = nullptr;  // set while waiting for the handler's response
    // The connection is closed once this has passed (by its lane's sweep, a few times per
    // shortest timeout). Setting it is a store: a Beast stream timer per read and write cost
    // the I/O thread a timer-queue update and a cancelled wait each, on every request.
    Clock::time_point deadline = Clock::time_point::max();
    void expire_in(std::chrono::milliseconds d) { deadline = Clock::now() + d; }
    void expire_never() { deadline = Clock::time_point::max(); }
};

class ConnectionRegistry {
public:
    using Entry = std::list<ConnectionHandle>::iterator;
    Entry add(beast::tcp_stream& stream) { return list_.insert(list_.end(), {&stream, nullptr}); }
    void remove(Entry e) { list_.erase(e); }
    bool empty() const { return list_.empty(); }
    void close_all();
    // Closes the connections whose deadline has passed (their coroutines see the operation
    // aborted and end, as on Beast's timeout).
    void close_expired(Clock::time_point now);

private:
    std::list<ConnectionHandle> list_;
};

// Where connections are served: an I/O thread of the server's own (reads, parses, writes,
// hands each request to the handler's thread and takes the answer back), or, with
// io_threads = 0, the handler's own io_context. Everything in a lane, its registry included,
// is touched only by the thread that runs it. Connection frames hold the registry, not the
// lane: the lane's context destroys them, so they must not keep it alive.
struct Lane {
    explicit Lane(asio::io_context& handler_context) : ioc(&handler_context), sweep_timer(*ioc) {}  // no thread
    Lane() : owned(std::make_unique<asio::io_context>(1)), ioc(owned.get()), sweep_timer(*ioc) {
        work.emplace(ioc->get_executor());
    }
    ~Lane() {
        join();
        *alive = nullptr;  // a sweep already queued on a context that goes on (no thread) ends there
    }
    Lane(const Lane&) = delete;
    Lane& operator=(const Lane&) = delete;

    bool threaded() const { return owned != nullptr; }
    void start() {
        thread = std::thread([this] { ioc->run(); });
        // Named before start() returns (what `top -H`, the bench and the tests see).
        pthread_setname_np(thread.native_handle(), "cb-http-io");
    }
    // Runs f on the lane's thread (at once when the lane is the caller's own context).
    template <class F>
    void run_in(F f) {
        if (threaded()) asio::post(*ioc, std::move(f));
        else f();
    }
    // The server is going: close what is open (peers see it at once), stop, wait for the
    // thread. Frames left unfinished are destroyed with the context.
    void join() {
        if (!thread.joinable()) return;
        work.reset();
        asio::post(*ioc, [this] {
            registry->close_all();
            ioc->stop();
        });
        thread.join();
    }

    // Enforces the connections' deadlines every `period` while the lane has connections (an
    // idle server does not wake up). Called on the lane's thread when a connection arrives.
    void watch(std::chrono::milliseconds period) {
        if (sweeping) return;
        sweeping = true;
        sweep_timer.expires_after(period);
        sweep_timer.async_wait([alive = alive, period](boost::system::error_code ec) {
            Lane* self = *alive;
            if (ec || self == nullptr) return;
            self->sweeping = false;
            self->registry->close_expired(Clock::now());
            if (!self->registry->empty()) self->watch(period);
        });
    }

    std::shared_ptr<ConnectionRegistry> registry = std::make_shared<ConnectionRegistry>();
    std::unique_ptr<asio::io_context> owned;
    asio::io_context* ioc;
    asio::steady_timer sweep_timer;  // destroyed before `owned`, whose thread is joined by then
    std::shared_ptr<Lane*> alive = std::make_shared<Lane*>(this);
    bool sweeping = false;
    std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;
    std::thread thread;
};

struct ServerState {
    ServerState(asio::io_context& h, ServerOptions o, Handler hd)
        : handler_context(h), options(std::move(o)), handler(std::move(hd)) {}
    asio::io_context& handler_context;  // the handler runs there, and only there
    ServerOptions options;
    Handler handler;
    std::unique_ptr<asio::ssl::context> tls;  // set: every connection is HTTPS
    // Shared by the lanes and the handler's thread.
    std::atomic<std::size_t> active = 0;  // connections being served (not the ones rejected with 503)
    std::atomic<std::size_t> in_progress = 0;  // requests read and not yet written (graceful shutdown)
    std::atomic<bool> stopped = false;
    std::atomic<bool> accepting = true;  // false after stop_accepting()
};

// How often a lane looks for connections past their deadline: a quarter of the shortest
// timeout, so one fires at most a quarter late, within [10 ms, 1 s].
std::chrono::milliseconds sweep_period(const ServerOptions& options);

// Serves requests on one accepted socket (of `lane`) until it closes, times out or the server
// stops.
asio::awaitable<void> serve_connection(std::shared_ptr<ServerState> state, std::weak_ptr<Lane> lane,
                                       std::shared_ptr<ConnectionRegistry> registry, tcp::socket socket);
// Answers 503 and closes: used beyond max_connections.
asio::awaitable<void> reject_connection(std::shared_ptr<ServerState> state, std::weak_ptr<Lane> lane,
                                        std::shared_ptr<ConnectionRegistry> registry, tcp::socket socket);

}  // namespace carebridge::net::detail
