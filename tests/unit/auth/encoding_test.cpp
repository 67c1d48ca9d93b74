// base64url, random_hex and the RFC 7638 thumbprint, checked against published vectors.
#include <set>
#include <string>

#include <gtest/gtest.h>

#include "platform/auth/jwt.hpp"
#include "platform/auth/jwt_detail.hpp"

namespace carebridge::auth {
namespace {

TEST(Base64Url, Rfc4648VectorsWithoutPadding) {
    const std::pair<std::string, std::string> vectors[] = {
        {"", ""},          {"f", "Zg"},         {"fo", "Zm8"},       {"foo", "Zm9v"},
        {"foob", "Zm9vYg"}, {"fooba", "Zm9vYmE"}, {"foobar", "Zm9vYmFy"},
    };
    for (const auto& [plain, encoded] : vectors) {
        EXPECT_EQ(base64url_encode(plain), encoded);
        EXPECT_EQ(base64url_decode(encoded), plain) << encoded;
    }
}

TEST(Base64Url, UsesUrlSafeAlphabet) {
    // Standard base64 of these bytes is "+/8=" and "+/+/".
    EXPECT_EQ(base64url_encode("\xfb\xff"), "-_8");
    EXPECT_EQ(base64url_encode("\xfb\xff\xbf"), "-_-_");
    EXPECT_EQ(base64url_decode("-_8"), std::string("\xfb\xff"));
}

TEST(Base64Url, RoundTripsEveryLengthAndByteValue) {
    std::string all;
    for (int i = 0; i < 256; ++i) all += static_cast<char>(i);
    for (std::size_t len = 0; len <= all.size(); ++len) {
        const std::string data = all.substr(all.size() - len);  // includes NUL and high bytes
        const std::string encoded = base64url_encode(data);
        EXPECT_EQ(encoded.size(), (len * 4 + 2) / 3);
        EXPECT_EQ(encoded.find('='), std::string::npos);
        EXPECT_EQ(base64url_decode(encoded), data) << "length " << len;
    }
}

TEST(Base64Url, RejectsInvalidInput) {
    const std::string bad[] = {
        "Zm9v+A",         // '+' is standard base64, not base64url
        "Zm/v",           // '/' likewise
        "Zg==",           // padding is not accepted in JWT/JWK text
        "Zm9 v",          // whitespace
        "Zm9v\n",         //
        std::string("Zm\0v", 4),  // embedded NUL
        "Zm9v\xc3\xa9",   // non-ASCII
        "Z",              // a length no encoder produces
        "Zm9vY",          //
        "Zh",             // non-zero unused bits: would alias "Zg" ("f")
        "Zm9",            // ditto for the two-byte case ("Zm8" is canonical)
    };
    for (const auto& text : bad) EXPECT_FALSE(base64url_decode(text).has_value()) << text;
}

TEST(Base64Url, RejectsABadCharacterAtAnyPosition) {
    // Covers both the 4-character group path and the 2- and 3-character tails.
    for (const std::string good : {"Zm9vYmFy", "Zm9vYg", "Zm9vYmE"}) {
        ASSERT_TRUE(base64url_decode(good).has_value());
        for (std::size_t i = 0; i < good.size(); ++i) {
            for (const char c : {'+', '/', '=', '.', ' ', '\x80', '\0'}) {
                std::string bad = good;
                bad[i] = c;
                EXPECT_FALSE(base64url_decode(bad).has_value()) << good << " pos " << i;
            }
        }
    }
}

TEST(RandomHex, HasRequestedLengthAndIsLowercaseHex) {
    EXPECT_EQ(random_hex(0), "");
    for (const std::size_t n : {1u, 16u, 32u, 33u}) {
        const std::string hex = random_hex(n);
        EXPECT_EQ(hex.size(), 2 * n);
        EXPECT_EQ(hex.find_first_not_of("0123456789abcdef"), std::string::npos) << hex;
    }
}

TEST(RandomHex, IsUnique) {
    std::set<std::string> seen;
    for (int i = 0; i < 1000; ++i) EXPECT_TRUE(seen.insert(random_hex(16)).second);
}

TEST(JwkThumbprint, MatchesRfc7638Example) {
    // RFC 7638 §3.1.
    const std::string n =
        "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZ"
        "CiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8K"
        "JZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_x"
        "BniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw";
    EXPECT_EQ(detail::rsa_jwk_thumbprint(n, "AQAB"), "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs");
}

}  // namespace
}  // namespace carebridge::auth
