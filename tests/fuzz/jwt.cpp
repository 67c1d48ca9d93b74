// JWT parsing and verification, platform side (auth::jwt_verify and the four token kinds of
// TokenService) and SDK side (JWK set parsing, kid lookup, verify_jwt). The first byte picks:
//   '{' : "<header JSON>\0<claims JSON>" signed with the real key, so the claim checks
//         (alg, typ, exp/nbf types, aud arrays, the grants' fields) are reached;
//   '[' : the rest is a JWK set;
//   else: the whole input is a token as received.
#include <cstdint>
#include <string>
#include <string_view>

#include <boost/json.hpp>

#include "platform/auth/jwt.hpp"
#include "platform/auth/tokens.hpp"
#include "sdk/jwks.hpp"

namespace {
using namespace carebridge;

constexpr std::int64_t kNow = 1'466'991'733;

const auth::SigningKey& key() {
    static const auth::SigningKey k = auth::SigningKey::generate();
    return k;
}
const auth::KeyRing& ring() {
    static const auth::KeyRing r(key());
    return r;
}
const sdk::JwkSet& jwks() {
    static const sdk::JwkSet set = [] {
        boost::json::object doc;
        doc["keys"] = boost::json::array{key().public_jwk()};
        return *sdk::JwkSet::parse(boost::json::serialize(doc));
    }();
    return set;
}

void verify_everywhere(std::string_view token) {
    const auth::TokenService tokens(ring(), "https://platform.example");
    auth::JwtExpectations expect{"https://platform.example", "", kNow, 30};
    (void)auth::jwt_verify(key(), token, expect);
    (void)auth::jwt_verify(ring(), token, expect);  // the kid lookup
    expect.audience = "1627259584";
    (void)sdk::verify_jwt(jwks(), token, expect);
    (void)sdk::jwt_kid(token);
    (void)tokens.verify_app_token(token, kNow);
    (void)tokens.verify_user_token(token, kNow);
    (void)tokens.verify_anon_token(token, kNow);
    (void)tokens.anon_token_origins(token);
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view in(reinterpret_cast<const char*>(data), size);
    if (in.empty()) return 0;
    if (in[0] == '[') {
        auto set = sdk::JwkSet::parse(in.substr(1));
        if (set) (void)sdk::verify_jwt(*set, "a.b.c", {"x", "", kNow, 30});
        return 0;
    }
    if (in[0] == '{') {
        const auto nul = in.find('\0');
        if (nul == std::string_view::npos) return 0;
        const std::string signing_input =
            auth::base64url_encode(in.substr(0, nul)) + "." + auth::base64url_encode(in.substr(nul + 1));
        verify_everywhere(signing_input + "." + auth::base64url_encode(key().sign(signing_input)));
        return 0;
    }
    (void)auth::base64url_decode(in);
    verify_everywhere(in);
    return 0;
}
