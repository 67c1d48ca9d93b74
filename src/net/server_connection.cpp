// One coroutine per accepted connection: read, hand to the Handler, await its Responder,
// write, repeat while keep-alive.
#include <algorithm>
#include <array>
#include <cstdint>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <iostream>
#include <optional>

#include "net/request_parser.hpp"
#include "net/response_head.hpp"
#include "net/server_connection.hpp"

namespace carebridge::net::detail {

namespace http = beast::http;
using asio::as_tuple;
using asio::use_awaitable;

namespace {

// Where a Responder delivers. Outlives the connection if the handler keeps the Responder.
struct ResponseSlot {
    std::optional<Response> response;
    asio::steady_timer* wake = nullptr;  // the connection's parked wait, if any
    bool open = true;                    // false once the connection stopped listening
    bool answered = false;

    void deliver(Response r) {
        if (!open || answered) return;  // late (dead connection) or second call: no-op
        answered = true;
        response = std::move(r);
        if (wake) wake->cancel();
    }
};

Response error_response(int status, std::string_view code, std::string_view message) {
    Response r;
    r.status = status;
    r.set_header("Content-Type", "application/json");
    r.body = "{\"code\":\"" + std::string(code) + "\",\"message\":\"" + std::string(message) + "\"}";
    return r;
}

// The handler's side of one request, behind every copy of its Responder. An answer given
// while the handler runs is held until it returns (a handler that throws gets 500 even if it
// answered first); the answer then goes to the connection's lane: directly when the handler
// runs there, posted when the lane is an I/O thread. A handler that drops every copy of the
// Responder would park the connection forever: the last copy's end answers 500.
class Reply {
public:
    // `lane` null: the handler runs on the connection's own thread.
    Reply(std::shared_ptr<ResponseSlot> slot, std::shared_ptr<Lane> lane, std::shared_ptr<ServerState> state)
        : slot_(std::move(slot)), lane_(std::move(lane)), state_(std::move(state)) {}
    Reply(const Reply&) = delete;
    Reply& operator=(const Reply&) = delete;
    ~Reply() {
        if (answered_) return;
        if (!state_->stopped) std::cerr << "carebridge net: handler dropped a request without responding\n";
        send(error_response(500, "ServiceFailure", "internal error"));
    }

    void answer(Response r) {
        if (answered_) return;  // a second call is a no-op
        answered_ = true;
        if (running_) early_ = std::move(r);
        else send(std::move(r));
    }

    // Calls the handler with a Responder bound to this reply (on the handler's thread).
    static void invoke(const std::shared_ptr<Reply>& self, Request request) {
        bool threw = true;
        try {
            self->state_->handler(std::move(request), [self](Response r) { self->answer(std::move(r)); });
            threw = false;
        } catch (const std::exception& e) {
            std::cerr << "carebridge net: handler threw: " << e.what() << '\n';
        } catch (...) {
            std::cerr << "carebridge net: handler threw a non-standard exception\n";
        }
        self->running_ = false;
        if (threw) {
            self->answered_ = true;
            self->early_.reset();
            self->send(error_response(500, "ServiceFailure", "internal error"));
        } else if (self->early_) {
            self->send(std::move(*self->early_));
            self->early_.reset();
        }
    }

private:
    void send(Response r) {
        if (!lane_) return slot_->deliver(std::move(r));
        // A stopped lane (server destroyed) never runs this; its context destroys it.
        asio::post(*lane_->ioc, [slot = slot_, r = std::move(r)]() mutable { slot->deliver(std::move(r)); });
    }

    std::shared_ptr<ResponseSlot> slot_;  // touched only on the connection's lane
    std::shared_ptr<Lane> lane_;          // keeps the lane's context alive for the post
    std::shared_ptr<ServerState> state_;
    std::optional<Response> early_;
    bool running_ = true;
    bool answered_ = false;
};

// Marks the slot closed however the coroutine exits, so late Responder calls are no-ops.
struct SlotCloser {
    std::shared_ptr<ResponseSlot> slot;
    ~SlotCloser() {
        slot->open = false;
        slot->wake = nullptr;
    }
};

struct RegistryEntry {
    RegistryEntry(ServerState& s, ConnectionRegistry& r, beast::tcp_stream& stream, bool counted)
        : state(s), registry(r), entry(r.add(stream)), counted(counted) {
        if (counted) ++state.active;
    }
    ~RegistryEntry() {
        registry.remove(entry);
        if (counted) --state.active;
    }
    RegistryEntry(const RegistryEntry&) = delete;
    RegistryEntry& operator=(const RegistryEntry&) = delete;
    ServerState& state;
    ConnectionRegistry& registry;
    ConnectionRegistry::Entry entry;
    bool counted;
};

std::string remote_address(const tcp::socket& socket) {
    boost::system::error_code ec;
    auto address = socket.remote_endpoint(ec).address();
    if (ec) return {};
    if (address.is_v6() && address.to_v6().is_v4_mapped())
        return asio::ip::make_address_v4(asio::ip::v4_mapped, address.to_v6()).to_string();
    return address.to_string();
}

// Head and body in one gather write.
std::array<asio::const_buffer, 2> wire_buffers(const ResponseHead& r) {
    return {asio::buffer(r.head), asio::buffer(r.body)};
}

// Half-close and drain what the peer is still sending, so our last response is not
// destroyed by a TCP reset when we close with unread data.
asio::awaitable<void> linger_close(beast::tcp_stream& stream, ConnectionHandle& handle,
                                   std::chrono::milliseconds limit) {
    boost::system::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
    handle.expire_in(std::min<std::chrono::milliseconds>(limit, std::chrono::seconds(2)));
    std::array<char, 4096> scratch;
    for (std::size_t total = 0; total < 1024 * 1024;) {
        auto [ec, n] = co_await stream.async_read_some(asio::buffer(scratch), as_tuple(use_awaitable));
        if (ec) break;
        total += n;
    }
    stream.close();
}

// `stream` is the tcp_stream itself or a TLS stream over `raw`.
template <class Stream>
asio::awaitable<void> send_and_close(ServerState& state, Stream& stream, beast::tcp_stream& raw,
                                     ConnectionHandle& handle, Response res) {
    auto out = write_response_head(std::move(res), 11, false, false);
    handle.expire_in(state.options.header_timeout);
    auto [ec, n] = co_await asio::async_write(stream, wire_buffers(out), as_tuple(use_awaitable));
    // Draining raw bytes is right for TLS too: nothing more is read through the TLS layer.
    if (!ec && !state.stopped) co_await linger_close(raw, handle, state.options.header_timeout);
}

// The error answer for a failed read, or nothing when the connection should just close.
std::optional<Response> read_failure_response(const boost::system::error_code& ec) {
    if (ec == http::error::header_limit)
        return error_response(431, "EntityTooLarge", "request header too large");
    if (ec == http::error::body_limit)
        return error_response(413, "EntityTooLarge", "request body too large");
    if (ec == http::error::end_of_stream || ec == http::error::partial_message) return std::nullopt;
    if (ec.category() == http::make_error_code(http::error::bad_method).category())
        return error_response(400, "BadRequest", "malformed request");
    return std::nullopt;  // timeout, reset, aborted by stop()
}

// Runs the handler (here, or on its own thread when the connection is on an I/O lane) and
// waits, without a timeout (long-polls), for its answer.
asio::awaitable<std::optional<Response>> respond(const std::shared_ptr<ServerState>& state,
                                                 const std::weak_ptr<Lane>& lane, ConnectionHandle& handle,
                                                 Request request) {
    auto slot = std::make_shared<ResponseSlot>();
    SlotCloser closer{slot};
    auto home = lane.lock();  // alive: its thread is running this
    if (home && home->threaded()) {
        asio::post(state->handler_context,
                   [reply = std::make_shared<Reply>(slot, std::move(home), state),
                    request = std::move(request)]() mutable { Reply::invoke(reply, std::move(request)); });
    } else {
        home.reset();
        Reply::invoke(std::make_shared<Reply>(slot, nullptr, state), std::move(request));
        // If the handler kept no Responder copy, the Reply has answered 500 by now.
    }
    if (!slot->response && !state->stopped) {
        asio::steady_timer parked(co_await asio::this_coro::executor,
                                  asio::steady_timer::time_point::max());
        slot->wake = &parked;
        handle.parked = &parked;
        co_await parked.async_wait(as_tuple(use_awaitable));  // ended by deliver() or stop()
        slot->wake = nullptr;
        handle.parked = nullptr;
    }
    co_return std::move(slot->response);
}

// Makes the connection's lane enforce its deadlines (on the lane's thread, which runs this).
void watch(const std::weak_ptr<Lane>& lane, const ServerOptions& options) {
    if (auto home = lane.lock()) home->watch(sweep_period(options));
}

}  // namespace

namespace {

// The request loop, over plain TCP (Stream = raw's socket) or TLS (Stream wraps raw).
template <class Stream>
asio::awaitable<void> serve_requests(std::shared_ptr<ServerState> state, const std::weak_ptr<Lane>& lane,
                                     Stream& stream, beast::tcp_stream& raw, ConnectionHandle& handle,
                                     const std::string& remote) {
    const auto& options = state->options;
    boost::system::error_code ignored;
    beast::flat_buffer buffer;
    for (bool first = true; !state->stopped; first = false) {
        if (!first && buffer.size() == 0) {
            // Between keep-alive requests the idle timeout applies, until the first byte.
            handle.expire_in(options.idle_timeout);
            auto [ec, n] = co_await stream.async_read_some(buffer.prepare(4096), as_tuple(use_awaitable));
            if (ec) co_return;
            buffer.commit(n);
        }
        RequestParser parser;
        parser.header_limit(static_cast<std::uint32_t>(
            std::min<std::size_t>(options.header_limit, UINT32_MAX)));
        parser.body_limit(options.body_limit);
        handle.expire_in(options.header_timeout);
        auto [ec, n] = co_await http::async_read_header(stream, buffer, parser, as_tuple(use_awaitable));
        // RFC 9112 6.3: a Transfer-Encoding that does not end in chunked leaves the length
        // unknown; reading its body as the next request would let a proxy be smuggled past.
        if (!ec && parser.has_transfer_encoding() && !parser.chunked()) {
            if (!state->stopped)
                co_await send_and_close(*state, stream, raw, handle,
                                        error_response(400, "BadRequest", "unsupported Transfer-Encoding"));
            co_return;
        }
        if (!ec && !parser.is_done()) {
            if (parser.version() >= 11 && iequals(parser.request().header("Expect").value_or(""), "100-continue")) {
                static constexpr std::string_view cont = "HTTP/1.1 100 Continue\r\n\r\n";
                std::tie(ec, n) = co_await asio::async_write(stream, asio::buffer(cont),
                                                             as_tuple(use_awaitable));
            }
            if (!ec) {
                handle.expire_in(options.header_timeout);  // the body gets the same budget
                std::tie(ec, n) = co_await http::async_read(stream, buffer, parser, as_tuple(use_awaitable));
            }
        }
        if (ec) {
            if (auto failure = read_failure_response(ec); failure && !state->stopped)
                co_await send_and_close(*state, stream, raw, handle, std::move(*failure));
            co_return;
        }
        handle.expire_never();
        // Counted from here until the answer is written (or the connection gives up).
        struct InProgress {
            std::atomic<std::size_t>& n;
            explicit InProgress(std::atomic<std::size_t>& c) : n(c) { ++n; }
            ~InProgress() { --n; }
        } in_progress(state->in_progress);
        const unsigned version = static_cast<unsigned>(parser.version());
        const bool keep_alive = parser.keep_alive();
        const bool head_request = parser.head_request();
        auto response = co_await respond(state, lane, handle, parser.take(remote));
        if (!response || state->stopped) co_return;
        auto out = write_response_head(std::move(*response), version, keep_alive, head_request);
        handle.expire_in(options.idle_timeout);
        auto [wec, wn] = co_await asio::async_write(stream, wire_buffers(out), as_tuple(use_awaitable));
        if (wec) co_return;
        if (!out.keep_alive) {
            raw.socket().shutdown(tcp::socket::shutdown_send, ignored);
            co_return;
        }
    }
}

}  // namespace

asio::awaitable<void> serve_connection(std::shared_ptr<ServerState> state, std::weak_ptr<Lane> lane,
                                       std::shared_ptr<ConnectionRegistry> registry, tcp::socket socket) {
    boost::system::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    const std::string remote = remote_address(socket);
    if (!state->tls) {
        beast::tcp_stream stream(std::move(socket));
        RegistryEntry entry(*state, *registry, stream, true);
        watch(lane, state->options);
        // Reads and writes go to the socket itself: the lane's sweep enforces the timeouts,
        // so tcp_stream's per-operation timer bookkeeping would be work for nothing.
        co_await serve_requests(state, lane, stream.socket(), stream, *entry.entry, remote);
        co_return;
    }
    beast::ssl_stream<beast::tcp_stream> stream(std::move(socket), *state->tls);
    auto& raw = beast::get_lowest_layer(stream);
    RegistryEntry entry(*state, *registry, raw, true);
    watch(lane, state->options);
    // The handshake is part of the header budget: a client that stalls in it is a slow-loris.
    entry.entry->expire_in(state->options.header_timeout);
    auto [ec] = co_await stream.async_handshake(asio::ssl::stream_base::server, as_tuple(use_awaitable));
    if (ec) co_return;
    co_await serve_requests(state, lane, stream, raw, *entry.entry, remote);
}

asio::awaitable<void> reject_connection(std::shared_ptr<ServerState> state, std::weak_ptr<Lane> lane,
                                        std::shared_ptr<ConnectionRegistry> registry, tcp::socket socket) {
    beast::tcp_stream stream(std::move(socket));
    RegistryEntry entry(*state, *registry, stream, false);
    if (state->tls) co_return;  // a plain-text 503 means nothing to a TLS client: just close
    watch(lane, state->options);
    co_await send_and_close(*state, stream, stream, *entry.entry,
                            error_response(503, "ServiceUnavailable", "too many connections"));
}

}  // namespace carebridge::net::detail
