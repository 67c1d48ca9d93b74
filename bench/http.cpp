#include "http.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include <array>
#include <charconv>
#include <cstring>
#include <vector>
#include <iostream>
#include <list>
#include <stdexcept>

namespace bench {

namespace beast = boost::beast;
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
constexpr std::size_t kBodyLimit = 64 * 1024 * 1024;
constexpr std::size_t kHeadLimit = 64 * 1024;

// ---- HTTP/1.1 messages, read and written as text ------------------------------------------
// The generator shares the platform's 2 cores, so every instruction it spends is one the
// platform cannot: Beast's parser and serializer over a fields container were over a third of
// its work per message. It reads what the platform and the peers send (Content-Length or
// chunked framing, or a response up to the connection's end) and reports anything else.

struct Message {
    std::string_view start;  // request line or status line (into `head`)
    std::string head;
    Headers headers;
    std::string body;
    bool keep_alive = true;
    int status = 0;  // responses
};

std::string_view trim(std::string_view v) {
    while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
    while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
    return v;
}

bool has_token(std::string_view list, std::string_view token) {
    while (!list.empty()) {
        const auto comma = list.find(',');
        if (iequals(trim(list.substr(0, comma)), token)) return true;
        if (comma == std::string_view::npos) break;
        list.remove_prefix(comma + 1);
    }
    return false;
}

// Bytes read from a connection and not yet used: the next message may already be in it.
struct ReadBuffer {
    std::vector<char> data = std::vector<char>(16384);
    std::size_t begin = 0, end = 0;  // the unread bytes

    std::string_view rest() const { return {data.data() + begin, end - begin}; }
    void consume(std::size_t n) {
        begin += n;
        if (begin == end) begin = end = 0;
    }
    template <class Stream>
    asio::awaitable<boost::system::error_code> fill(Stream& stream) {
        if (end == data.size()) {
            if (begin > 0) {
                std::memmove(data.data(), data.data() + begin, end - begin);
                end -= begin;
                begin = 0;
            } else {
                data.resize(data.size() * 2);
            }
        }
        auto [ec, n] = co_await stream.async_read_some(asio::buffer(data.data() + end, data.size() - end),
                                                       as_tuple(use_awaitable));
        end += n;
        co_return ec;
    }
};

// Reads one message; "" on success, else what went wrong.
template <class Stream>
asio::awaitable<std::string> read_message(Stream& stream, ReadBuffer& in, Message& m, bool response,
                                          bool head_request = false) {
    std::size_t end;
    while ((end = in.rest().find("\r\n\r\n")) == std::string_view::npos) {
        if (in.rest().size() > kHeadLimit) co_return "header too large";
        if (auto ec = co_await in.fill(stream)) co_return in.rest().empty() ? "end of stream" : ec.message();
    }
    m.head.assign(in.rest().substr(0, end + 2));
    in.consume(end + 4);
    m.headers.reserve(12);  // grown one by one, it reallocated a few times per message
    std::string_view head = m.head;
    const auto eol = head.find("\r\n");
    m.start = head.substr(0, eol);
    head.remove_prefix(eol + 2);
    std::size_t length = 0;
    bool has_length = false, chunked = false, close = false, keep = false;
    while (!head.empty()) {
        const auto line_end = head.find("\r\n");
        const std::string_view line = head.substr(0, line_end);
        head.remove_prefix(line_end == std::string_view::npos ? head.size() : line_end + 2);
        const auto colon = line.find(':');
        if (colon == std::string_view::npos || colon == 0) co_return "malformed header line";
        const std::string_view name = line.substr(0, colon), value = trim(line.substr(colon + 1));
        if (iequals(name, "Content-Length")) {
            auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), length);
            if (ec != std::errc{} || p != value.data() + value.size() || length > kBodyLimit)
                co_return "bad Content-Length";
            has_length = true;
        } else if (iequals(name, "Transfer-Encoding")) {
            chunked = has_token(value, "chunked");
        } else if (iequals(name, "Connection")) {
            close = close || has_token(value, "close");
            keep = keep || has_token(value, "keep-alive");
        }
        m.headers.emplace_back(name, value);
    }
    // "HTTP/1.1 200 OK" or "POST /callback HTTP/1.1".
    const std::string_view version = response ? m.start.substr(0, 8) : m.start.substr(m.start.rfind(' ') + 1);
    if (version.substr(0, 5) != "HTTP/") co_return "malformed start line";
    m.keep_alive = version == "HTTP/1.0" ? keep : !close;
    if (response) {
        if (m.start.size() < 12) co_return "malformed status line";
        std::from_chars(m.start.data() + 9, m.start.data() + 12, m.status);
        if (head_request || m.status / 100 == 1 || m.status == 204 || m.status == 304) co_return "";
    }
    if (chunked) {
        for (;;) {
            std::size_t line_end;
            while ((line_end = in.rest().find("\r\n")) == std::string_view::npos)
                if (auto ec = co_await in.fill(stream)) co_return "chunk: " + ec.message();
            std::size_t size = 0;
            const std::string_view line = in.rest().substr(0, line_end);
            auto [p, ec] = std::from_chars(line.data(), line.data() + line.size(), size, 16);
            if (ec != std::errc{} || m.body.size() + size > kBodyLimit) co_return "bad chunk size";
            in.consume(line_end + 2);
            if (size == 0) {  // trailer fields up to the empty line
                for (;;) {
                    while ((line_end = in.rest().find("\r\n")) == std::string_view::npos)
                        if (auto e = co_await in.fill(stream)) co_return "trailer: " + e.message();
                    in.consume(line_end + 2);
                    if (line_end == 0) co_return "";
                }
            }
            while (in.rest().size() < size + 2)
                if (auto e = co_await in.fill(stream)) co_return "chunk: " + e.message();
            m.body.append(in.rest().substr(0, size));
            in.consume(size + 2);
        }
    }
    if (!has_length) {
        if (!response) co_return "";  // a request without a length has no body
        m.keep_alive = false;          // a response without one ends with the connection
        for (;;) {
            if (in.rest().size() > kBodyLimit) co_return "body too large";
            if (auto ec = co_await in.fill(stream)) {
                if (ec != asio::error::eof) co_return ec.message();
                m.body.assign(in.rest());
                in.consume(in.rest().size());
                co_return "";
            }
        }
    }
    while (in.rest().size() < length)
        if (auto ec = co_await in.fill(stream)) co_return "body: " + ec.message();
    m.body.assign(in.rest().substr(0, length));
    in.consume(length);
    co_return "";
}
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
    beast::tcp_stream stream;  // for its deadline
    ReadBuffer buffer;
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
        c.buffer = {};
        auto [ec] = co_await c.stream.async_connect(c.target.endpoint, as_tuple(use_awaitable));
        if (ec) {
            fail("connect", ec);
            co_return reply;
        }
        c.open = true;
        c.stream.socket().set_option(tcp::no_delay(true));
    }
    std::string head;
    head.reserve(96 + target.size() + 64 * headers.size());
    head.append(method).append(" ").append(target).append(" HTTP/1.1\r\nHost: ").append(c.target.host).append("\r\n");
    for (const auto& [k, v] : headers) head.append(k).append(": ").append(v).append("\r\n");
    if (!body.empty() || method == "POST") head.append("Content-Length: ").append(std::to_string(body.size())).append("\r\n");
    head.append("\r\n");
    const std::array<asio::const_buffer, 2> wire{asio::buffer(head), asio::buffer(body.data(), body.size())};
    auto [wec, wn] = co_await asio::async_write(c.stream, wire, as_tuple(use_awaitable));
    if (wec) {
        fail("write", wec);
        co_return reply;
    }
    if (on_written) on_written();
    Message res;
    if (auto error = co_await read_message(c.stream, c.buffer, res, true, method == "HEAD"); !error.empty()) {
        reply.error = "read: " + error;
        close();
        co_return reply;
    }
    c.stream.expires_never();
    c.last_used = std::chrono::steady_clock::now();
    reply.status = res.status;
    reply.headers = std::move(res.headers);
    reply.body = std::move(res.body);
    if (!res.keep_alive) close();
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
    std::list<tcp::socket*> live;
    std::uint64_t requests = 0, connections = 0;
    bool stopped = false;
};

namespace {

asio::awaitable<void> serve(std::shared_ptr<CallbackServer::Impl> s, tcp::socket socket) {
    auto it = s->live.insert(s->live.end(), &socket);
    boost::system::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    ReadBuffer buffer;
    static constexpr std::string_view ok = "HTTP/1.1 200 OK\r\nServer: carebridge-bench\r\nContent-Length: 0\r\n\r\n";
    static constexpr std::string_view ok_close =
        "HTTP/1.1 200 OK\r\nServer: carebridge-bench\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
    while (!s->stopped) {
        Message req;
        if (!(co_await read_message(socket, buffer, req, false)).empty()) break;
        ++s->requests;
        // "POST /callback?x HTTP/1.1": the target is between the two spaces.
        const auto first = req.start.find(' '), last = req.start.rfind(' ');
        s->handler(req.start.substr(first + 1, last - first - 1), req.body);
        auto [wec, wn] = co_await asio::async_write(socket, asio::buffer(req.keep_alive ? ok : ok_close),
                                                    as_tuple(use_awaitable));
        if (wec || !req.keep_alive) break;
    }
    s->live.erase(it);
    socket.close(ignored);
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
    for (auto* s : impl_->live) s->close(ignored);
}

std::uint64_t CallbackServer::requests() const { return impl_->requests; }
std::uint64_t CallbackServer::connections() const { return impl_->connections; }

}  // namespace bench
