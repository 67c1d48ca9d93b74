#pragma once
// Helpers for the net tests: bounded event-loop runs, a raw socket client and a tiny
// scripted origin server (to count connections the HttpClient opens).
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace carebridge::net::test {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using asio::as_tuple;
using asio::use_awaitable;

// Runs the loop until pred() holds or the limit passes; returns pred().
inline bool run_until(asio::io_context& ioc, const std::function<bool()>& pred,
                      std::chrono::milliseconds limit = std::chrono::seconds(10)) {
    auto deadline = std::chrono::steady_clock::now() + limit;
    while (!pred() && std::chrono::steady_clock::now() < deadline) {
        if (ioc.stopped()) ioc.restart();
        ioc.run_one_for(std::chrono::milliseconds(20));
    }
    return pred();
}

struct RawResult {
    bool done = false;
    std::string data;  // everything read until EOF (or until the 10 s guard)
};

// Connects, writes `request` verbatim, then reads until the server closes.
inline std::shared_ptr<RawResult> raw_exchange(asio::io_context& ioc, std::uint16_t port,
                                               std::string request) {
    auto result = std::make_shared<RawResult>();
    asio::co_spawn(
        ioc,
        [](std::shared_ptr<RawResult> r, std::uint16_t p, std::string req) -> asio::awaitable<void> {
            beast::tcp_stream stream(co_await asio::this_coro::executor);
            stream.expires_after(std::chrono::seconds(10));
            auto [cec] = co_await stream.async_connect(
                tcp::endpoint(asio::ip::make_address("127.0.0.1"), p), as_tuple(use_awaitable));
            if (!cec) co_await asio::async_write(stream, asio::buffer(req), as_tuple(use_awaitable));
            char buf[4096];
            for (;;) {
                auto [ec, n] = co_await stream.async_read_some(asio::buffer(buf), as_tuple(use_awaitable));
                r->data.append(buf, n);
                if (ec) break;
            }
            r->done = true;
        }(result, port, std::move(request)),
        asio::detached);
    return result;
}

// A scripted origin for client tests; counts accepted connections and requests.
class FakeOrigin {
public:
    // drop_second: answers the first request on a connection, then closes it (without a
    // response) when a second request arrives there -- a keep-alive race the client must retry.
    // close_after_answer: closes each connection right after its first answer (keep-alive
    // promised, then an idle timeout of zero).
    // chunked: answers 201 with an X-Note header and a chunked body. connection_close: answers
    // with "Connection: close" but leaves the connection open, so a client that wrongly kept
    // it would be seen sending its next request there.
    enum class Mode { respond, drop_second, never_respond, close_after_answer, chunked, connection_close };

    FakeOrigin(asio::io_context& ioc, Mode mode) : acceptor_(ioc), mode_(mode) {
        tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), 0);
        acceptor_.open(ep.protocol());
        acceptor_.bind(ep);
        acceptor_.listen();
        port = acceptor_.local_endpoint().port();
        asio::co_spawn(ioc, accept_loop(), asio::detached);
    }
    ~FakeOrigin() { stop(); }

    void stop() {
        boost::system::error_code ignored;
        acceptor_.close(ignored);
        for (auto& weak : streams_)
            if (auto s = weak.lock()) s->close();
    }

    std::uint16_t port = 0;
    int accepts = 0;
    int requests = 0;

private:
    asio::awaitable<void> accept_loop() {
        for (;;) {
            auto [ec, socket] = co_await acceptor_.async_accept(as_tuple(use_awaitable));
            if (ec) co_return;
            ++accepts;
            auto stream = std::make_shared<beast::tcp_stream>(std::move(socket));
            streams_.push_back(stream);
            asio::co_spawn(acceptor_.get_executor(), serve(stream), asio::detached);
        }
    }

    asio::awaitable<void> serve(std::shared_ptr<beast::tcp_stream> stream) {
        beast::flat_buffer buffer;
        for (int on_this_connection = 1;; ++on_this_connection) {
            http::request<http::string_body> req;
            auto [ec, n] = co_await http::async_read(*stream, buffer, req, as_tuple(use_awaitable));
            if (ec) co_return;
            ++requests;
            if (mode_ == Mode::never_respond) continue;  // keep reading until the peer leaves
            if (mode_ == Mode::drop_second && on_this_connection == 2) {
                stream->close();
                co_return;
            }
            http::response<http::string_body> res{mode_ == Mode::chunked ? http::status::created : http::status::ok, 11};
            res.body() = "ok";
            if (mode_ == Mode::chunked) {
                res.set("X-Note", "a note, with spaces");
                res.body() = "a body sent in chunks";
                res.chunked(true);
            } else {
                res.prepare_payload();
            }
            res.keep_alive(mode_ != Mode::connection_close);
            auto [wec, wn] = co_await http::async_write(*stream, res, as_tuple(use_awaitable));
            if (wec) co_return;
            if (mode_ == Mode::close_after_answer) {
                stream->close();
                co_return;
            }
        }
    }

    tcp::acceptor acceptor_;
    Mode mode_;
    std::vector<std::weak_ptr<beast::tcp_stream>> streams_;
};

}  // namespace carebridge::net::test
