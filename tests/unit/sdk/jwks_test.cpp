// RS256 callback tokens verified against a JWK set: tokens are signed with the platform's own
// auth::SigningKey, the set is its published public half.
#include "sdk/jwks.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace carebridge::sdk {
namespace {

namespace json = boost::json;

const auth::SigningKey& key() {
    static const auth::SigningKey k = auth::SigningKey::generate();
    return k;
}
const auth::SigningKey& other_key() {
    static const auth::SigningKey k = auth::SigningKey::generate();
    return k;
}
JwkSet keys_of(std::initializer_list<const auth::SigningKey*> ks) {
    json::array arr;
    for (const auto* k : ks) arr.push_back(k->public_jwk());
    auto set = JwkSet::parse(json::serialize(json::object{{"keys", arr}}));
    EXPECT_TRUE(set);
    return *set;
}
json::object claims(std::int64_t now) {
    return {{"iss", "https://platform.example"}, {"aud", "1627259584"}, {"typ", "callback"},
            {"iat", now}, {"nbf", now}, {"exp", now + 600}};
}
constexpr std::int64_t kNow = 1'700'000'000;
const auth::JwtExpectations kExpect{"https://platform.example", "1627259584", kNow, 60};

TEST(Jwks, VerifiesThePlatformsCallbackToken) {
    const auto token = auth::jwt_sign(key(), claims(kNow));
    const auto set = keys_of({&other_key(), &key()});
    EXPECT_EQ(set.size(), 2u);
    EXPECT_EQ(jwt_kid(token), key().kid());
    auto v = verify_jwt(set, token, kExpect);
    ASSERT_TRUE(v.ok()) << auth::to_string(v.error);
    EXPECT_EQ(v.claims.at("typ").as_string(), "callback");
}

TEST(Jwks, RefusesWrongAudienceIssuerTimeAndKey) {
    const auto set = keys_of({&key()});
    const auto token = auth::jwt_sign(key(), claims(kNow));
    auto expect = kExpect;
    expect.audience = "2000000001";
    EXPECT_EQ(verify_jwt(set, token, expect).error, auth::JwtError::wrong_audience);
    expect = kExpect;
    expect.issuer = "https://evil.example";
    EXPECT_EQ(verify_jwt(set, token, expect).error, auth::JwtError::wrong_issuer);
    expect = kExpect;
    expect.now = kNow + 600 + 61;
    EXPECT_EQ(verify_jwt(set, token, expect).error, auth::JwtError::expired);
    expect.now = kNow - 61;
    EXPECT_EQ(verify_jwt(set, token, expect).error, auth::JwtError::not_yet_valid);
    // Signed by a key the set does not hold.
    EXPECT_EQ(verify_jwt(set, auth::jwt_sign(other_key(), claims(kNow)), kExpect).error, auth::JwtError::bad_signature);
}

TEST(Jwks, RefusesTamperingAndAlgorithmConfusion) {
    const auto set = keys_of({&key()});
    auto token = auth::jwt_sign(key(), claims(kNow));
    // Swap the claims for others with a different audience; keep the signature.
    auto forged_claims = claims(kNow);
    forged_claims["aud"] = "someone-else";
    const auto dot1 = token.find('.'), dot2 = token.rfind('.');
    const auto forged = token.substr(0, dot1 + 1) + auth::base64url_encode(json::serialize(forged_claims)) +
                        token.substr(dot2);
    EXPECT_EQ(verify_jwt(set, forged, kExpect).error, auth::JwtError::bad_signature);
    // alg "none" / HS256 are refused whatever the signature.
    for (const char* alg : {"none", "HS256"}) {
        json::object header{{"alg", alg}, {"kid", key().kid()}};
        const auto t = auth::base64url_encode(json::serialize(header)) + token.substr(dot1, dot2 - dot1) + ".";
        EXPECT_EQ(verify_jwt(set, t, kExpect).error, auth::JwtError::bad_algorithm) << alg;
    }
    for (const char* bad : {"", "a.b", "a.b.c.d", "!!.??.**"}) EXPECT_EQ(verify_jwt(set, bad, kExpect).error, auth::JwtError::malformed) << bad;
}

TEST(Jwks, KeySetParsing) {
    EXPECT_FALSE(JwkSet::parse("{}"));
    EXPECT_FALSE(JwkSet::parse("not json"));
    EXPECT_FALSE(JwkSet::parse(R"({"keys": [{"kty": "EC", "x": "a"}]})"));
    auto weak = key().public_jwk();
    weak["n"] = auth::base64url_encode(std::string(64, '\x7f'));  // 512 bits
    EXPECT_FALSE(PublicKey::from_jwk(weak));
    EXPECT_TRUE(PublicKey::from_jwk(key().public_jwk()));
    // With one key and no kid in the token, that key is used; with two, none is guessed.
    json::object header{{"alg", "RS256"}};
    const auto unsigned_part = auth::base64url_encode(json::serialize(header)) + "." +
                               auth::base64url_encode(json::serialize(claims(kNow)));
    const auto token = unsigned_part + "." + auth::base64url_encode(key().sign(unsigned_part));
    EXPECT_TRUE(verify_jwt(keys_of({&key()}), token, kExpect).ok());
    EXPECT_EQ(verify_jwt(keys_of({&key(), &other_key()}), token, kExpect).error, auth::JwtError::bad_signature);
}

}  // namespace
}  // namespace carebridge::sdk
