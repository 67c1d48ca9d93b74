#include "net/http_server.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <algorithm>
#include <iostream>
#include <stdexcept>

#include "net/server_connection.hpp"

namespace carebridge::net {

using namespace detail;

struct HttpServer::Impl {
    Impl(asio::io_context& io, ServerOptions options, Handler handler)
        : ioc(io),
          state(std::make_shared<ServerState>(io, std::move(options), std::move(handler))),
          acceptor(io) {
        const std::size_t threads = state->options.io_threads;
        if (threads == 0) lanes.push_back(std::make_shared<Lane>(io));
        for (std::size_t i = 0; i < threads; ++i) lanes.push_back(std::make_shared<Lane>());
    }

    asio::io_context& ioc;  // the handler's; the acceptor runs there too
    std::shared_ptr<ServerState> state;
    tcp::acceptor acceptor;
    std::vector<std::shared_ptr<Lane>> lanes;
    std::size_t next_lane = 0;  // connections are spread over the lanes in turn
    bool started = false;

    // Static with the owner passed in: a member coroutine would hold a raw `this`.
    static asio::awaitable<void> accept_loop(std::shared_ptr<Impl> self);
};

void detail::ConnectionRegistry::close_all() {
    // Completions are queued, not run inline, so the list is stable while we walk it.
    for (auto& handle : list_) {
        handle.stream->close();
        if (handle.parked) handle.parked->cancel();
    }
}

void detail::ConnectionRegistry::close_expired(Clock::time_point now) {
    for (auto& handle : list_)
        if (handle.deadline <= now) {
            handle.deadline = Clock::time_point::max();
            handle.stream->close();  // completions are queued: the list is stable here too
        }
}

std::chrono::milliseconds detail::sweep_period(const ServerOptions& options) {
    using std::chrono::milliseconds;
    return std::clamp(std::min(options.header_timeout, options.idle_timeout) / 4, milliseconds(10), milliseconds(1000));
}

namespace {

void log_failure(std::exception_ptr e) {
    if (!e) return;
    try {
        std::rethrow_exception(e);
    } catch (const std::exception& ex) {
        std::cerr << "carebridge net: server task failed: " << ex.what() << '\n';
    } catch (...) {
        std::cerr << "carebridge net: server task failed\n";
    }
}

}  // namespace

asio::awaitable<void> HttpServer::Impl::accept_loop(std::shared_ptr<Impl> self) {
    auto& acceptor = self->acceptor;  // kept alive by self while the loop runs
    auto& state = self->state;
    asio::steady_timer backoff(self->ioc);
    while (!state->stopped && state->accepting) {
        const auto& lane = self->lanes[self->next_lane++ % self->lanes.size()];
        auto [ec, socket] = co_await acceptor.async_accept(asio::any_io_executor(lane->ioc->get_executor()),
                                                           asio::as_tuple(asio::use_awaitable));
        if (state->stopped || !state->accepting) break;
        if (ec) {
            // E.g. EMFILE: back off briefly instead of spinning on the error.
            std::cerr << "carebridge net: accept failed: " << ec.message() << '\n';
            backoff.expires_after(std::chrono::milliseconds(100));
            co_await backoff.async_wait(asio::as_tuple(asio::use_awaitable));
            continue;
        }
        bool over_limit = state->active >= state->options.max_connections;
        asio::co_spawn(*lane->ioc,
                       over_limit ? reject_connection(state, lane, lane->registry, std::move(socket))
                                  : serve_connection(state, lane, lane->registry, std::move(socket)),
                       log_failure);
    }
}

HttpServer::HttpServer(asio::io_context& ioc, ServerOptions options, Handler handler)
    : impl_(std::make_shared<Impl>(ioc, std::move(options), std::move(handler))) {}

HttpServer::~HttpServer() {
    stop();
    // Now, not when the last owner of the state lets go (the accept loop's frame may hold it
    // until the handler's io_context is destroyed): a lane still running then could post a
    // request into a context being destroyed.
    for (auto& lane : impl_->lanes) lane->join();
}

std::uint16_t HttpServer::start() {
    auto& impl = *impl_;
    const auto& options = impl.state->options;
    if (impl.started || impl.state->stopped) throw std::logic_error("http server: start() called twice");
    const auto where = options.address + " port " + std::to_string(options.port);
    boost::system::error_code ec;
    auto address = asio::ip::make_address(options.address, ec);
    if (ec) throw std::runtime_error("http server: invalid listen address '" + options.address + "'");
    tcp::endpoint endpoint(address, options.port);
    auto fail = [&](const char* step) {
        boost::system::error_code ignored;
        impl.acceptor.close(ignored);
        throw std::runtime_error("http server: cannot " + std::string(step) + " " + where + ": " +
                                 ec.message());
    };
    // The error_code overloads return void when BOOST_ASIO_NO_DEPRECATED is set.
    impl.acceptor.open(endpoint.protocol(), ec);
    if (ec) fail("open a socket for");
    impl.acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
    if (ec) fail("configure");
    impl.acceptor.bind(endpoint, ec);
    if (ec) fail("bind");
    impl.acceptor.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) fail("listen on");
    auto port = impl.acceptor.local_endpoint(ec).port();
    if (ec) fail("query the port of");
    if (!options.tls_cert_file.empty() || !options.tls_key_file.empty()) {
        auto tls = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_server);
        // TLS 1.2 and later only; the context's defaults choose the cipher suites.
        tls->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                         asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                         asio::ssl::context::no_tlsv1_1 | asio::ssl::context::single_dh_use);
        tls->use_certificate_chain_file(options.tls_cert_file, ec);
        if (ec) fail(("load the TLS certificate " + options.tls_cert_file + " for").c_str());
        tls->use_private_key_file(options.tls_key_file, asio::ssl::context::pem, ec);
        if (ec) fail(("load the TLS key " + options.tls_key_file + " for").c_str());
        impl.state->tls = std::move(tls);
    }
    impl.started = true;
    for (auto& lane : impl.lanes)
        if (lane->threaded()) lane->start();
    asio::co_spawn(impl.ioc, Impl::accept_loop(impl_), log_failure);
    return port;
}

void HttpServer::stop_accepting() {
    auto& impl = *impl_;
    if (!impl.state->accepting) return;
    impl.state->accepting = false;
    boost::system::error_code ignored;
    impl.acceptor.close(ignored);
}

std::size_t HttpServer::requests_in_progress() const { return impl_->state->in_progress; }

void HttpServer::stop() {
    auto& impl = *impl_;
    if (impl.state->stopped) return;
    impl.state->stopped = true;
    boost::system::error_code ignored;
    impl.acceptor.close(ignored);
    for (auto& lane : impl.lanes) lane->run_in([registry = lane->registry] { registry->close_all(); });
}

}  // namespace carebridge::net
