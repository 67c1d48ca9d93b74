#pragma once
// RSA key generation costs 50-200 ms, so the auth tests share a few keys, created on first use
// and kept for the whole test binary (SigningKey is immutable, so sharing is safe).
#include "platform/auth/jwt.hpp"

namespace carebridge::auth::testing {

inline const SigningKey& key_a() {
    static const SigningKey key = SigningKey::generate();
    return key;
}

// An unrelated key: tokens it signs must never verify under key_a().
inline const SigningKey& key_b() {
    static const SigningKey key = SigningKey::generate();
    return key;
}

}  // namespace carebridge::auth::testing
