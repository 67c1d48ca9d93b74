#include "net/response_head.hpp"

#include <gtest/gtest.h>

namespace carebridge::net::detail {
namespace {

Response json(int status, std::string body) {
    Response r;
    r.status = status;
    r.set_header("Content-Type", "application/json");
    r.body = std::move(body);
    return r;
}

TEST(ResponseHead, StatusLineHeadersInOrderLengthThenBlankLine) {
    auto r = json(201, "{}");
    r.set_header("Location", "/x");
    const auto out = write_response_head(r, 11, true, false);
    EXPECT_EQ(out.head,
              "HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nLocation: /x\r\n"
              "Server: carebridge\r\nContent-Length: 2\r\n\r\n");
    EXPECT_EQ(out.body, "{}");
    EXPECT_TRUE(out.keep_alive);
}

TEST(ResponseHead, FramingHeadersAreOursAndUnsafeOnesAreDropped) {
    auto r = json(200, "abc");
    r.headers.emplace_back("Content-Length", "999");
    r.headers.emplace_back("Transfer-Encoding", "chunked");
    r.headers.emplace_back("X-Split", "a\r\nSet-Cookie: evil=1");
    r.headers.emplace_back("Bad\nName", "v");
    r.headers.emplace_back("Server", "custom");
    const auto out = write_response_head(r, 11, true, false);
    EXPECT_EQ(out.head.find("999"), std::string::npos);
    EXPECT_EQ(out.head.find("Transfer-Encoding"), std::string::npos);
    EXPECT_EQ(out.head.find("evil"), std::string::npos);
    EXPECT_EQ(out.head.find("Bad"), std::string::npos);
    EXPECT_NE(out.head.find("Content-Length: 3\r\n"), std::string::npos);
    EXPECT_NE(out.head.find("Server: custom\r\n"), std::string::npos);
    EXPECT_EQ(out.head.find("carebridge"), std::string::npos);  // the handler's Server stays alone
}

TEST(ResponseHead, ConnectionCloseFromTheHandlerEndsKeepAlive) {
    auto r = json(200, "");
    r.set_header("Connection", "close");
    const auto out = write_response_head(r, 11, true, false);
    EXPECT_FALSE(out.keep_alive);
    EXPECT_NE(out.head.find("Connection: close\r\n"), std::string::npos);
    // Any other Connection value is dropped and keep-alive stays.
    auto k = json(200, "");
    k.set_header("Connection", "upgrade");
    const auto kept = write_response_head(k, 11, true, false);
    EXPECT_TRUE(kept.keep_alive);
    EXPECT_EQ(kept.head.find("Connection"), std::string::npos);
}

TEST(ResponseHead, Http10SaysKeepAliveOnlyWhenItKeepsTheConnection) {
    EXPECT_NE(write_response_head(json(200, "x"), 10, true, false).head.find("HTTP/1.0 200 OK\r\n"), std::string::npos);
    EXPECT_NE(write_response_head(json(200, "x"), 10, true, false).head.find("Connection: keep-alive\r\n"),
              std::string::npos);
    EXPECT_EQ(write_response_head(json(200, "x"), 10, false, false).head.find("Connection"), std::string::npos);
    EXPECT_NE(write_response_head(json(200, "x"), 11, false, false).head.find("Connection: close\r\n"),
              std::string::npos);
}

TEST(ResponseHead, HeadKeepsTheLengthWithoutTheBodyAndNoContentHasNeither) {
    const auto head = write_response_head(json(200, "hello"), 11, true, true);
    EXPECT_NE(head.head.find("Content-Length: 5\r\n"), std::string::npos);
    EXPECT_TRUE(head.body.empty());
    const auto none = write_response_head(json(204, ""), 11, true, false);
    EXPECT_EQ(none.head.find("Content-Length"), std::string::npos);
    EXPECT_TRUE(none.body.empty());
}

TEST(ResponseHead, InvalidStatusBecomesA500WithAJsonError) {
    const auto out = write_response_head(json(99, "x"), 11, true, false);
    EXPECT_EQ(out.head.rfind("HTTP/1.1 500 Internal Server Error\r\n", 0), 0u);
    EXPECT_NE(out.body.find("ServiceFailure"), std::string::npos);
}

}  // namespace
}  // namespace carebridge::net::detail
