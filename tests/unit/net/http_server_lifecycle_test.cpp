// Long-polls and shutdown: responders that outlive their connection or the server.
#include <gtest/gtest.h>

#include <algorithm>
#include <optional>

#include "net/http_client.hpp"
#include "net/http_server.hpp"
#include "test_support.hpp"

namespace carebridge::net {
namespace {

using namespace std::chrono_literals;
using test::run_until;

Response ok(std::string body) {
    Response r;
    r.body = std::move(body);
    return r;
}

// With the connections on the handler's io_context (0) and on I/O threads.
class LongPollTest : public ::testing::TestWithParam<std::size_t> {
protected:
    void SetUp() override {
        ServerOptions options;
        options.io_threads = GetParam();
        server = std::make_unique<HttpServer>(ioc, options, [this](Request&&, Responder r) {
            parked.push_back(std::move(r));
        });
        port = server->start();
    }
    void send(std::chrono::milliseconds timeout) {
        client.send("GET", "http://127.0.0.1:" + std::to_string(port) + "/poll", {}, {}, timeout,
                    [this](ClientResult r) {
                        ++answers;
                        result = std::move(r);
                    });
    }
    // Runs until nothing is pending; true if that happened promptly (nothing left parked).
    bool drains() {
        auto begin = std::chrono::steady_clock::now();
        ioc.restart();
        ioc.run_for(5s);
        return ioc.stopped() && std::chrono::steady_clock::now() - begin < 4s;
    }

    boost::asio::io_context ioc;
    HttpClient client{ioc};
    std::unique_ptr<HttpServer> server;
    std::uint16_t port = 0;
    std::vector<Responder> parked;
    std::optional<ClientResult> result;
    int answers = 0;
};

TEST_P(LongPollTest, ClientTimesOutAndALateResponderIsHarmless) {
    send(100ms);
    ASSERT_TRUE(run_until(ioc, [&] { return result.has_value(); }));
    EXPECT_EQ(result->error, "timeout");
    ASSERT_EQ(parked.size(), 1u);
    parked[0](ok("too late"));  // the client is gone: the write fails or lands nowhere
    parked[0](ok("twice"));     // a second call is ignored
    server->stop();
    EXPECT_TRUE(drains());
    parked[0](ok("after stop"));  // the connection coroutine has ended by now
    EXPECT_EQ(answers, 1);
}

TEST_P(LongPollTest, StopClosesParkedConnections) {
    send(10s);
    ASSERT_TRUE(run_until(ioc, [&] { return parked.size() == 1; }));
    server->stop();
    ASSERT_TRUE(run_until(ioc, [&] { return result.has_value(); }));
    EXPECT_FALSE(result->ok());
    EXPECT_TRUE(drains());
    parked[0](ok("after stop"));
    EXPECT_EQ(answers, 1);
}

TEST_P(LongPollTest, ResponderOutlivesTheServer) {
    send(10s);
    ASSERT_TRUE(run_until(ioc, [&] { return parked.size() == 1; }));
    server.reset();  // destructor stops; connection state must survive for the Responder
    ASSERT_TRUE(run_until(ioc, [&] { return result.has_value(); }));
    EXPECT_TRUE(drains());
    parked[0](ok("orphan"));
    parked.clear();
    EXPECT_EQ(answers, 1);
}

TEST_P(LongPollTest, ManyParkedThenAnsweredInReverseOrder) {
    std::vector<ClientResult> results;
    for (int i = 0; i < 5; ++i)
        client.send("GET", "http://127.0.0.1:" + std::to_string(port) + "/", {}, {}, 5s,
                    [&](ClientResult r) { results.push_back(std::move(r)); });
    ASSERT_TRUE(run_until(ioc, [&] { return parked.size() == 5; }));
    for (int i = 4; i >= 0; --i) parked[static_cast<std::size_t>(i)](ok(std::to_string(i)));
    ASSERT_TRUE(run_until(ioc, [&] { return results.size() == 5; }));
    EXPECT_EQ(results.front().body, "4");
    for (auto& r : results) EXPECT_TRUE(r.ok()) << r.error;
}

// Many connections at once, some requests parked until their client gave up, then answered
// late, then a stop in the middle of a burst: on I/O threads this is where a race between a
// lane and the handler's thread would show (CI runs it under ThreadSanitizer too).
TEST_P(LongPollTest, BurstWithAbandonedLongPollsAndAStopMidway) {
    ServerOptions options;
    options.io_threads = GetParam() == 0 ? 0 : 2;
    server = std::make_unique<HttpServer>(ioc, options, [this](Request&& req, Responder r) {
        if (req.path == "/park") parked.push_back(std::move(r));
        else r(ok(req.path));
    });
    port = server->start();
    const auto url = [&](const std::string& path) { return "http://127.0.0.1:" + std::to_string(port) + path; };
    std::vector<std::optional<ClientResult>> quick(100), gone(30);
    for (std::size_t i = 0; i < quick.size(); ++i)
        client.send("GET", url("/q" + std::to_string(i)), {}, {}, 5s, [&quick, i](ClientResult r) { quick[i] = std::move(r); });
    for (std::size_t i = 0; i < gone.size(); ++i)
        client.send("GET", url("/park"), {}, {}, 50ms, [&gone, i](ClientResult r) { gone[i] = std::move(r); });
    const auto all = [](const auto& v) { return std::all_of(v.begin(), v.end(), [](const auto& r) { return r.has_value(); }); };
    ASSERT_TRUE(run_until(ioc, [&] { return all(quick) && all(gone); }));
    for (std::size_t i = 0; i < quick.size(); ++i) {
        ASSERT_TRUE(quick[i]->ok()) << quick[i]->error;
        EXPECT_EQ(quick[i]->body, "/q" + std::to_string(i));
    }
    for (const auto& r : gone) EXPECT_EQ(r->error, "timeout");
    ASSERT_TRUE(run_until(ioc, [&] { return parked.size() == gone.size(); }));
    for (auto& r : parked) r(ok("too late"));  // their connections are closed or closing

    std::vector<std::optional<ClientResult>> burst(60);
    for (std::size_t i = 0; i < burst.size(); ++i)
        client.send("GET", url("/b" + std::to_string(i)), {}, {}, 5s, [&burst, i](ClientResult r) { burst[i] = std::move(r); });
    ASSERT_TRUE(run_until(ioc, [&] {
        return std::count_if(burst.begin(), burst.end(), [](const auto& r) { return r.has_value(); }) >= 5;
    }));
    server->stop();
    ASSERT_TRUE(run_until(ioc, [&] { return all(burst); }));  // answered, or failed: never hung
    for (std::size_t i = 0; i < burst.size(); ++i) {
        if (burst[i]->ok()) {
            EXPECT_EQ(burst[i]->body, "/b" + std::to_string(i));
        }
    }
    server.reset();
    EXPECT_TRUE(drains());
}

INSTANTIATE_TEST_SUITE_P(Lanes, LongPollTest, ::testing::Values(std::size_t{0}, std::size_t{1}),
                         [](const auto& info) { return info.param == 0 ? "OnHandlerContext" : "OnIoThreads"; });

}  // namespace
}  // namespace carebridge::net
