#pragma once
// The platform's signing keys during a rotation: the current key signs everything new; the
// previous one (if any) still verifies what it signed until that expires. Both are published in
// the JWK set. Tokens name their key in the header's "kid", so verification picks the key by it.
//
// Thread-safe: replace() (the key file changed) swaps an immutable snapshot that readers copy
// under a short lock, so a verify never sees half a rotation.
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include <boost/json/array.hpp>

#include "platform/auth/jwt.hpp"

namespace carebridge::auth {

class KeyRing {
public:
    explicit KeyRing(SigningKey current, std::optional<SigningKey> previous = std::nullopt);

    // Atomically replaces both keys (a previous key equal to the current one is dropped).
    void replace(SigningKey current, std::optional<SigningKey> previous);

    SigningKey current() const;
    std::string current_kid() const;
    std::optional<std::string> previous_kid() const;
    // The key with this kid, if the ring holds it.
    std::optional<SigningKey> find(std::string_view kid) const;
    // The public JWKs, current first: the "keys" of /.well-known/jwks.json.
    boost::json::array public_jwks() const;
    // Changes with every replace(): what was verified under an older generation is stale.
    std::uint64_t generation() const;

private:
    struct Keys {
        SigningKey current;
        std::optional<SigningKey> previous;
    };
    std::shared_ptr<const Keys> snapshot() const;

    mutable std::mutex mutex_;
    std::shared_ptr<const Keys> keys_;
    std::uint64_t generation_ = 0;
};

// Verifies with the ring's key named by the token's "kid" (a token without kid: the current
// key). An unknown kid is a bad signature: its key was rotated out, or never ours.
JwtVerified jwt_verify(const KeyRing& ring, std::string_view token, const JwtExpectations& expect);

}  // namespace carebridge::auth
