#include "net/http_client.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <thread>

#include "test_support.hpp"

namespace carebridge::net {
namespace {

using namespace std::chrono_literals;
using test::FakeOrigin;
using test::run_until;

class ClientTest : public ::testing::Test {
protected:
    ClientResult fetch(std::string url, std::chrono::milliseconds timeout = 5s) {
        std::optional<ClientResult> got;
        int calls = 0;
        client.send("GET", std::move(url), {}, {}, timeout, [&](ClientResult r) {
            ++calls;
            got = std::move(r);
        });
        EXPECT_FALSE(got.has_value());  // never answered inline
        EXPECT_TRUE(run_until(ioc, [&] { return got.has_value(); }));
        EXPECT_EQ(calls, 1);
        return got.value_or(ClientResult{"no answer"});
    }
    static std::string url(const FakeOrigin& origin, std::string_view scheme = "http") {
        return std::string(scheme) + "://127.0.0.1:" + std::to_string(origin.port) + "/x";
    }

    boost::asio::io_context ioc;
    HttpClient client{ioc};
};

TEST_F(ClientTest, ReusesAKeepAliveConnection) {
    FakeOrigin origin(ioc, FakeOrigin::Mode::respond);
    for (int i = 0; i < 3; ++i) {
        auto res = fetch(url(origin));
        ASSERT_TRUE(res.ok()) << res.error;
        EXPECT_EQ(res.status, 200);
        EXPECT_EQ(res.body, "ok");
    }
    EXPECT_EQ(origin.accepts, 1);
    EXPECT_EQ(origin.requests, 3);
}

TEST_F(ClientTest, ConcurrentRequestsOpenSeparateConnectionsThenPoolThem) {
    FakeOrigin origin(ioc, FakeOrigin::Mode::respond);
    int done = 0;
    for (int i = 0; i < 2; ++i)
        client.send("GET", url(origin), {}, {}, 5s, [&](ClientResult r) {
            EXPECT_TRUE(r.ok()) << r.error;
            ++done;
        });
    ASSERT_TRUE(run_until(ioc, [&] { return done == 2; }));
    EXPECT_EQ(origin.accepts, 2);
    ASSERT_TRUE(fetch(url(origin)).ok());
    EXPECT_EQ(origin.accepts, 2);
}

TEST_F(ClientTest, RetriesOnceWhenThePooledConnectionDiesBeforeAResponse) {
    FakeOrigin origin(ioc, FakeOrigin::Mode::drop_second);
    ASSERT_TRUE(fetch(url(origin)).ok());
    auto res = fetch(url(origin));  // pooled connection dropped, then a fresh one answers
    ASSERT_TRUE(res.ok()) << res.error;
    EXPECT_EQ(origin.accepts, 2);
    EXPECT_EQ(origin.requests, 3);
}

// A connection back in the pool for a while is checked with the kernel before it is used;
// one just given back is trusted (no syscall per callback), and a server that closed it
// meanwhile costs one failed attempt, retried on a fresh connection.
TEST_F(ClientTest, APooledConnectionClosedWhileIdleIsNotUsed) {
    FakeOrigin origin(ioc, FakeOrigin::Mode::close_after_answer);
    ASSERT_TRUE(fetch(url(origin)).ok());
    std::this_thread::sleep_for(300ms);  // past the client's trusted idle time (250 ms)
    auto res = fetch(url(origin));
    ASSERT_TRUE(res.ok()) << res.error;
    EXPECT_EQ(origin.accepts, 2);
    EXPECT_EQ(origin.requests, 2);
}

TEST_F(ClientTest, APooledConnectionClosedJustAfterItsAnswerCostsOneRetry) {
    FakeOrigin origin(ioc, FakeOrigin::Mode::close_after_answer);
    for (int i = 0; i < 3; ++i) {
        auto res = fetch(url(origin));  // at once: the pooled connection is trusted, or retried
        ASSERT_TRUE(res.ok()) << res.error;
    }
    EXPECT_EQ(origin.accepts, 3);
    EXPECT_EQ(origin.requests, 3);
}

TEST_F(ClientTest, NeverSendsOnAPooledConnectionTheServerClosed) {
    FakeOrigin origin(ioc, FakeOrigin::Mode::respond);
    ASSERT_TRUE(fetch(url(origin)).ok());
    origin.stop();  // closes the listener and the server side of the pooled connection
    std::this_thread::sleep_for(300ms);  // past the trusted idle time: the peek sees the close
    auto res = fetch(url(origin));
    EXPECT_FALSE(res.ok());  // the old port no longer listens: a clean connect error
    EXPECT_NE(res.error.find("connect"), std::string::npos) << res.error;
    EXPECT_EQ(origin.requests, 1);
}

// The response is read by our own sink on Beast's parser (response_parser.hpp): status, every
// header and a chunked body arrive whole, and the connection is pooled.
TEST_F(ClientTest, ReadsStatusHeadersAndAChunkedBody) {
    FakeOrigin origin(ioc, FakeOrigin::Mode::chunked);
    for (int i = 0; i < 2; ++i) {
        auto res = fetch(url(origin));
        ASSERT_TRUE(res.ok()) << res.error;
        EXPECT_EQ(res.status, 201);
        EXPECT_EQ(res.body, "a body sent in chunks");
        bool note = false, chunked = false;
        for (const auto& [name, value] : res.headers) {
            note = note || (name == "X-Note" && value == "a note, with spaces");
            chunked = chunked || (name == "Transfer-Encoding" && value == "chunked");
        }
        EXPECT_TRUE(note);
        EXPECT_TRUE(chunked);
    }
    EXPECT_EQ(origin.accepts, 1);
}

TEST_F(ClientTest, AResponseThatSaysCloseIsNotPooled) {
    FakeOrigin origin(ioc, FakeOrigin::Mode::connection_close);
    for (int i = 0; i < 2; ++i) {
        auto res = fetch(url(origin));
        ASSERT_TRUE(res.ok()) << res.error;
        EXPECT_EQ(res.body, "ok");
    }
    EXPECT_EQ(origin.accepts, 2);  // the second request on a fresh connection, not a retry
    EXPECT_EQ(origin.requests, 2);
}

TEST_F(ClientTest, TimesOutAgainstASilentServer) {
    FakeOrigin origin(ioc, FakeOrigin::Mode::never_respond);
    auto begin = std::chrono::steady_clock::now();
    auto res = fetch(url(origin), 100ms);
    EXPECT_EQ(res.error, "timeout");
    EXPECT_LT(std::chrono::steady_clock::now() - begin, 3s);
    EXPECT_EQ(origin.requests, 1);
}

TEST_F(ClientTest, ReportsConnectionRefused) {
    std::uint16_t port;
    {
        test::tcp::acceptor probe(ioc, {boost::asio::ip::make_address("127.0.0.1"), 0});
        port = probe.local_endpoint().port();
    }
    auto res = fetch("http://127.0.0.1:" + std::to_string(port) + "/");
    EXPECT_FALSE(res.ok());
    EXPECT_NE(res.error.find("connect"), std::string::npos) << res.error;
}

TEST_F(ClientTest, RejectsBadUrlsAndHeaders) {
    EXPECT_NE(fetch("ftp://127.0.0.1/x").error.find("invalid url"), std::string::npos);
    EXPECT_NE(fetch("not a url").error.find("invalid url"), std::string::npos);
    EXPECT_NE(fetch("http:///nohost").error.find("invalid url"), std::string::npos);
    std::optional<ClientResult> got;
    client.send("GET", "http://127.0.0.1:1/", {{"X-Evil", "a\r\nInjected: 1"}}, {}, 5s,
                [&](ClientResult r) { got = std::move(r); });
    ASSERT_TRUE(run_until(ioc, [&] { return got.has_value(); }));
    EXPECT_NE(got->error.find("invalid header"), std::string::npos);
}

TEST_F(ClientTest, HttpsHandshakeFailureIsAnError) {
    FakeOrigin origin(ioc, FakeOrigin::Mode::respond);  // speaks plain HTTP only
    auto res = fetch(url(origin, "https"), 3s);
    EXPECT_FALSE(res.ok());
    EXPECT_EQ(origin.requests, 0);
}

}  // namespace
}  // namespace carebridge::net
