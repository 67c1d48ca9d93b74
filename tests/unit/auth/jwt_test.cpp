// jwt_sign / jwt_verify: round trips, every rejection reason, check order and hostile input.
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <boost/json/serialize.hpp>
#include <gtest/gtest.h>
#include <openssl/evp.h>

#include "test_keys.hpp"

namespace carebridge::auth {
namespace {

using testing::key_a;
using testing::key_b;

constexpr std::int64_t kNow = 1'700'000'000;
const char* const kIssuer = "https://carebridge.test";
const char* const kAudience = "client-123";

JwtExpectations expectations() { return {kIssuer, kAudience, kNow, 30}; }

boost::json::object claims() {
    return {{"iss", kIssuer}, {"aud", kAudience}, {"sub", "user-1"}, {"iat", kNow}, {"exp", kNow + 3600}};
}

JwtError verify(const std::string& token, const JwtExpectations& expect = expectations()) {
    return jwt_verify(key_a(), token, expect).error;
}

JwtError verify_claims(const boost::json::object& c, const JwtExpectations& expect = expectations()) {
    return verify(jwt_sign(key_a(), c), expect);
}

std::string b64json(const boost::json::object& o) { return base64url_encode(boost::json::serialize(o)); }

// A token with an arbitrary header, carrying a genuine key_a signature over it.
std::string sign_with_header(const boost::json::object& header, const boost::json::object& c) {
    const std::string input = b64json(header) + "." + b64json(c);
    return input + "." + base64url_encode(key_a().sign(input));
}

// The classic key-confusion attack: an HS256 token keyed with public material the attacker
// knows (key_a's modulus).
std::string hs256_keyed_with_public_modulus() {
    const std::string input = b64json({{"alg", "HS256"}, {"typ", "JWT"}}) + "." + b64json(claims());
    const std::string secret(key_a().public_jwk().at("n").as_string());
    unsigned char mac[EVP_MAX_MD_SIZE];
    std::size_t mac_len = 0;
    if (EVP_Q_mac(nullptr, "HMAC", nullptr, "SHA256", nullptr, secret.data(), secret.size(),
                  reinterpret_cast<const unsigned char*>(input.data()), input.size(), mac, sizeof mac,
                  &mac_len) == nullptr)
        throw std::runtime_error("HMAC failed");
    return input + "." + base64url_encode(std::string(reinterpret_cast<const char*>(mac), mac_len));
}

TEST(Jwt, SignVerifyRoundTrip) {
    const std::string token = jwt_sign(key_a(), claims());
    const JwtVerified result = jwt_verify(key_a(), token, expectations());
    ASSERT_TRUE(result.ok()) << to_string(result.error);
    EXPECT_EQ(result.claims, claims());
}

TEST(Jwt, HeaderCarriesAlgTypAndKid) {
    const std::string token = jwt_sign(key_a(), claims());
    const auto header = base64url_decode(token.substr(0, token.find('.')));
    ASSERT_TRUE(header.has_value());
    EXPECT_EQ(*header, R"({"alg":"RS256","typ":"JWT","kid":")" + key_a().kid() + R"("})");
}

TEST(Jwt, TamperedPayloadIsBadSignature) {
    const std::string token = jwt_sign(key_a(), claims());
    const auto dot1 = token.find('.'), dot2 = token.rfind('.');
    boost::json::object forged = claims();
    forged["sub"] = "admin";
    EXPECT_EQ(verify(token.substr(0, dot1 + 1) + b64json(forged) + token.substr(dot2)), JwtError::bad_signature);
    std::string flipped = token;
    flipped[dot2 + 10] = flipped[dot2 + 10] == 'A' ? 'B' : 'A';
    EXPECT_EQ(verify(flipped), JwtError::bad_signature);
    EXPECT_EQ(verify(token.substr(0, dot2 + 1)), JwtError::bad_signature);  // signature stripped
}

// HS256 under the key's own secret: accepted only where the caller says so, only with the
// secret of the same key, and never with public material as the secret.
TEST(Jwt, MacTokensVerifyOnlyWhereAcceptedAndOnlyWithTheirKey) {
    const std::string token = jwt_sign_mac(key_a(), claims());
    const auto header = base64url_decode(token.substr(0, token.find('.')));
    ASSERT_TRUE(header.has_value());
    EXPECT_EQ(*header, R"({"alg":"HS256","typ":"JWT","kid":")" + key_a().kid() + R"("})");
    auto accepting = expectations();
    accepting.accept_mac = true;
    const JwtVerified ok = jwt_verify(key_a(), token, accepting);
    ASSERT_TRUE(ok.ok()) << to_string(ok.error);
    EXPECT_EQ(ok.claims, claims());
    EXPECT_EQ(verify(token), JwtError::bad_algorithm);  // not accepted by default
    EXPECT_EQ(jwt_verify(key_b(), token, accepting).error, JwtError::bad_signature);
    EXPECT_EQ(verify(jwt_sign_mac(key_b(), claims()), accepting), JwtError::bad_signature);
    const auto dot1 = token.find('.'), dot2 = token.rfind('.');
    boost::json::object forged = claims();
    forged["sub"] = "admin";
    EXPECT_EQ(verify(token.substr(0, dot1 + 1) + b64json(forged) + token.substr(dot2), accepting),
              JwtError::bad_signature);
    // The key-confusion attempt fails here too: the secret is not the public modulus.
    EXPECT_EQ(verify(hs256_keyed_with_public_modulus(), accepting), JwtError::bad_signature);
    // RS256 still verifies where HS256 is accepted.
    EXPECT_EQ(verify(jwt_sign(key_a(), claims()), accepting), JwtError::none);
}

TEST(Jwt, OtherKeysTokenIsBadSignature) {
    EXPECT_EQ(verify(jwt_sign(key_b(), claims())), JwtError::bad_signature);
}

TEST(Jwt, AlgNoneIsRejected) {
    EXPECT_EQ(verify(b64json({{"alg", "none"}}) + "." + b64json(claims()) + "."), JwtError::bad_algorithm);
    EXPECT_EQ(verify(b64json({{"alg", "none"}, {"typ", "JWT"}}) + "." + b64json(claims()) + "."),
              JwtError::bad_algorithm);
    // Even with a genuine signature, the header may not name another algorithm.
    EXPECT_EQ(verify(sign_with_header({{"alg", "none"}}, claims())), JwtError::bad_algorithm);
}

TEST(Jwt, Hs256WithPublicKeyAsSecretIsRejected) {
    EXPECT_EQ(verify(hs256_keyed_with_public_modulus()), JwtError::bad_algorithm);
}

TEST(Jwt, OnlyExactRs256IsAccepted) {
    for (const boost::json::object& header : std::vector<boost::json::object>{
             {}, {{"typ", "JWT"}}, {{"alg", "rs256"}}, {{"alg", "RS512"}}, {{"alg", "PS256"}},
             {{"alg", nullptr}}, {{"alg", 256}}, {{"alg", boost::json::array{"RS256"}}}}) {
        EXPECT_EQ(verify(sign_with_header(header, claims())), JwtError::bad_algorithm) << header;
    }
    EXPECT_EQ(verify(sign_with_header({{"alg", "RS256"}}, claims())), JwtError::none);
}

TEST(Jwt, ExpiryHonoursLeeway) {
    auto expect = expectations();
    boost::json::object c = claims();
    c["exp"] = kNow - 30;  // exactly at the edge of the 30 s leeway: still valid
    EXPECT_EQ(verify_claims(c, expect), JwtError::none);
    c["exp"] = kNow - 31;
    EXPECT_EQ(verify_claims(c, expect), JwtError::expired);
    expect.leeway = 0;
    c["exp"] = kNow - 1;
    EXPECT_EQ(verify_claims(c, expect), JwtError::expired);
    c["exp"] = static_cast<double>(kNow) + 0.5;  // numbers may be fractional (NumericDate)
    EXPECT_EQ(verify_claims(c, expect), JwtError::none);
}

TEST(Jwt, NotBeforeHonoursLeeway) {
    boost::json::object c = claims();
    c["nbf"] = kNow + 30;
    EXPECT_EQ(verify_claims(c), JwtError::none);
    c["nbf"] = kNow + 31;
    EXPECT_EQ(verify_claims(c), JwtError::not_yet_valid);
}

TEST(Jwt, ExpIsRequiredAndNumeric) {
    boost::json::object c = claims();
    c.erase("exp");
    EXPECT_EQ(verify_claims(c), JwtError::malformed);
    c["exp"] = std::to_string(kNow + 3600);
    EXPECT_EQ(verify_claims(c), JwtError::malformed);
    c = claims();
    c["nbf"] = "yesterday";
    EXPECT_EQ(verify_claims(c), JwtError::malformed);
}

TEST(Jwt, ExtremeTimesDoNotOverflow) {
    boost::json::object c = claims();
    c["exp"] = std::numeric_limits<std::int64_t>::max();
    EXPECT_EQ(verify_claims(c), JwtError::none);
    c["exp"] = std::numeric_limits<std::uint64_t>::max();
    EXPECT_EQ(verify_claims(c), JwtError::none);
    c["exp"] = std::numeric_limits<std::int64_t>::min();
    EXPECT_EQ(verify_claims(c), JwtError::expired);
    c["exp"] = 1e308;
    c["nbf"] = -1e308;
    EXPECT_EQ(verify_claims(c), JwtError::none);
    auto expect = expectations();
    expect.leeway = std::numeric_limits<std::int64_t>::max();
    expect.now = std::numeric_limits<std::int64_t>::max();
    EXPECT_EQ(verify_claims(claims(), expect), JwtError::none);  // absurd, but no UB
}

TEST(Jwt, IssuerMustMatch) {
    boost::json::object c = claims();
    c["iss"] = "https://evil.test";
    EXPECT_EQ(verify_claims(c), JwtError::wrong_issuer);
    c["iss"] = boost::json::array{kIssuer};
    EXPECT_EQ(verify_claims(c), JwtError::wrong_issuer);
    c.erase("iss");
    EXPECT_EQ(verify_claims(c), JwtError::wrong_issuer);
}

TEST(Jwt, AudienceMustMatch) {
    boost::json::object c = claims();
    c["aud"] = "someone-else";
    EXPECT_EQ(verify_claims(c), JwtError::wrong_audience);
    c["aud"] = boost::json::array{"a", kAudience, "b"};
    EXPECT_EQ(verify_claims(c), JwtError::none);
    c["aud"] = boost::json::array{"a", "b"};
    EXPECT_EQ(verify_claims(c), JwtError::wrong_audience);
    c["aud"] = boost::json::array{};
    EXPECT_EQ(verify_claims(c), JwtError::wrong_audience);
    c.erase("aud");
    EXPECT_EQ(verify_claims(c), JwtError::wrong_audience);
    auto expect = expectations();
    expect.audience.clear();  // audience not checked
    EXPECT_EQ(verify_claims(c, expect), JwtError::none);
}

TEST(Jwt, ChecksRunInDocumentedOrder) {
    boost::json::object c = claims();
    c["exp"] = kNow - 1000;
    c["iss"] = "wrong";
    c["aud"] = "wrong";
    EXPECT_EQ(verify(jwt_sign(key_b(), c)), JwtError::bad_signature);  // signature before time
    EXPECT_EQ(verify_claims(c), JwtError::expired);                    // time before issuer
    c["exp"] = kNow + 1000;
    EXPECT_EQ(verify_claims(c), JwtError::wrong_issuer);  // issuer before audience
}

TEST(Jwt, GarbageIsMalformedNotACrash) {
    const std::string good = jwt_sign(key_a(), claims());
    const std::string payload = b64json(claims());
    const std::string header = b64json({{"alg", "RS256"}});
    const std::string deep(10000, '[');
    const std::vector<std::string> garbage = {
        "", ".", "..", "...", "a", "a.b", "a.b.c", "a.b.c.d", good + ".", "." + good, "!!!.###.$$$",
        "eyJ.eyJ.", header + "." + payload + ".***",                      // signature not base64url
        header + "." + payload + ".AAAA=",                                // padded signature
        base64url_encode("not json") + "." + payload + ".",
        base64url_encode("[1,2]") + "." + payload + ".",                  // header not an object
        header + "." + base64url_encode("\"string\"") + ".",              // payload not an object
        header + "." + base64url_encode("{\"exp\":1") + ".",              // truncated JSON
        header + "." + base64url_encode(deep) + ".",                      // deep nesting
        header + "." + base64url_encode(std::string("{\"a\":\"\0\"}", 9)) + ".",
        std::string("\0.\0.\0", 5), std::string(100000, 'A') + ".." ,
    };
    for (const auto& token : garbage) {
        const JwtVerified result = jwt_verify(key_a(), token, expectations());
        EXPECT_EQ(result.error, JwtError::malformed) << token.substr(0, 80);
        EXPECT_TRUE(result.claims.empty());
    }
}

TEST(Jwt, ConcurrentVerificationWithOneKey) {
    const std::string token = jwt_sign(key_a(), claims());
    std::vector<std::thread> threads;
    std::vector<int> ok(4, 0);
    for (std::size_t t = 0; t < ok.size(); ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < 50; ++i) ok[t] += verify(token) == JwtError::none;
        });
    }
    for (auto& th : threads) th.join();
    for (const int n : ok) EXPECT_EQ(n, 50);
}

TEST(Jwt, ErrorNames) {
    EXPECT_STREQ(to_string(JwtError::none), "none");
    EXPECT_STREQ(to_string(JwtError::malformed), "malformed");
    EXPECT_STREQ(to_string(JwtError::bad_algorithm), "bad_algorithm");
    EXPECT_STREQ(to_string(JwtError::bad_signature), "bad_signature");
    EXPECT_STREQ(to_string(JwtError::expired), "expired");
    EXPECT_STREQ(to_string(JwtError::not_yet_valid), "not_yet_valid");
    EXPECT_STREQ(to_string(JwtError::wrong_audience), "wrong_audience");
    EXPECT_STREQ(to_string(JwtError::wrong_issuer), "wrong_issuer");
}

}  // namespace
}  // namespace carebridge::auth
