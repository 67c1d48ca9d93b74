#include "net/http_server.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <optional>
#include <thread>

#include "net/asio_scheduler.hpp"
#include "net/http_client.hpp"
#include "test_support.hpp"

namespace carebridge::net {
namespace {

using namespace std::chrono_literals;
using test::raw_exchange;
using test::run_until;

Response text(std::string body, int status = 200) {
    Response r;
    r.status = status;
    r.set_header("Content-Type", "text/plain");
    r.body = std::move(body);
    return r;
}

// Every test runs with the connections on the handler's io_context (0) and on I/O threads.
class ServerTest : public ::testing::TestWithParam<std::size_t> {
protected:
    std::uint16_t start(Handler handler, ServerOptions options = {}) {
        options.io_threads = GetParam();
        server = std::make_unique<HttpServer>(ioc, std::move(options), std::move(handler));
        return port = server->start();
    }
    std::string url(std::string_view path) const {
        return "http://127.0.0.1:" + std::to_string(port) + std::string(path);
    }
    // Sends through HttpClient and runs the loop until the answer arrives.
    ClientResult fetch(std::string method, std::string path, std::string body = {},
                       HeaderList headers = {}) {
        std::optional<ClientResult> got;
        client.send(std::move(method), url(path), std::move(headers), std::move(body), 5s,
                    [&](ClientResult r) { got = std::move(r); });
        EXPECT_TRUE(run_until(ioc, [&] { return got.has_value(); }));
        return got.value_or(ClientResult{"no answer"});
    }
    std::string raw(std::string request) {
        auto r = raw_exchange(ioc, port, std::move(request));
        EXPECT_TRUE(run_until(ioc, [&] { return r->done; }));
        return r->data;
    }

    boost::asio::io_context ioc;
    AsioScheduler scheduler{ioc};
    HttpClient client{ioc};
    std::unique_ptr<HttpServer> server;
    std::uint16_t port = 0;
    std::vector<std::shared_ptr<test::RawResult>> raw_results;
};

TEST_P(ServerTest, AnswersAGetThroughTheClient) {
    std::optional<Request> seen;
    start([&](Request&& req, Responder respond) {
        seen = req;
        auto r = text("hello " + std::string(req.query_param("name").value_or("?")));
        r.set_header("X-Reply", "yes");
        respond(std::move(r));
    });
    auto res = fetch("GET", "/a%20b/c?name=J+Doe&x=%26", {}, {{"X-Test", "1"}});
    ASSERT_TRUE(res.ok()) << res.error;
    EXPECT_EQ(res.status, 200);
    EXPECT_EQ(res.body, "hello J Doe");
    ASSERT_TRUE(seen);
    EXPECT_EQ(seen->method, "GET");
    EXPECT_EQ(seen->target, "/a%20b/c?name=J+Doe&x=%26");
    EXPECT_EQ(seen->path, "/a b/c");
    EXPECT_EQ(seen->query_param("x"), "&");
    EXPECT_EQ(seen->header("x-test"), "1");
    EXPECT_EQ(seen->header("user-agent"), "carebridge");
    EXPECT_EQ(seen->header("host"), "127.0.0.1:" + std::to_string(port));
    EXPECT_EQ(seen->remote_address, "127.0.0.1");
    auto header = [&](std::string_view name) -> std::string {
        for (auto& [k, v] : res.headers)
            if (iequals(k, name)) return v;
        return "";
    };
    EXPECT_EQ(header("Server"), "carebridge");
    EXPECT_EQ(header("X-Reply"), "yes");
    EXPECT_EQ(header("Content-Length"), "11");
}

TEST_P(ServerTest, ClientFramesItsOwnRequestWhateverTheCallerPasses) {
    std::optional<Request> seen;
    start([&](Request&& req, Responder respond) {
        seen = req;
        respond(text("ok"));
    });
    // The caller's Host and User-Agent win; its framing headers never reach the wire; an
    // extension method goes as written; an empty body still says Content-Length: 0.
    auto res = fetch("PURGE", "/x", {},
                     {{"host", "desk.example:81"}, {"User-Agent", "sdk/1"}, {"Content-Length", "99"},
                      {"Transfer-Encoding", "chunked"}, {"X-Twice", "a"}, {"X-Twice", "b"}});
    ASSERT_TRUE(res.ok()) << res.error;
    ASSERT_TRUE(seen);
    EXPECT_EQ(seen->method, "PURGE");
    EXPECT_EQ(seen->header("host"), "desk.example:81");
    EXPECT_EQ(seen->header("user-agent"), "sdk/1");
    EXPECT_EQ(seen->header("content-length"), "0");
    EXPECT_FALSE(seen->header("transfer-encoding"));
    int twice = 0, hosts = 0;
    for (const auto& [k, v] : seen->headers) {
        twice += iequals(k, "X-Twice");
        hosts += iequals(k, "Host");
    }
    EXPECT_EQ(twice, 2);
    EXPECT_EQ(hosts, 1);
    EXPECT_NE(fetch("GET", "/x", {}, {{"Bad:Name", "v"}}).error.find("invalid header"), std::string::npos);
    EXPECT_NE(fetch("GET", "/x", {}, {{"X-Ok", "v\r\nInjected: 1"}}).error.find("invalid header"), std::string::npos);
    EXPECT_NE(fetch("GE T", "/x").error.find("invalid method"), std::string::npos);
}

TEST_P(ServerTest, EchoesAPostBody) {
    start([](Request&& req, Responder respond) { respond(text(req.method + ":" + req.body)); });
    auto res = fetch("POST", "/echo", std::string(100'000, 'x'));
    ASSERT_TRUE(res.ok()) << res.error;
    EXPECT_EQ(res.body, "POST:" + std::string(100'000, 'x'));
}

TEST_P(ServerTest, KeepAliveServesPipelinedRequestsOnOneConnection) {
    int calls = 0;
    start([&](Request&& req, Responder respond) { respond(text(std::to_string(++calls) + req.path)); });
    auto data = raw("GET /one HTTP/1.1\r\nHost: x\r\n\r\n"
                    "GET /two HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    EXPECT_EQ(calls, 2);
    auto first = data.find("HTTP/1.1 200 OK");
    ASSERT_NE(first, std::string::npos) << data;
    EXPECT_NE(data.find("HTTP/1.1 200 OK", first + 1), std::string::npos) << data;
    EXPECT_NE(data.find("1/one"), std::string::npos);
    EXPECT_NE(data.find("2/two"), std::string::npos);
    EXPECT_NE(data.find("Connection: close"), std::string::npos);
}

TEST_P(ServerTest, Http10ClosesAfterTheResponse) {
    start([](Request&&, Responder respond) { respond(text("old")); });
    auto data = raw("GET / HTTP/1.0\r\n\r\n");  // raw() returns only once the server closes
    EXPECT_EQ(data.rfind("HTTP/1.0 200 OK\r\n", 0), 0u) << data;
    EXPECT_NE(data.find("\r\n\r\nold"), std::string::npos);
}

TEST_P(ServerTest, DelayedResponderFromASchedulerTimer) {
    std::vector<TimerPtr> timers;
    start([&](Request&&, Responder respond) {
        timers.push_back(scheduler.after(50ms, [respond] { respond(text("late")); }));
    });
    auto begin = std::chrono::steady_clock::now();
    auto res = fetch("GET", "/poll");
    ASSERT_TRUE(res.ok()) << res.error;
    EXPECT_EQ(res.body, "late");
    EXPECT_GE(std::chrono::steady_clock::now() - begin, 45ms);
}

TEST_P(ServerTest, OversizedBodyGets413) {
    ServerOptions options;
    options.body_limit = 1024;
    start([](Request&&, Responder respond) { respond(text("unexpected")); }, options);
    auto data = raw("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4096\r\n\r\n" + std::string(4096, 'b'));
    EXPECT_EQ(data.rfind("HTTP/1.1 413", 0), 0u) << data;
    EXPECT_NE(data.find("Content-Type: application/json"), std::string::npos);
    EXPECT_NE(data.find(R"({"code":"EntityTooLarge","message":)"), std::string::npos);
    // Chunked bodies are only caught while reading the body.
    auto chunk = std::string(800, 'c');
    data = raw("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n320\r\n" + chunk +
               "\r\n320\r\n" + chunk + "\r\n0\r\n\r\n");
    EXPECT_EQ(data.rfind("HTTP/1.1 413", 0), 0u) << data;
}

TEST_P(ServerTest, OversizedHeaderGets431) {
    ServerOptions options;
    options.header_limit = 1024;
    start([](Request&&, Responder respond) { respond(text("unexpected")); }, options);
    auto data = raw("GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(4000, 'h') + "\r\n\r\n");
    EXPECT_EQ(data.rfind("HTTP/1.1 431", 0), 0u) << data;
    EXPECT_NE(data.find(R"({"code":"EntityTooLarge","message":)"), std::string::npos);
}

TEST_P(ServerTest, MalformedRequestGets400) {
    start([](Request&&, Responder respond) { respond(text("unexpected")); });
    auto data = raw("GET / HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n");
    EXPECT_EQ(data.rfind("HTTP/1.1 400", 0), 0u) << data;
    EXPECT_NE(data.find(R"({"code":"BadRequest","message":)"), std::string::npos);
    EXPECT_NE(data.find("Content-Type: application/json"), std::string::npos);
    data = raw("NOT HTTP AT ALL\r\n\r\n");
    EXPECT_EQ(data.rfind("HTTP/1.1 400", 0), 0u) << data;
}

TEST_P(ServerTest, HandlerExceptionGets500) {
    start([](Request&&, Responder) { throw std::runtime_error("boom"); });
    auto res = fetch("GET", "/");
    ASSERT_TRUE(res.ok()) << res.error;
    EXPECT_EQ(res.status, 500);
    EXPECT_EQ(res.body, R"({"code":"ServiceFailure","message":"internal error"})");
}

TEST_P(ServerTest, DroppedResponderGets500) {
    start([](Request&&, Responder) {});
    auto res = fetch("GET", "/");
    ASSERT_TRUE(res.ok()) << res.error;
    EXPECT_EQ(res.status, 500);
}

TEST_P(ServerTest, BeyondMaxConnectionsGets503) {
    ServerOptions options;
    options.max_connections = 1;
    start([](Request&&, Responder respond) { respond(text("ok")); }, options);
    ASSERT_TRUE(fetch("GET", "/").ok());  // the client now holds one idle keep-alive connection
    auto data = raw("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    EXPECT_EQ(data.rfind("HTTP/1.1 503", 0), 0u) << data;
    EXPECT_NE(data.find(R"({"code":"ServiceUnavailable","message":)"), std::string::npos);
}

TEST_P(ServerTest, HeaderTimeoutClosesTheConnection) {
    ServerOptions options;
    options.header_timeout = 100ms;
    start([](Request&&, Responder respond) { respond(text("unexpected")); }, options);
    auto begin = std::chrono::steady_clock::now();
    auto data = raw("GET / HTTP/1.1\r\nHost: x\r\n");  // header never finished
    EXPECT_EQ(data, "");
    EXPECT_LT(std::chrono::steady_clock::now() - begin, 5s);
}

TEST_P(ServerTest, IdleKeepAliveConnectionIsClosed) {
    ServerOptions options;
    options.idle_timeout = 100ms;
    start([](Request&&, Responder respond) { respond(text("once")); }, options);
    auto begin = std::chrono::steady_clock::now();
    auto data = raw("GET / HTTP/1.1\r\nHost: x\r\n\r\n");  // keep-alive, then silence
    EXPECT_EQ(data.rfind("HTTP/1.1 200 OK", 0), 0u) << data;
    EXPECT_EQ(data.find("Connection: close"), std::string::npos);
    EXPECT_LT(std::chrono::steady_clock::now() - begin, 5s);
}

TEST_P(ServerTest, BodyThatStopsComingIsClosedWithinTheHeaderBudget) {
    ServerOptions options;
    options.header_timeout = 100ms;
    start([](Request&&, Responder respond) { respond(text("unexpected")); }, options);
    auto begin = std::chrono::steady_clock::now();
    auto data = raw("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nhalf");
    EXPECT_EQ(data, "");
    EXPECT_LT(std::chrono::steady_clock::now() - begin, 5s);
}

// The timeouts are for reading and writing: a request parked in the handler (a long-poll)
// stays open however long it waits, and its answer still goes out.
TEST_P(ServerTest, ParkedRequestOutlivesTheTimeouts) {
    ServerOptions options;
    options.header_timeout = 40ms;
    options.idle_timeout = 40ms;
    std::vector<TimerPtr> timers;
    start([&](Request&&, Responder respond) {
        timers.push_back(scheduler.after(300ms, [respond] { respond(text("late")); }));
    }, options);
    auto begin = std::chrono::steady_clock::now();
    auto data = raw("GET /poll HTTP/1.1\r\nHost: x\r\n\r\n");
    EXPECT_EQ(data.rfind("HTTP/1.1 200 OK", 0), 0u) << data;
    EXPECT_NE(data.find("late"), std::string::npos) << data;
    EXPECT_GE(std::chrono::steady_clock::now() - begin, 290ms);
}

TEST_P(ServerTest, ExpectContinueGetsAnInterimResponse) {
    start([](Request&& req, Responder respond) { respond(text(req.body)); });
    auto data = raw("PUT / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 5\r\n"
                    "Connection: close\r\n\r\nhello");
    EXPECT_EQ(data.rfind("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK", 0), 0u) << data;
    EXPECT_NE(data.find("\r\n\r\nhello"), std::string::npos);
}

TEST_P(ServerTest, HeadGetsLengthButNoBody) {
    start([](Request&&, Responder respond) { respond(text("body!")); });
    auto data = raw("HEAD / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    EXPECT_NE(data.find("Content-Length: 5\r\n"), std::string::npos) << data;
    EXPECT_EQ(data.substr(data.size() - 4), "\r\n\r\n");
}

TEST_P(ServerTest, StartFailsClearlyWhenThePortIsTaken) {
    start([](Request&&, Responder respond) { respond(text("ok")); });
    ServerOptions options;
    options.port = port;
    HttpServer second(ioc, options, [](Request&&, Responder) {});
    EXPECT_THROW(second.start(), std::runtime_error);
    options.address = "not-an-address";
    HttpServer third(ioc, options, [](Request&&, Responder) {});
    EXPECT_THROW(third.start(), std::runtime_error);
}

TEST_P(ServerTest, BindsIpv6Loopback) {
    ServerOptions options;
    options.address = "::1";
    try {
        start([](Request&& req, Responder respond) { respond(text(req.remote_address)); }, options);
    } catch (const std::runtime_error& e) {
        GTEST_SKIP() << "no IPv6 loopback: " << e.what();
    }
    std::optional<ClientResult> got;
    client.send("GET", "http://[::1]:" + std::to_string(port) + "/", {}, {}, 5s,
                [&](ClientResult r) { got = std::move(r); });
    ASSERT_TRUE(run_until(ioc, [&] { return got.has_value(); }));
    ASSERT_TRUE(got->ok()) << got->error;
    EXPECT_EQ(got->body, "::1");
}

TEST_P(ServerTest, HandlerRunsOnlyOnItsOwnThreadWhateverTheLane) {
    std::vector<std::thread::id> seen;
    start([&](Request&& req, Responder respond) {
        seen.push_back(std::this_thread::get_id());
        respond(text(req.target));
    });
    for (int i = 0; i < 8; ++i)  // distinct connections: spread over the lanes
        raw_results.push_back(raw_exchange(ioc, port, "GET /" + std::to_string(i) +
                                                          " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
    ASSERT_TRUE(run_until(ioc, [&] {
        return std::all_of(raw_results.begin(), raw_results.end(), [](auto& r) { return r->done; });
    }));
    for (int i = 0; i < 8; ++i) {
        const auto& data = raw_results[static_cast<std::size_t>(i)]->data;
        EXPECT_EQ(data.rfind("HTTP/1.1 200 OK", 0), 0u) << data;
        EXPECT_NE(data.find("\r\n\r\n/" + std::to_string(i)), std::string::npos) << data;
    }
    ASSERT_EQ(seen.size(), 8u);
    for (auto id : seen) EXPECT_EQ(id, std::this_thread::get_id());
}

TEST_P(ServerTest, HandlerThatAnswersThenThrowsGets500) {
    start([](Request&&, Responder respond) {
        respond(text("half done"));
        throw std::runtime_error("boom");
    });
    auto res = fetch("GET", "/");
    ASSERT_TRUE(res.ok()) << res.error;
    EXPECT_EQ(res.status, 500);
}

TEST_P(ServerTest, AnswerFromALaterTurnOfTheLoopReachesTheClient) {
    // A long-poll: the Responder is called after the handler returned, from the handler's thread.
    std::optional<Responder> held;
    start([&](Request&&, Responder respond) { held = std::move(respond); });
    std::optional<ClientResult> got;
    client.send("GET", url("/poll"), {}, {}, 5s, [&](ClientResult r) { got = std::move(r); });
    ASSERT_TRUE(run_until(ioc, [&] { return held.has_value(); }));
    (*held)(text("later"));
    (*held)(text("twice"));  // ignored
    ASSERT_TRUE(run_until(ioc, [&] { return got.has_value(); }));
    ASSERT_TRUE(got->ok()) << got->error;
    EXPECT_EQ(got->body, "later");
    // Counted until the lane has seen its write complete, which may be just after the client
    // read the answer.
    EXPECT_TRUE(run_until(ioc, [&] { return server->requests_in_progress() == 0; }));
}

INSTANTIATE_TEST_SUITE_P(Lanes, ServerTest, ::testing::Values(std::size_t{0}, std::size_t{2}),
                         [](const auto& info) { return info.param == 0 ? "OnHandlerContext" : "OnIoThreads"; });

}  // namespace
}  // namespace carebridge::net
