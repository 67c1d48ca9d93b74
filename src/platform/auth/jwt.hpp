#pragma once
// RS256 JSON Web Tokens over OpenSSL: the platform's one signing key signs OAuth access tokens,
// user tokens, anonymous application tokens and callbacks; its public half is published as JWKS.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <boost/json/object.hpp>

namespace carebridge::auth {

std::string base64url_encode(std::string_view bytes);
std::optional<std::string> base64url_decode(std::string_view text);
// Cryptographically random bytes rendered as lowercase hex (2*n chars).
std::string random_hex(std::size_t n_bytes);

class SigningKey {
public:
    static SigningKey generate(int bits = 2048);
    static SigningKey from_pem(std::string_view private_key_pem);  // throws std::runtime_error
    // Loads the PEM at path, or generates a key and writes it there (mode 0600).
    static SigningKey load_or_create(const std::filesystem::path& path);

    std::string private_pem() const;
    const std::string& kid() const { return kid_; }  // RFC 7638 JWK thumbprint
    std::string sign(std::string_view data) const;   // RSASSA-PKCS1-v1_5 SHA-256, raw bytes
    bool verify(std::string_view data, std::string_view signature) const;
    // HMAC-SHA256 with a secret derived from the private key: for tokens that only this
    // platform reads (a visitor's anonymous token), where an RSA signature per token cost
    // 0.85 ms of the ~6 ms of CPU a chat's set-up takes.
    std::string mac(std::string_view data) const;
    bool verify_mac(std::string_view data, std::string_view mac) const;
    boost::json::object public_jwk() const;  // {kty, n, e, kid, alg:"RS256", use:"sig"}

private:
    struct Impl;
    std::shared_ptr<const Impl> impl_;
    std::string kid_;
};

enum class JwtError {
    none,
    malformed,      // not three base64url parts of JSON
    bad_algorithm,  // header alg is not RS256 (or HS256 where accepted); refuses "none"
    bad_signature,
    expired,
    not_yet_valid,
    wrong_audience,
    wrong_issuer,
};
const char* to_string(JwtError e);

// Signs claims with header {"alg":"RS256","typ":"JWT","kid":...}.
std::string jwt_sign(const SigningKey& key, const boost::json::object& claims);
// Authenticates claims with the key's own HMAC secret: {"alg":"HS256","typ":"JWT","kid":...}.
// Nobody else can verify these (the secret never leaves the platform): only for tokens the
// platform alone checks.
std::string jwt_sign_mac(const SigningKey& key, const boost::json::object& claims);

struct JwtExpectations {
    std::string issuer;    // required "iss"
    std::string audience;  // required "aud" (string, or array containing it); empty: not checked
    std::int64_t now = 0;  // unix seconds
    std::int64_t leeway = 30;
    // Also accept HS256 under the key's own secret (jwt_sign_mac). Never keyed by anything
    // public, so the RS256/HS256 confusion attack has no key to use.
    bool accept_mac = false;
};

struct JwtVerified {
    JwtError error = JwtError::none;
    boost::json::object claims;  // valid only when error == none
    bool ok() const { return error == JwtError::none; }
};

// Checks signature, alg, exp (required), nbf (optional), iss and aud.
JwtVerified jwt_verify(const SigningKey& key, std::string_view token, const JwtExpectations& expect);

}  // namespace carebridge::auth
