#include "http.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>

#include <charconv>
#include <iostream>
#include <list>
#include <stdexcept>

namespace bench {

namespace beast = boost::beast;
namespace http = beast::http;
using asio::ip::tcp;
using asio::as_tuple;
using asio::use_awaitable;

namespace {
bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i])))
            return false;
    return true;
}
constexpr std::uint64_t kBodyLimit = 64 * 1024 * 1024;
}  // namespace

std::string_view Reply::header(std::string_view name) const {
    for (const auto& [k, v] : headers)
        if (iequals(k, name)) return v;
    return {};
}

Target parse_target(const std::string& url) {
    const std::string_view prefix = "http://";
    if (url.rfind(prefix, 0) != 0) throw std::invalid_argument("--url must start with http://: " + url);
    std::string authority = url.substr(prefix.size());
    authority = authority.substr(0, authority.find('/'));
    const auto colon = authority.rfind(':');
    if (colon == std::string::npos) throw std::invalid_argument("--url needs a port: " + url);
    std::string host = authority.substr(0, colon);
    if (host == "localhost") host = "127.0.0.1";
    if (host.size() > 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
    unsigned port = 0;
    const std::string ports = authority.substr(colon + 1);
    auto [p, ec] = std::from_chars(ports.data(), ports.data() + ports.size(), port);
    if (ec != std::errc{} || p != ports.data() + ports.size() || port == 0 || port > 65535)
        throw std::invalid_argument("bad port in " + url);
    boost::system::error_code aec;
    auto address = asio::ip::make_address(host, aec);
    if (aec) throw std::invalid_argument("--url host must be an IP address or localhost: " + url);
    return Target{tcp::endpoint(address, static_cast<unsigned short>(port)), authority};
}

std::string_view request_target(std::string_view href) {
    const auto scheme = href.find("://");
    if (scheme == std::string_view::npos || scheme > 8) return href;
    const auto path = href.find('/', scheme + 3);
    return path == std::string_view::npos ? std::string_view("/") : href.substr(path);
}

// ---- client --------------------------------------------------------------------------

struct Conn::Impl {
    Impl(asio::io_context& ioc, const Target& t) : stream(ioc), target(t) {}
    beast::tcp_stream stream;
    beast::flat_buffer buffer;
    const Target& target;
    bool open = false;
    std::chrono::steady_clock::time_point last_used;
};

namespace {
constexpr auto kReuseLimit = std::chrono::seconds(30);
}

Conn::Conn(asio::io_context& ioc, const Target& target) : impl_(std::make_unique<Impl>(ioc, target)) {}
Conn::~Conn() = default;

bool Conn::is_open() const { return impl_->open; }
std::chrono::steady_clock::time_point Conn::last_used() const { return impl_->last_used; }

void Conn::close() {
    boost::system::error_code ignored;
    impl_->stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
    impl_->stream.close();
    impl_->open = false;
}

asio::awaitable<Reply> Conn::request(std::string_view method, std::string_view target,
                                     const Headers& headers, std::string_view body,
                                     std::chrono::milliseconds timeout, std::function<void()> on_written) {
    Impl& c = *impl_;
    Reply reply;
    auto fail = [&](const char* step, const boost::system::error_code& ec) {
        reply.error = std::string(step) + ": " + ec.message();
        close();
    };
    c.stream.expires_after(timeout);
    if (!c.open) {
        c.buffer.clear();
        auto [ec] = co_await c.stream.async_connect(c.target.endpoint, as_tuple(use_awaitable));
        if (ec) {
            fail("connect", ec);
            co_return reply;
        }
        c.open = true;
        c.stream.socket().set_option(tcp::no_delay(true));
    }
    http::request<http::string_body> req{http::string_to_verb(method), target, 11};
    req.set(http::field::host, c.target.host);
    for (const auto& [k, v] : headers) req.set(k, v);
    if (!body.empty() || method == "POST") req.body() = std::string(body);
    req.prepare_payload();
    auto [wec, wn] = co_await http::async_write(c.stream, req, as_tuple(use_awaitable));
    if (wec) {
        fail("write", wec);
        co_return reply;
    }
    if (on_written) on_written();
    http::response_parser<http::string_body> parser;
    parser.body_limit(kBodyLimit);
    auto [rec, rn] = co_await http::async_read(c.stream, c.buffer, parser, as_tuple(use_awaitable));
    if (rec) {
        fail("read", rec);
        co_return reply;
    }
    c.stream.expires_never();
    c.last_used = std::chrono::steady_clock::now();
    auto& res = parser.get();
    reply.status = static_cast<int>(res.result_int());
    for (const auto& f : res) reply.headers.emplace_back(f.name_string(), f.value());
    reply.body = std::move(res.body());
    if (!res.keep_alive()) close();
    co_return reply;
}

asio::awaitable<Reply> Pool::request(std::string_view method, std::string_view target,
                                     const Headers& headers, std::string_view body,
                                     std::chrono::milliseconds timeout) {
    std::unique_ptr<Conn> conn;
    // Connections go back in the order they finish, so the stale ones are at the front.
    const auto now = std::chrono::steady_clock::now();
    auto fresh = idle_.begin();
    while (fresh != idle_.end() && now - (*fresh)->last_used() > kReuseLimit) (*fresh++)->close();
    idle_.erase(idle_.begin(), fresh);
    if (!idle_.empty()) {
        conn = std::move(idle_.back());
        idle_.pop_back();
    } else {
        conn = std::make_unique<Conn>(ioc_, target_);
        ++opened_;
    }
    Reply r = co_await conn->request(method, target, headers, body, timeout);
    if (conn->is_open()) idle_.push_back(std::move(conn));
    co_return r;
}

void Pool::close() {
    for (auto& c : idle_) c->close();
    idle_.clear();
}

// ---- callback receiver -------------------------------------------------------------

struct CallbackServer::Impl {
    Impl(asio::io_context& ioc, Handler h) : acceptor(ioc), handler(std::move(h)) {}
    tcp::acceptor acceptor;
    Handler handler;
    std::list<beast::tcp_stream*> live;
    std::uint64_t requests = 0, connections = 0;
    bool stopped = false;
};

namespace {

asio::awaitable<void> serve(std::shared_ptr<CallbackServer::Impl> s, tcp::socket socket) {
    beast::tcp_stream stream(std::move(socket));
    auto it = s->live.insert(s->live.end(), &stream);
    boost::system::error_code ignored;
    stream.socket().set_option(tcp::no_delay(true), ignored);
    beast::flat_buffer buffer;
    http::response<http::string_body> ok{http::status::ok, 11};
    ok.set(http::field::server, "carebridge-bench");
    ok.prepare_payload();
    while (!s->stopped) {
        http::request_parser<http::string_body> parser;
        parser.body_limit(kBodyLimit);
        auto [ec, n] = co_await http::async_read(stream, buffer, parser, as_tuple(use_awaitable));
        if (ec) break;
        ++s->requests;
        auto& req = parser.get();
        s->handler(req.target(), req.body());
        ok.keep_alive(req.keep_alive());
        auto [wec, wn] = co_await http::async_write(stream, ok, as_tuple(use_awaitable));
        if (wec || !req.keep_alive()) break;
    }
    s->live.erase(it);
    stream.close();
}

asio::awaitable<void> accept_loop(std::shared_ptr<CallbackServer::Impl> s) {
    while (!s->stopped) {
        auto [ec, socket] = co_await s->acceptor.async_accept(as_tuple(use_awaitable));
        if (ec) {
            if (s->stopped || ec == asio::error::operation_aborted) break;
            continue;  // EMFILE and friends: keep serving the connections we have
        }
        ++s->connections;
        asio::co_spawn(s->acceptor.get_executor(), serve(s, std::move(socket)), asio::detached);
    }
}

}  // namespace

CallbackServer::CallbackServer(asio::io_context& ioc, const tcp::endpoint& listen, Handler handler)
    : impl_(std::make_shared<Impl>(ioc, std::move(handler))) {
    impl_->acceptor.open(listen.protocol());
    impl_->acceptor.set_option(tcp::acceptor::reuse_address(true));
    impl_->acceptor.bind(listen);
    impl_->acceptor.listen(asio::socket_base::max_listen_connections);
    asio::co_spawn(ioc, accept_loop(impl_), asio::detached);
}

CallbackServer::~CallbackServer() { stop(); }

void CallbackServer::stop() {
    if (impl_->stopped) return;
    impl_->stopped = true;
    boost::system::error_code ignored;
    impl_->acceptor.close(ignored);
    for (auto* s : impl_->live) s->socket().close(ignored);
}

std::uint64_t CallbackServer::requests() const { return impl_->requests; }
std::uint64_t CallbackServer::connections() const { return impl_->connections; }

}  // namespace bench
