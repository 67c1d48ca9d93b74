#pragma once
// HTTP/1.1 server: one coroutine per connection, keep-alive, size and time limits; the
// connections on I/O threads of their own or on the handler's io_context.
// Beast/Asio stay inside http_server.cpp.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "net/http_types.hpp"

namespace boost::asio {
class io_context;
}

namespace carebridge::net {

struct ServerOptions {
    std::string address = "127.0.0.1";
    std::uint16_t port = 0;  // 0: pick a free port
    std::size_t header_limit = 16 * 1024;
    std::size_t body_limit = 256 * 1024;
    std::chrono::milliseconds header_timeout{10'000};  // time to read a request's header
    std::chrono::milliseconds idle_timeout{60'000};    // keep-alive idle time
    std::size_t max_connections = 50'000;
    // Threads of the server's own that read, parse and write (each connection stays on one);
    // the handler still runs only on the io_context the server was given. 0: everything on
    // that io_context.
    std::size_t io_threads = 0;
    // HTTPS when both are set: PEM certificate chain and private key, loaded by start().
    std::string tls_cert_file;
    std::string tls_key_file;
};

class HttpServer {
public:
    HttpServer(boost::asio::io_context& ioc, ServerOptions options, Handler handler);
    ~HttpServer();
    HttpServer(const HttpServer&) = delete;
    HttpServer& operator=(const HttpServer&) = delete;

    // Binds and starts accepting; returns the bound port. Throws on bind failure or when the
    // TLS certificate or key cannot be loaded.
    std::uint16_t start();
    // Stops accepting and closes idle connections.
    void stop();
    // Graceful shutdown: closes the listening socket only; live connections go on.
    void stop_accepting();
    // Requests read and not yet fully answered (written), across all connections.
    std::size_t requests_in_progress() const;

private:
    struct Impl;
    std::shared_ptr<Impl> impl_;
};

}  // namespace carebridge::net
