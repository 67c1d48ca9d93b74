#include "platform/auth/key_ring.hpp"

#include <boost/json/parse.hpp>

namespace carebridge::auth {

KeyRing::KeyRing(SigningKey current, std::optional<SigningKey> previous) {
    replace(std::move(current), std::move(previous));
}

void KeyRing::replace(SigningKey current, std::optional<SigningKey> previous) {
    if (previous && previous->kid() == current.kid()) previous.reset();
    auto keys = std::make_shared<const Keys>(Keys{std::move(current), std::move(previous)});
    const std::lock_guard lock(mutex_);
    keys_ = std::move(keys);
    ++generation_;
}

std::uint64_t KeyRing::generation() const {
    const std::lock_guard lock(mutex_);
    return generation_;
}

std::shared_ptr<const KeyRing::Keys> KeyRing::snapshot() const {
    const std::lock_guard lock(mutex_);
    return keys_;
}

SigningKey KeyRing::current() const { return snapshot()->current; }

std::string KeyRing::current_kid() const { return snapshot()->current.kid(); }

std::optional<std::string> KeyRing::previous_kid() const {
    const auto keys = snapshot();
    if (!keys->previous) return std::nullopt;
    return keys->previous->kid();
}

std::optional<SigningKey> KeyRing::find(std::string_view kid) const {
    const auto keys = snapshot();
    if (keys->current.kid() == kid) return keys->current;
    if (keys->previous && keys->previous->kid() == kid) return keys->previous;
    return std::nullopt;
}

boost::json::array KeyRing::public_jwks() const {
    const auto keys = snapshot();
    boost::json::array out{keys->current.public_jwk()};
    if (keys->previous) out.push_back(keys->previous->public_jwk());
    return out;
}

namespace {

// The header's "kid": nullopt when the header is unreadable or names none.
std::optional<std::string> header_kid(std::string_view token) {
    const auto dot = token.find('.');
    if (dot == std::string_view::npos) return std::nullopt;
    const auto json = base64url_decode(token.substr(0, dot));
    if (!json) return std::nullopt;
    boost::system::error_code ec;
    const boost::json::value v = boost::json::parse(*json, ec);
    if (ec || !v.is_object()) return std::nullopt;
    const auto* kid = v.get_object().if_contains("kid");
    if (!kid || !kid->is_string()) return std::nullopt;
    return std::string(kid->get_string());
}

}  // namespace

JwtVerified jwt_verify(const KeyRing& ring, std::string_view token, const JwtExpectations& expect) {
    const auto kid = header_kid(token);
    if (!kid) return jwt_verify(ring.current(), token, expect);  // malformed tokens fail in there
    const auto key = ring.find(*kid);
    if (!key) return JwtVerified{JwtError::bad_signature, {}};
    return jwt_verify(*key, token, expect);
}

}  // namespace carebridge::auth
