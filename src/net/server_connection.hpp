#pragma once
// Internal to src/net (includes Beast): state shared between HttpServer and its
// per-connection coroutines. Not for use outside the net layer.
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <list>
#include <memory>

#include "net/http_server.hpp"

namespace carebridge::net::detail {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;

// What stop() needs to reach in a live connection.
struct ConnectionHandle {
    beast::tcp_stream* stream = nullptr;
    asio::steady_timer* parked = nullptr;  // set while waiting for the handler's response
};

class ConnectionRegistry {
public:
    using Entry = std::list<ConnectionHandle>::iterator;
    Entry add(beast::tcp_stream& stream) { return list_.insert(list_.end(), {&stream, nullptr}); }
    void remove(Entry e) { list_.erase(e); }
    void close_all();

private:
    std::list<ConnectionHandle> list_;
};

struct ServerState {
    ServerState(ServerOptions o, Handler h) : options(std::move(o)), handler(std::move(h)) {}
    ServerOptions options;
    Handler handler;
    std::unique_ptr<asio::ssl::context> tls;  // set: every connection is HTTPS
    ConnectionRegistry registry;
    std::size_t active = 0;  // connections being served (not the ones rejected with 503)
    std::size_t in_progress = 0;  // requests read and not yet written (graceful shutdown)
    bool stopped = false;
    bool accepting = true;  // false after stop_accepting()
};

// Serves requests on one accepted socket until it closes, times out or the server stops.
asio::awaitable<void> serve_connection(std::shared_ptr<ServerState> state, tcp::socket socket);
// Answers 503 and closes: used beyond max_connections.
asio::awaitable<void> reject_connection(std::shared_ptr<ServerState> state, tcp::socket socket);

}  // namespace carebridge::net::detail
