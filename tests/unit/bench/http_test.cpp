// The load generator's HTTP/1.1 reader (bench/http.cpp) against scripted servers: every
// framing it must understand (Content-Length, chunked with extensions and trailers, a body up
// to the connection's end), keep-alive reuse after each, and what it must refuse. The peers
// (nginx, ejabberd) use the chunked and close-delimited forms, which the platform never sends,
// so only these tests keep them from rotting.
#include "http.hpp"

#include <gtest/gtest.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace bench {
namespace {

using namespace std::chrono_literals;
using asio::as_tuple;
using asio::use_awaitable;
using tcp = asio::ip::tcp;

// Answers each request on a connection with the next scripted reply (written in pieces, to
// make the reader wait mid-message), then closes the connection if the script says so.
struct Script {
    std::vector<std::vector<std::string>> replies;  // per request: the pieces to write
    bool close_after_last = false;
};

class ScriptedServer {
public:
    ScriptedServer(asio::io_context& ioc, Script script) : acceptor_(ioc, {asio::ip::make_address("127.0.0.1"), 0}) {
        asio::co_spawn(ioc, serve(std::move(script)), asio::detached);
    }
    Target target() const {
        const auto port = acceptor_.local_endpoint().port();
        return parse_target("http://127.0.0.1:" + std::to_string(port));
    }
    int connections = 0;
    std::vector<std::string> requests;

private:
    asio::awaitable<void> serve(Script script) {
        auto [aec, socket] = co_await acceptor_.async_accept(as_tuple(use_awaitable));
        if (aec) co_return;
        ++connections;
        std::string in;
        char buf[4096];
        for (std::size_t i = 0; i < script.replies.size(); ++i) {
            while (in.find("\r\n\r\n") == std::string::npos) {
                auto [ec, n] = co_await socket.async_read_some(asio::buffer(buf), as_tuple(use_awaitable));
                if (ec) co_return;
                in.append(buf, n);
            }
            const auto end = in.find("\r\n\r\n") + 4;
            requests.push_back(in.substr(0, end));
            in.erase(0, end);
            for (const auto& piece : script.replies[i]) {
                co_await asio::async_write(socket, asio::buffer(piece), as_tuple(use_awaitable));
                asio::steady_timer pause(socket.get_executor(), 2ms);
                co_await pause.async_wait(as_tuple(use_awaitable));
            }
        }
        if (script.close_after_last) socket.close();
        else {  // keep it open until the client is done
            asio::steady_timer hold(socket.get_executor(), 5s);
            co_await hold.async_wait(as_tuple(use_awaitable));
        }
    }
    tcp::acceptor acceptor_;
};

// Sends `count` GETs one after another on one Conn and returns the replies.
std::vector<Reply> exchange(asio::io_context& ioc, const Target& target, int count) {
    Conn conn(ioc, target);
    std::vector<Reply> replies;
    bool done = false;
    asio::co_spawn(
        ioc,
        [&]() -> asio::awaitable<void> {
            for (int i = 0; i < count; ++i)
                replies.push_back(co_await conn.request("GET", "/r" + std::to_string(i), {}, {}, 5s));
            done = true;
        },
        asio::detached);
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (!done && std::chrono::steady_clock::now() < deadline) ioc.run_one_for(20ms);
    EXPECT_TRUE(done) << "no answer in time";
    return replies;
}

TEST(BenchHttp, ContentLengthBodiesOnOneKeptAliveConnection) {
    asio::io_context ioc;
    ScriptedServer server(ioc, {{{"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n", "\r\nhel", "lo"},
                                 {"HTTP/1.1 201 Created\r\ncontent-length: 0\r\n\r\n"}}});
    auto replies = exchange(ioc, server.target(), 2);
    ASSERT_EQ(replies.size(), 2u);
    EXPECT_EQ(replies[0].status, 200) << replies[0].error;
    EXPECT_EQ(replies[0].body, "hello");
    EXPECT_EQ(replies[0].header("CONTENT-LENGTH"), "5");
    EXPECT_EQ(replies[1].status, 201) << replies[1].error;
    EXPECT_EQ(replies[1].body, "");
    EXPECT_EQ(server.connections, 1);
    ASSERT_EQ(server.requests.size(), 2u);
    EXPECT_EQ(server.requests[1].rfind("GET /r1 HTTP/1.1\r\nHost: 127.0.0.1:", 0), 0u) << server.requests[1];
}

TEST(BenchHttp, ChunkedWithExtensionsAndTrailersThenTheNextResponse) {
    asio::io_context ioc;
    ScriptedServer server(ioc, {{{"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
                                  "5;name=value\r\nhello\r\n", "7\r\n, world\r\n0\r\nX-Trailer: 1\r\n\r\n"},
                                 {"HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nnext"}}});
    auto replies = exchange(ioc, server.target(), 2);
    ASSERT_EQ(replies.size(), 2u);
    EXPECT_EQ(replies[0].status, 200) << replies[0].error;
    EXPECT_EQ(replies[0].body, "hello, world");
    EXPECT_EQ(replies[1].body, "next") << replies[1].error;
    EXPECT_EQ(server.connections, 1);  // the chunked body ended exactly where it should
}

TEST(BenchHttp, BodyUpToTheConnectionsEnd) {
    asio::io_context ioc;
    ScriptedServer server(ioc, {{{"HTTP/1.0 200 OK\r\nContent-Type: text/xml\r\n\r\n<body", "/>"}}, true});
    auto replies = exchange(ioc, server.target(), 1);
    ASSERT_EQ(replies.size(), 1u);
    EXPECT_EQ(replies[0].status, 200) << replies[0].error;
    EXPECT_EQ(replies[0].body, "<body/>");
}

TEST(BenchHttp, RefusesMalformedFraming) {
    for (const std::string bad : {"HTTP/1.1 200 OK\r\nContent-Length: 5x\r\n\r\nhello",
                                  "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
                                  "HTTP/1.1 200 OK\r\nno colon here\r\n\r\n", "SMTP ready\r\nA: b\r\n\r\n"}) {
        asio::io_context ioc;
        ScriptedServer server(ioc, {{{bad}}, true});
        auto replies = exchange(ioc, server.target(), 1);
        ASSERT_EQ(replies.size(), 1u);
        EXPECT_EQ(replies[0].status, 0) << bad;
        EXPECT_FALSE(replies[0].error.empty()) << bad;
    }
}

TEST(BenchHttp, AResponseCutShortIsAnError) {
    asio::io_context ioc;
    ScriptedServer server(ioc, {{{"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort"}}, true});
    auto replies = exchange(ioc, server.target(), 1);
    ASSERT_EQ(replies.size(), 1u);
    EXPECT_EQ(replies[0].status, 0);
    EXPECT_NE(replies[0].error.find("read: body"), std::string::npos) << replies[0].error;
}

}  // namespace
}  // namespace bench
