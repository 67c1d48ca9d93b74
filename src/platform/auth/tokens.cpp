#include "platform/auth/tokens.hpp"

#include <boost/json.hpp>

namespace carebridge::auth {

namespace json = boost::json;

namespace {
const char* kAppAudience = "/platformservice";
const char* kUserAudience = "/ucwa";
const char* kAnonAudience = "/ucwa/psanon";

json::object base_claims(const std::string& issuer, const std::string& audience, const char* typ,
                         std::int64_t now, std::int64_t ttl) {
    json::object c;
    c["iss"] = issuer;
    c["aud"] = audience;
    c["typ"] = typ;
    c["iat"] = now;
    c["nbf"] = now;
    c["exp"] = now + ttl;
    c["jti"] = random_hex(12);
    return c;
}

std::string claim_string(const json::object& c, const char* name) {
    if (auto* v = c.if_contains(name); v && v->is_string()) return std::string(v->as_string());
    return {};
}
}  // namespace

TokenService::TokenService(const KeyRing& keys, std::string issuer)
    : keys_(keys),
      issuer_(std::move(issuer)),
      app_audience_(issuer_ + kAppAudience),
      user_audience_(issuer_ + kUserAudience),
      anon_audience_(issuer_ + kAnonAudience) {}

std::string TokenService::issue_app_token(const std::string& app_id, std::int64_t now,
                                          std::int64_t ttl) const {
    auto c = base_claims(issuer_, app_audience_, "app", now, ttl);
    c["sub"] = app_id;
    return jwt_sign(keys_.current(), c);
}

std::string TokenService::issue_user_token(const std::string& agent_uri, std::int64_t now,
                                           std::int64_t ttl) const {
    auto c = base_claims(issuer_, user_audience_, "user", now, ttl);
    c["sub"] = agent_uri;
    return jwt_sign(keys_.current(), c);
}

std::string TokenService::issue_anon_token(AnonGrant& grant, std::int64_t now,
                                           std::int64_t ttl) const {
    auto c = base_claims(issuer_, anon_audience_, "anon", now, ttl);
    c["sub"] = grant.app_id;
    c["aeu"] = grant.endpoint;   // application endpoint uri, as the original's claim
    c["asi"] = grant.session_id;  // application session id
    std::string ao;
    for (const auto& o : grant.origins) ao += (ao.empty() ? "" : ";") + o;
    c["ao"] = ao;  // allowed origins
    grant.token_id = std::string(c["jti"].as_string());
    grant.expires = now + ttl;
    // Only the platform reads it, so an HMAC does (see SigningKey::mac); RS256 tokens from
    // earlier versions are still accepted.
    return jwt_sign_mac(keys_.current(), c);
}

std::string TokenService::issue_callback_token(const std::string& app_id, std::int64_t now) const {
    auto c = base_claims(issuer_, app_id, "callback", now, 600);
    c["sub"] = issuer_;
    return jwt_sign(keys_.current(), c);
}

Result<std::shared_ptr<const TokenService::Verified>> TokenService::verify(
    std::string_view token, const std::string& audience, const char* typ, std::int64_t now) const {
    {
        std::lock_guard lock(verified_mutex_);
        // A rotation may have dropped the key a remembered token was verified with.
        if (const auto g = keys_.generation(); g != verified_generation_) {
            verified_.clear();
            verified_generation_ = g;
        }
        if (auto it = verified_.find(token); it != verified_.end() && it->second->audience == audience) {
            // Same checks as jwt_verify below on a token whose signature already verified.
            if (now > it->second->expires) {
                verified_.erase(it);
                return unauthorized("TokenExpired", "the token has expired");
            }
            if (it->second->typ != typ) return unauthorized("InvalidToken", "the token is not valid here");
            return it->second;
        }
    }
    // No leeway: the platform issues and verifies on the same clock.
    auto v = jwt_verify(keys_, token, {issuer_, audience, now, 0, audience == anon_audience_});
    if (v.error == JwtError::expired) return unauthorized("TokenExpired", "the token has expired");
    if (!v.ok())
        return unauthorized("InvalidToken", std::string("the token is not valid (") +
                                                to_string(v.error) + ")");
    if (claim_string(v.claims, "typ") != typ)
        return unauthorized("InvalidToken", "the token is not valid here");
    auto verified = std::make_shared<Verified>();
    verified->audience = audience;
    verified->typ = typ;
    verified->subject = claim_string(v.claims, "sub");
    const auto* exp = v.claims.if_contains("exp");
    if (exp && exp->is_int64()) verified->expires = exp->as_int64();
    if (audience == anon_audience_) {
        AnonGrant& g = verified->grant;
        g.app_id = verified->subject;
        g.endpoint = claim_string(v.claims, "aeu");
        g.session_id = claim_string(v.claims, "asi");
        g.origins = split_origins(claim_string(v.claims, "ao"));
        g.token_id = claim_string(v.claims, "jti");
        g.expires = verified->expires;
    }
    if (exp && exp->is_int64()) {
        std::lock_guard lock(verified_mutex_);
        if (keys_.generation() == verified_generation_) {  // else rotated meanwhile: not kept
            if (verified_.size() >= kVerifiedLimit) verified_.clear();
            verified_.insert_or_assign(std::string(token), verified);
        }
    }
    return std::shared_ptr<const Verified>(std::move(verified));
}

Result<std::string> TokenService::verify_app_token(std::string_view token, std::int64_t now) const {
    auto v = verify(token, app_audience_, "app", now);
    if (!v) return v.error();
    return (*v)->subject;
}

Result<std::string> TokenService::verify_user_token(std::string_view token,
                                                    std::int64_t now) const {
    auto v = verify(token, user_audience_, "user", now);
    if (!v) return v.error();
    return (*v)->subject;
}

Result<AnonGrant> TokenService::verify_anon_token(std::string_view token, std::int64_t now) const {
    auto v = verify(token, anon_audience_, "anon", now);
    if (!v) return v.error();
    return (*v)->grant;
}

std::optional<std::vector<std::string>> TokenService::anon_token_origins(std::string_view token) const {
    // A token seen before has its origins in the verified cache: this runs on every visitor
    // request that carries an Origin, and a MAC check through EVP_Q_mac cost more than the rest
    // of the lookup. Its expiry is not checked here either (see below).
    {
        std::lock_guard lock(verified_mutex_);
        if (keys_.generation() == verified_generation_)
            if (auto it = verified_.find(token);
                it != verified_.end() && it->second->audience == anon_audience_ &&
                it->second->typ == "anon")
                return it->second->grant.origins;
    }
    // Any time is accepted: only signature, issuer, audience and type are checked here.
    constexpr std::int64_t kAnyTime = std::int64_t{1} << 40;
    auto v = jwt_verify(keys_, token, {issuer_, anon_audience_, 0, kAnyTime, true});
    if (!v.ok() || claim_string(v.claims, "typ") != "anon") return std::nullopt;
    return split_origins(claim_string(v.claims, "ao"));
}

std::vector<std::string> split_origins(std::string_view list) {
    std::vector<std::string> out;
    while (!list.empty()) {
        auto semi = list.find(';');
        std::string_view item = list.substr(0, semi);
        list = semi == std::string_view::npos ? std::string_view{} : list.substr(semi + 1);
        while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
        while (!item.empty() && (item.back() == ' ' || item.back() == '/')) item.remove_suffix(1);
        if (item.empty()) continue;
        std::string o(item);
        for (auto& ch : o) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
        out.push_back(std::move(o));
    }
    return out;
}

}  // namespace carebridge::auth
