#pragma once
// The platform's bearer tokens, JWTs signed by the ring's current key (verified by
// the key their "kid" names, so the previous key's tokens live on after a rotation), told apart
// by audience and "typ":
//  - application tokens (OAuth client credentials) for Service Applications,
//  - user tokens (OAuth password grant) for agents,
//  - anonymous application tokens ("psat=...") for visitors, bound to an application endpoint,
//    a session id and the allowed web origins; HS256 with the key's own secret, since only
//    the platform reads them (the others are RS256, checkable against the JWK set),
//  - callback tokens, which the platform sends to Service Applications (audience = app id).
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/result.hpp"
#include "platform/auth/jwt.hpp"
#include "platform/auth/key_ring.hpp"

namespace carebridge::auth {

struct AnonGrant {
    std::string app_id;
    std::string endpoint;
    std::string session_id;
    std::vector<std::string> origins;
    std::string token_id;  // jti
    std::int64_t expires = 0;  // unix seconds
};

class TokenService {
public:
    TokenService(const KeyRing& keys, std::string issuer);

    std::string issue_app_token(const std::string& app_id, std::int64_t now, std::int64_t ttl) const;
    std::string issue_user_token(const std::string& agent_uri, std::int64_t now,
                                 std::int64_t ttl) const;
    // Fills grant.token_id and grant.expires.
    std::string issue_anon_token(AnonGrant& grant, std::int64_t now, std::int64_t ttl) const;
    std::string issue_callback_token(const std::string& app_id, std::int64_t now) const;

    Result<std::string> verify_app_token(std::string_view token, std::int64_t now) const;   // app id
    Result<std::string> verify_user_token(std::string_view token, std::int64_t now) const;  // uri
    Result<AnonGrant> verify_anon_token(std::string_view token, std::int64_t now) const;
    // The allowed origins of a genuine anonymous token, expired or not (for CORS on the 401
    // that tells a page its token has expired).
    std::optional<std::vector<std::string>> anon_token_origins(std::string_view token) const;

    const KeyRing& keys() const { return keys_; }
    const std::string& issuer() const { return issuer_; }

private:
    // What a verified token says, extracted once: the cache hands out the same object to
    // every request presenting the token (copying its JSON claims and parsing them again per
    // request was 3% of the platform's CPU per message).
    struct Verified {
        std::string audience;
        std::string typ;
        std::int64_t expires = 0;  // exp, unix seconds
        std::string subject;       // sub
        AnonGrant grant;           // anonymous tokens only
    };
    Result<std::shared_ptr<const Verified>> verify(std::string_view token, const std::string& audience,
                                                   const char* typ, std::int64_t now) const;
    const KeyRing& keys_;
    std::string issuer_;
    // issuer + the audience suffix of each token kind, built once (compared on every request).
    std::string app_audience_, user_audience_, anon_audience_;
    // Clients present the same token on every request and an RS256 verification costs tens
    // of microseconds (it was the platform's largest single cost per message): tokens whose
    // signature verified are remembered until they expire.
    static constexpr std::size_t kVerifiedLimit = 16'384;  // then the memory starts over
    mutable std::mutex verified_mutex_;
    // Looked up by string_view: a copy of the ~600-byte token per request is not needed.
    // Hashes a token's last 32 bytes: the end of its signature, as random as the whole, and a
    // twentieth of hashing a ~600-byte token on every request. Only tokens whose signature
    // verified are stored, so nobody can fill the map with tokens crafted to collide.
    struct TokenHash {
        using is_transparent = void;
        std::size_t operator()(std::string_view s) const {
            return std::hash<std::string_view>{}(s.substr(s.size() > 32 ? s.size() - 32 : 0)) ^ s.size();
        }
    };
    mutable std::unordered_map<std::string, std::shared_ptr<const Verified>, TokenHash, std::equal_to<>> verified_;
    mutable std::uint64_t verified_generation_ = 0;  // of the key ring, when verified_ was filled
};

// Origins are `scheme://host[:port]`, lowercase, without path.
std::vector<std::string> split_origins(std::string_view semicolon_list);

}  // namespace carebridge::auth
