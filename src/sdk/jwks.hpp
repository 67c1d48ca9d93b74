#pragma once
// Verifying the platform's callback tokens: RS256 JWTs checked against the public keys it
// publishes as a JWK Set (GET /.well-known/jwks.json). auth::SigningKey needs the private key,
// so the SDK has its own verify-only key type; the claim rules (alg pinned to RS256, exp
// required, nbf, iss, aud) are the same as auth::jwt_verify's and reuse its result types.
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>

#include "platform/auth/jwt.hpp"
#include "sdk/error.hpp"

namespace carebridge::sdk {

class PublicKey {
public:
    // An RSA JWK {kty:"RSA", n, e, kid?}; nullopt when unusable (other kty, bad base64url,
    // shorter than 2048 bits).
    static std::optional<PublicKey> from_jwk(const boost::json::object& jwk);
    const std::string& kid() const { return kid_; }
    // RSASSA-PKCS1-v1_5 SHA-256 over data.
    bool verify(std::string_view data, std::string_view signature) const;

private:
    struct Impl;
    std::shared_ptr<const Impl> impl_;
    std::string kid_;
};

class JwkSet {
public:
    // {"keys": [...]}: keeps the usable RSA signing keys, ignores the rest.
    static Result<JwkSet> parse(std::string_view json);
    const PublicKey* find(std::string_view kid) const;  // by kid; the only key if kid is ""
    std::size_t size() const { return keys_.size(); }

private:
    std::vector<PublicKey> keys_;
};

// The "kid" of a JWT's header, "" if none or malformed.
std::string jwt_kid(std::string_view token);

// Checks the token against the key set: kid lookup, RS256 signature, then the claims.
// bad_signature also covers "no key with that kid" (the caller may refresh the set and retry).
auth::JwtVerified verify_jwt(const JwkSet& keys, std::string_view token, const auth::JwtExpectations& expect);

}  // namespace carebridge::sdk
