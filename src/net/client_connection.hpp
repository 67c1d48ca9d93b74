#pragma once
// Internal to src/net (includes Beast): one outbound connection and one request/response
// exchange on it, used by HttpClient. Not for use outside the net layer.
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "net/address_policy.hpp"
#include "net/http_client.hpp"

namespace carebridge::net::detail {

namespace asio = boost::asio;
namespace beast = boost::beast;
using SteadyClock = std::chrono::steady_clock;

// A request as its wire text, checked and built once (http_client.cpp build_request) and sent in
// one gather write: Beast's serializer over a fields container cost more per callback than the
// rest of sending it.
struct ClientRequest {
    std::string head;  // request line and header fields, through the empty line
    std::string body;
    bool head_method = false;  // HEAD: the response carries no body
};

struct Target {
    bool secure = false;
    std::string host;         // for resolving and TLS: decoded, no brackets
    std::string port;
    std::string host_header;  // as in the URL: brackets, explicit port
    std::string path;         // origin-form request target
    std::string origin;       // pool key: scheme, host, port
};

// Parses an absolute http(s) URL; on failure returns nullopt and sets error.
std::optional<Target> parse_target(std::string_view url, std::string& error);

struct Connection {
    std::optional<beast::tcp_stream> plain;
    std::optional<beast::ssl_stream<beast::tcp_stream>> tls;
    beast::flat_buffer buffer;
    SteadyClock::time_point idle_since;

    beast::tcp_stream& tcp() { return tls ? beast::get_lowest_layer(*tls) : *plain; }
    void close() { tcp().close(); }
    // False if a pooled socket was closed by the server or has stray bytes on it. One back in
    // the pool for less than kTrustedIdle is taken as open without asking the kernel (a peek
    // per callback under load): a server that closed it in that window costs one failed
    // attempt, which HttpClient retries at once on a fresh connection.
    static constexpr std::chrono::milliseconds kTrustedIdle{250};
    bool looks_alive(SteadyClock::time_point now);
};
using ConnectionPtr = std::shared_ptr<Connection>;

// Resolves and connects (and handshakes for https, with tls non-null) before the deadline;
// nullptr + error on failure. With a policy, only resolved addresses it allows are tried.
asio::awaitable<ConnectionPtr> open_connection(const Target& target, asio::ssl::context* tls,
                                               const AddressPolicy* policy,
                                               SteadyClock::time_point deadline, std::string& error);

struct Outcome {
    std::string error;                // empty when a full response arrived
    bool got_response_bytes = false;  // decides whether a failure may be retried
    bool reusable = false;            // the connection may go back to the pool
    ClientResult result;
};

// Writes req and reads the response on conn, before the deadline.
asio::awaitable<Outcome> exchange(Connection& conn, const ClientRequest& req,
                                  SteadyClock::time_point deadline);

}  // namespace carebridge::net::detail
