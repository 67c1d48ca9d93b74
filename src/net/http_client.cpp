// Outbound HTTP(S): one coroutine per request over a small keep-alive pool per origin.
#include "net/http_client.hpp"

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <iostream>
#include <optional>
#include <unordered_map>
#include <vector>

#include "net/client_connection.hpp"

namespace carebridge::net {

using namespace detail;

namespace {

// Callbacks go out one per conversation at a time, so a busy receiver sees many at once:
// closing all but a few after each burst cost a TCP handshake per callback under load.
constexpr std::size_t max_idle_per_origin = 256;
constexpr auto idle_ttl = std::chrono::seconds(30);

// RFC 9110 5.6.2: a field name (and a method) is a token.
bool is_token(std::string_view s) {
    static constexpr std::string_view extra = "!#$%&'*+-.^_`|~";
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               extra.find(c) != std::string_view::npos;
    });
}

// Builds the request, or returns an error message.
std::string build_request(ClientRequest& req, const Target& target, const std::string& method,
                          const HeaderList& headers, std::string body) {
    if (!is_token(method)) return "invalid method";
    std::string& head = req.head;
    head.reserve(64 + target.path.size() + target.host_header.size() + 48 * headers.size());
    head.append(method).append(" ").append(target.path).append(" HTTP/1.1\r\n");
    bool host = false, agent = false;
    for (const auto& [name, value] : headers) {
        if (!is_token(name) || !header_safe(value))
            return "invalid header: " + name;
        // Framing is ours: the body is always sent with a Content-Length.
        if (iequals(name, "Content-Length") || iequals(name, "Transfer-Encoding")) continue;
        host = host || iequals(name, "Host");
        agent = agent || iequals(name, "User-Agent");
        head.append(name).append(": ").append(value).append("\r\n");
    }
    if (!host) head.append("Host: ").append(target.host_header).append("\r\n");
    if (!agent) head.append("User-Agent: carebridge\r\n");
    head.append("Content-Length: ").append(std::to_string(body.size())).append("\r\n\r\n");
    req.body = std::move(body);
    req.head_method = method == "HEAD";
    return {};
}

void log_failure(std::exception_ptr e) {
    if (!e) return;
    try {
        std::rethrow_exception(e);
    } catch (const std::exception& ex) {
        std::cerr << "carebridge net: client callback threw: " << ex.what() << '\n';
    } catch (...) {
        std::cerr << "carebridge net: client callback threw\n";
    }
}

}  // namespace

struct HttpClient::Impl {
    explicit Impl(asio::io_context& io) : ioc(io) {}

    // Created on first https use: loading the system CA bundle costs ~100 ms.
    asio::ssl::context& tls_context() {
        if (!tls) {
            tls.emplace(asio::ssl::context::tls_client);
            boost::system::error_code ec;
            tls->set_default_verify_paths(ec);
            if (ec) std::cerr << "carebridge net: no default CA paths: " << ec.message() << '\n';
            tls->set_verify_mode(asio::ssl::verify_peer);
        }
        return *tls;
    }

    asio::io_context& ioc;
    std::optional<asio::ssl::context> tls;
    std::optional<AddressPolicy> policy;
    std::unordered_map<std::string, std::vector<ConnectionPtr>> idle;
    // Parsed URLs: callbacks go to the same few again and again (a parse and five strings each).
    std::unordered_map<std::string, std::shared_ptr<const Target>> targets;
    bool closed = false;
    SteadyClock::time_point next_sweep{};

    void sweep();
    std::shared_ptr<const Target> target_of(const std::string& url, std::string& error);
    ConnectionPtr take_idle(const std::string& origin);
    void give_back(const std::string& origin, ConnectionPtr conn);
    void close_all();
    asio::awaitable<ClientResult> perform(std::string method, std::string url, HeaderList headers,
                                          std::string body, std::chrono::milliseconds timeout);
    // Static with the owner passed in: a member coroutine would hold a raw `this`.
    static asio::awaitable<void> run(std::shared_ptr<Impl> self, std::string method, std::string url,
                                     HeaderList headers, std::string body,
                                     std::chrono::milliseconds timeout,
                                     std::function<void(ClientResult)> done);
};

// Idle connections expire lazily (on a send) rather than by timers, so the pool never
// keeps io_context::run() from returning; ~HttpClient closes whatever is left. At most once a
// second: the walk visits every idle connection (hundreds under load), on every callback it
// was a loop of hundreds per POST; a connection may outlive idle_ttl by that second.
void HttpClient::Impl::sweep() {
    auto now = SteadyClock::now();
    if (now < next_sweep) return;
    next_sweep = now + std::chrono::seconds(1);
    for (auto it = idle.begin(); it != idle.end();) {
        std::erase_if(it->second, [&](const ConnectionPtr& c) {
            if (now - c->idle_since < idle_ttl) return false;
            c->close();
            return true;
        });
        it = it->second.empty() ? idle.erase(it) : std::next(it);
    }
}

std::shared_ptr<const Target> HttpClient::Impl::target_of(const std::string& url, std::string& error) {
    if (auto it = targets.find(url); it != targets.end()) return it->second;
    auto parsed = parse_target(url, error);
    if (!parsed) return nullptr;
    if (targets.size() >= 256) targets.clear();  // many distinct URLs (CallbackContexts): start over
    return targets.emplace(url, std::make_shared<const Target>(std::move(*parsed))).first->second;
}

ConnectionPtr HttpClient::Impl::take_idle(const std::string& origin) {
    auto it = idle.find(origin);
    if (it == idle.end()) return nullptr;
    ConnectionPtr found;
    const auto now = SteadyClock::now();
    while (!found && !it->second.empty()) {
        auto conn = std::move(it->second.back());  // most recently used first
        it->second.pop_back();
        if (conn->looks_alive(now)) found = std::move(conn);
        else conn->close();
    }
    if (it->second.empty()) idle.erase(it);
    return found;
}

void HttpClient::Impl::give_back(const std::string& origin, ConnectionPtr conn) {
    if (closed) return conn->close();
    conn->idle_since = SteadyClock::now();
    auto& pool = idle[origin];
    pool.push_back(std::move(conn));
    if (pool.size() > max_idle_per_origin) {
        pool.front()->close();
        pool.erase(pool.begin());
    }
}

void HttpClient::Impl::close_all() {
    closed = true;
    for (auto& [origin, pool] : idle)
        for (auto& conn : pool) conn->close();
    idle.clear();
}

asio::awaitable<ClientResult> HttpClient::Impl::perform(std::string method, std::string url,
                                                       HeaderList headers, std::string body,
                                                       std::chrono::milliseconds timeout) {
    ClientResult failed;
    const auto target = target_of(url, failed.error);
    if (!target) co_return failed;
    ClientRequest req;
    failed.error = build_request(req, *target, method, headers, std::move(body));
    if (!failed.error.empty()) co_return failed;

    // One deadline covers connect + write + read (capped so the addition cannot overflow).
    auto deadline = SteadyClock::now() + std::clamp<std::chrono::milliseconds>(
                                             timeout, std::chrono::milliseconds(0), std::chrono::hours(24 * 365));
    sweep();
    for (bool retry = false;; retry = true) {
        auto conn = retry ? nullptr : take_idle(target->origin);
        const bool reused = conn != nullptr;
        if (!conn) {
            auto* tls_ctx = target->secure ? &tls_context() : nullptr;
            conn = co_await open_connection(*target, tls_ctx, policy ? &*policy : nullptr, deadline,
                                            failed.error);
            if (!conn) co_return failed;
        }
        Outcome out = co_await exchange(*conn, req, deadline);
        if (out.error.empty()) {
            if (out.reusable) give_back(target->origin, std::move(conn));
            else conn->close();
            co_return std::move(out.result);
        }
        conn->close();
        // A pooled connection the server closed meanwhile fails before any response byte:
        // try once more on a fresh one.
        if (reused && !out.got_response_bytes && SteadyClock::now() < deadline) continue;
        failed.error = std::move(out.error);
        co_return failed;
    }
}

asio::awaitable<void> HttpClient::Impl::run(std::shared_ptr<Impl> self, std::string method,
                                            std::string url, HeaderList headers, std::string body,
                                            std::chrono::milliseconds timeout,
                                            std::function<void(ClientResult)> done) {
    // co_spawn may start inline; posting first guarantees done never runs inside send().
    co_await asio::post(asio::use_awaitable);
    ClientResult result;
    try {
        result = co_await self->perform(std::move(method), std::move(url), std::move(headers), std::move(body),
                                  timeout);
    } catch (const std::exception& e) {
        result = ClientResult{};
        result.error = std::string("internal error: ") + e.what();
    }
    if (done) done(std::move(result));
}

HttpClient::HttpClient(asio::io_context& ioc) : impl_(std::make_shared<Impl>(ioc)) {}

HttpClient::~HttpClient() { impl_->close_all(); }

void HttpClient::restrict_addresses(AddressPolicy policy) {
    impl_->policy = policy;
    impl_->close_all();  // pooled connections were opened under the old rules
    impl_->closed = false;
}

void HttpClient::send(std::string method, std::string url, HeaderList headers, std::string body,
                      std::chrono::milliseconds timeout, std::function<void(ClientResult)> done) {
    asio::co_spawn(impl_->ioc,
                   Impl::run(impl_, std::move(method), std::move(url), std::move(headers), std::move(body),
                              timeout, std::move(done)),
                   log_failure);
}

}  // namespace carebridge::net
