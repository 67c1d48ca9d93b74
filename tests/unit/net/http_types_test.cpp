#include "net/http_types.hpp"

#include <gtest/gtest.h>

namespace carebridge::net {
namespace {

TEST(HttpTypes, IequalsIgnoresAsciiCase) {
    EXPECT_TRUE(iequals("Content-Type", "content-TYPE"));
    EXPECT_FALSE(iequals("Content-Type", "Content-Typ"));
    EXPECT_TRUE(iequals("", ""));
}

TEST(HttpTypes, HeaderSafeRejectsExactlyCrLfAndNul) {
    EXPECT_TRUE(header_safe("Bearer abc.def-ghi_~+/="));
    EXPECT_TRUE(header_safe(""));
    EXPECT_FALSE(header_safe("a\rb"));
    EXPECT_FALSE(header_safe("a\nb"));
    EXPECT_FALSE(header_safe(std::string_view("a\0b", 3)));
    EXPECT_TRUE(header_safe("tab\tand \x7f\xff"));
}

TEST(HttpTypes, PercentDecode) {
    EXPECT_EQ(percent_decode("a%20b%2Fc", false), "a b/c");
    EXPECT_EQ(percent_decode("a+b", false), "a+b");
    EXPECT_EQ(percent_decode("a+b", true), "a b");
    EXPECT_EQ(percent_decode("/plain/path-1.x", true), "/plain/path-1.x");
    EXPECT_EQ(percent_decode("", true), "");
    EXPECT_EQ(percent_decode("%e2%82%AC", false), "\xE2\x82\xAC");
    // Malformed escapes stay literal.
    EXPECT_EQ(percent_decode("100%", false), "100%");
    EXPECT_EQ(percent_decode("%zz%4", false), "%zz%4");
    EXPECT_EQ(percent_decode("%00", false), std::string(1, '\0'));
}

TEST(HttpTypes, PercentEncodeKeepsUnreserved) {
    EXPECT_EQ(percent_encode("AZaz09-._~"), "AZaz09-._~");
    EXPECT_EQ(percent_encode("a b&c=d/é"), "a%20b%26c%3Dd%2F%C3%A9");
    EXPECT_EQ(percent_decode(percent_encode("x+y %?#"), false), "x+y %?#");
}

TEST(HttpTypes, ParseQuery) {
    auto q = parse_query("a=1&b=x+y&&c&d=%3D&a=2", true);
    ASSERT_EQ(q.size(), 5u);
    EXPECT_EQ(q[0], (std::pair<std::string, std::string>{"a", "1"}));
    EXPECT_EQ(q[1].second, "x y");
    EXPECT_EQ(q[2], (std::pair<std::string, std::string>{"c", ""}));
    EXPECT_EQ(q[3].second, "=");
    EXPECT_EQ(q[4].second, "2");
    EXPECT_EQ(parse_query("b=x+y", false)[0].second, "x+y");
    EXPECT_TRUE(parse_query("", true).empty());
}

TEST(HttpTypes, RequestLookups) {
    Request r;
    r.headers = {{"Content-Type", "text/plain"}, {"X-A", "1"}};
    r.query = {{"k", "v"}, {"k", "w"}};
    EXPECT_EQ(r.header("content-type"), "text/plain");
    EXPECT_FALSE(r.header("missing").has_value());
    EXPECT_EQ(r.query_param("k"), "v");  // first wins
    EXPECT_FALSE(r.query_param("K").has_value());
}

TEST(HttpTypes, SetHeaderReplacesCaseInsensitively) {
    Response r;
    r.set_header("Content-Type", "a");
    r.headers.emplace_back("content-type", "dup");
    r.set_header("CONTENT-TYPE", "b");
    ASSERT_EQ(r.headers.size(), 1u);
    EXPECT_EQ(r.header("content-type"), "b");
    EXPECT_EQ(r.headers[0].first, "CONTENT-TYPE");
}

}  // namespace
}  // namespace carebridge::net
