#pragma once
// Private to carebridge_auth (and its unit tests): pieces of jwt.cpp/signing_key.cpp that are
// worth testing on their own against published vectors.
#include <string>
#include <string_view>

namespace carebridge::auth::detail {

// RFC 7638 thumbprint of an RSA JWK whose "n" and "e" are already base64url (no padding):
// base64url(SHA-256('{"e":"<e>","kty":"RSA","n":"<n>"}')). base64url needs no JSON escaping,
// so the canonical form is built by concatenation.
std::string rsa_jwk_thumbprint(std::string_view n_b64url, std::string_view e_b64url);

}  // namespace carebridge::auth::detail
