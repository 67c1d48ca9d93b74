#include "net/client_connection.hpp"

#include <openssl/ssl.h>
#include <sys/socket.h>

#include <array>
#include <cerrno>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/url/parse.hpp>
#include <vector>

#include "net/response_parser.hpp"

namespace carebridge::net::detail {

namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using asio::as_tuple;
using asio::use_awaitable;

namespace {

std::string describe(const boost::system::error_code& ec, std::string_view step,
                     SteadyClock::time_point deadline) {
    if (ec == beast::error::timeout || (ec == asio::error::operation_aborted && SteadyClock::now() >= deadline))
        return "timeout";
    return std::string(step) + ": " + ec.message();
}

template <class Stream>
asio::awaitable<Outcome> exchange_on(Stream& stream, Connection& conn, const ClientRequest& req,
                                     SteadyClock::time_point deadline) {
    Outcome out;
    conn.tcp().expires_at(deadline);
    const std::array<asio::const_buffer, 2> wire{asio::buffer(req.head), asio::buffer(req.body)};
    auto [wec, wn] = co_await asio::async_write(stream, wire, as_tuple(use_awaitable));
    if (wec) {
        out.error = describe(wec, "write", deadline);
        co_return out;
    }
    ResponseParser parser;
    parser.header_limit(64 * 1024);
    parser.body_limit(64 * 1024 * 1024);
    if (req.head_method) parser.skip(true);
    conn.tcp().expires_at(deadline);
    auto [rec, rn] = co_await http::async_read(stream, conn.buffer, parser, as_tuple(use_awaitable));
    out.got_response_bytes = parser.got_some() || conn.buffer.size() != 0;
    if (rec) {
        out.error = describe(rec, "read", deadline);
        co_return out;
    }
    conn.tcp().expires_never();
    out.result = std::move(parser.result());
    // Only a cleanly framed keep-alive response leaves the connection reusable.
    out.reusable = parser.keep_alive() && conn.buffer.size() == 0;
    co_return out;
}

}  // namespace

std::optional<Target> parse_target(std::string_view url, std::string& error) {
    auto parsed = boost::urls::parse_absolute_uri(url);
    if (!parsed) {
        error = "invalid url: " + parsed.error().message();
        return std::nullopt;
    }
    const auto& u = *parsed;
    Target t;
    if (u.scheme_id() == boost::urls::scheme::https) {
        t.secure = true;
    } else if (u.scheme_id() != boost::urls::scheme::http) {
        error = "invalid url: scheme must be http or https";
        return std::nullopt;
    }
    t.host = u.host_address();
    if (t.host.empty()) {
        error = "invalid url: missing host";
        return std::nullopt;
    }
    t.port = u.has_port() && !u.port().empty() ? std::string(u.port()) : (t.secure ? "443" : "80");
    t.host_header = u.encoded_host_and_port();
    t.path = u.encoded_target();
    if (t.path.empty() || t.path.front() != '/') t.path.insert(0, "/");
    t.origin = std::string(t.secure ? "https://" : "http://") + t.host + ":" + t.port;
    return t;
}



bool Connection::looks_alive(SteadyClock::time_point now) {
    auto& socket = tcp().socket();
    if (!socket.is_open() || buffer.size() != 0) return false;
    if (now - idle_since < kTrustedIdle) return true;
    // A non-blocking peek: "would block" means open and quiet; EOF or data means unusable.
    // One recv with MSG_DONTWAIT: toggling the socket's mode instead costs three more
    // syscalls on every reuse (one callback per message under load).
    char byte;
    const auto n = ::recv(socket.native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

asio::awaitable<ConnectionPtr> open_connection(const Target& t, ssl::context* tls,
                                               const AddressPolicy* policy,
                                               SteadyClock::time_point deadline, std::string& error) {
    auto ex = co_await asio::this_coro::executor;
    // The resolver has no deadline of its own: a watchdog timer cancels it.
    auto resolver = std::make_shared<tcp::resolver>(ex);
    asio::steady_timer watchdog(ex, deadline);
    watchdog.async_wait([resolver](boost::system::error_code ec) {
        if (!ec) resolver->cancel();
    });
    auto [rec, endpoints] = co_await resolver->async_resolve(t.host, t.port, as_tuple(use_awaitable));
    watchdog.cancel();
    if (rec) {
        error = describe(rec, "resolve " + t.host, deadline);
        co_return nullptr;
    }
    // Judge the addresses we will actually connect to, not the name (DNS rebinding).
    std::vector<tcp::endpoint> allowed;
    for (const auto& entry : endpoints) {
        auto address = entry.endpoint().address();
        if (address.is_v6() && address.to_v6().is_v4_mapped())
            address = asio::ip::make_address_v4(asio::ip::v4_mapped, address.to_v6());
        if (!policy || policy->allows(address.to_string())) allowed.push_back(entry.endpoint());
    }
    if (allowed.empty()) {
        error = "refused: " + t.host + " resolves only to addresses callbacks may not reach";
        co_return nullptr;
    }
    auto conn = std::make_shared<Connection>();
    if (tls) {
        conn->tls.emplace(ex, *tls);
        boost::system::error_code not_ip;
        asio::ip::make_address(t.host, not_ip);
        // SNI is for names only; host_name_verification also handles IP literals.
        if (not_ip && !SSL_set_tlsext_host_name(conn->tls->native_handle(), t.host.c_str())) {
            error = "tls: cannot set server name";
            co_return nullptr;
        }
        conn->tls->set_verify_callback(ssl::host_name_verification(t.host));
    } else {
        conn->plain.emplace(ex);
    }
    conn->tcp().expires_at(deadline);
    auto [cec, ep] = co_await conn->tcp().async_connect(allowed, as_tuple(use_awaitable));
    if (cec) {
        error = describe(cec, "connect " + t.host + ":" + t.port, deadline);
        co_return nullptr;
    }
    boost::system::error_code ignored;
    conn->tcp().socket().set_option(tcp::no_delay(true), ignored);
    if (conn->tls) {
        conn->tcp().expires_at(deadline);
        auto [hec] = co_await conn->tls->async_handshake(ssl::stream_base::client, as_tuple(use_awaitable));
        if (hec) {
            error = describe(hec, "tls handshake", deadline);
            conn->close();
            co_return nullptr;
        }
    }
    conn->tcp().expires_never();
    co_return conn;
}

asio::awaitable<Outcome> exchange(Connection& conn, const ClientRequest& req,
                                  SteadyClock::time_point deadline) {
    if (conn.tls) co_return co_await exchange_on(*conn.tls, conn, req, deadline);
    co_return co_await exchange_on(*conn.plain, conn, req, deadline);
}

}  // namespace carebridge::net::detail
