// HttpClient::restrict_addresses: the connect-time half of the callback SSRF defence. A name
// that passed registration (e.g. after a DNS change) is refused on its resolved address.
#include <gtest/gtest.h>

#include <optional>

#include "net/http_client.hpp"
#include "test_support.hpp"

namespace carebridge::net {
namespace {

using namespace std::chrono_literals;
using test::FakeOrigin;
using test::run_until;

ClientResult fetch(boost::asio::io_context& ioc, HttpClient& client, const std::string& url) {
    std::optional<ClientResult> got;
    client.send("GET", url, {}, {}, 5s, [&](ClientResult r) { got = std::move(r); });
    EXPECT_TRUE(run_until(ioc, [&] { return got.has_value(); }));
    return got.value_or(ClientResult{"no answer"});
}

TEST(HttpClientPolicy, RefusesLoopbackByAddressAndByName) {
    boost::asio::io_context ioc;
    HttpClient client{ioc};
    FakeOrigin origin(ioc, FakeOrigin::Mode::respond);
    client.restrict_addresses(AddressPolicy{});
    const std::string port = std::to_string(origin.port);
    for (const std::string& url : {"http://127.0.0.1:" + port + "/x", "http://localhost:" + port + "/x"}) {
        const auto res = fetch(ioc, client, url);
        EXPECT_FALSE(res.ok()) << url;
        EXPECT_NE(res.error.find("refused"), std::string::npos) << res.error;
    }
    EXPECT_EQ(origin.accepts, 0);  // never connected
}

TEST(HttpClientPolicy, AllowsLoopbackWhenThePolicySays) {
    boost::asio::io_context ioc;
    HttpClient client{ioc};
    FakeOrigin origin(ioc, FakeOrigin::Mode::respond);
    client.restrict_addresses(AddressPolicy{true, false});
    const auto res = fetch(ioc, client, "http://127.0.0.1:" + std::to_string(origin.port) + "/x");
    ASSERT_TRUE(res.ok()) << res.error;
    EXPECT_EQ(res.status, 200);
}

}  // namespace
}  // namespace carebridge::net
