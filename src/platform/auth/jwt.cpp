// base64url, random tokens and RS256 JWT sign/verify. The key handling (OpenSSL objects, PEM,
// JWK) lives in signing_key.cpp; this file only uses SigningKey's public interface.
#include "platform/auth/jwt.hpp"

#include <array>
#include <stdexcept>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <openssl/rand.h>

namespace carebridge::auth {
namespace {

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
constexpr std::uint8_t kInvalid = 0xFF;

// Reverse table built at compile time so decoding is one lookup per character.
constexpr std::array<std::uint8_t, 256> make_decode_table() {
    std::array<std::uint8_t, 256> table{};
    table.fill(kInvalid);
    for (std::uint8_t i = 0; i < 64; ++i) table[static_cast<unsigned char>(kAlphabet[i])] = i;
    return table;
}
constexpr auto kDecode = make_decode_table();

}  // namespace

// Both directions work on whole 3-byte/4-char groups into a pre-sized buffer: tokens are
// decoded on every request, and per-character appends made decoding cost ~10% of a verify.
std::string base64url_encode(std::string_view bytes) {
    std::string out((bytes.size() * 4 + 2) / 3, '\0');
    const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
    char* o = out.data();
    std::size_t i = 0;
    for (; i + 3 <= bytes.size(); i += 3, o += 4) {
        const std::uint32_t v = (std::uint32_t{p[i]} << 16) | (std::uint32_t{p[i + 1]} << 8) | p[i + 2];
        o[0] = kAlphabet[v >> 18];
        o[1] = kAlphabet[(v >> 12) & 63];
        o[2] = kAlphabet[(v >> 6) & 63];
        o[3] = kAlphabet[v & 63];
    }
    const std::size_t rest = bytes.size() - i;
    if (rest > 0) {
        const std::uint32_t v = (std::uint32_t{p[i]} << 16) | (rest == 2 ? std::uint32_t{p[i + 1]} << 8 : 0);
        o[0] = kAlphabet[v >> 18];
        o[1] = kAlphabet[(v >> 12) & 63];
        if (rest == 2) o[2] = kAlphabet[(v >> 6) & 63];
    }
    return out;
}

// Strict: '=' and anything outside the URL-safe alphabet is rejected, as are lengths that no
// encoder produces (len % 4 == 1) and non-zero unused trailing bits, so every byte string has
// exactly one accepted encoding (a token cannot be altered into a distinct-but-valid string).
std::optional<std::string> base64url_decode(std::string_view text) {
    const std::size_t groups = text.size() / 4;
    const std::size_t rest = text.size() % 4;
    if (rest == 1) return std::nullopt;
    std::string out(groups * 3 + (rest == 0 ? 0 : rest - 1), '\0');
    const auto* p = reinterpret_cast<const unsigned char*>(text.data());
    char* o = out.data();
    for (std::size_t g = 0; g < groups; ++g, p += 4, o += 3) {
        const std::uint32_t a = kDecode[p[0]], b = kDecode[p[1]], c = kDecode[p[2]], d = kDecode[p[3]];
        if ((a | b | c | d) & 0x80) return std::nullopt;  // kInvalid is the only value >= 64
        const std::uint32_t v = (a << 18) | (b << 12) | (c << 6) | d;
        o[0] = static_cast<char>(v >> 16);
        o[1] = static_cast<char>((v >> 8) & 0xFF);
        o[2] = static_cast<char>(v & 0xFF);
    }
    if (rest >= 2) {
        const std::uint32_t a = kDecode[p[0]], b = kDecode[p[1]];
        const std::uint32_t c = rest == 3 ? kDecode[p[2]] : 0;
        if ((a | b | c) & 0x80) return std::nullopt;
        if (rest == 2 ? (b & 0x0F) != 0 : (c & 0x03) != 0) return std::nullopt;  // unused bits set
        const std::uint32_t v = (a << 18) | (b << 12) | (c << 6);
        o[0] = static_cast<char>(v >> 16);
        if (rest == 3) o[1] = static_cast<char>((v >> 8) & 0xFF);
    }
    return out;
}

std::string random_hex(std::size_t n_bytes) {
    // RAND_bytes takes an int; tokens are tiny, so a huge request is a caller bug.
    if (n_bytes > 1u << 20) throw std::invalid_argument("random_hex: request too large");
    std::string raw(n_bytes, '\0');
    if (n_bytes > 0 &&
        RAND_bytes(reinterpret_cast<unsigned char*>(raw.data()), static_cast<int>(n_bytes)) != 1) {
        throw std::runtime_error("random_hex: RAND_bytes failed");
    }
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    out.reserve(2 * n_bytes);
    for (const unsigned char b : raw) {
        out += kHex[b >> 4];
        out += kHex[b & 15];
    }
    return out;
}

const char* to_string(JwtError e) {
    switch (e) {
        case JwtError::none: return "none";
        case JwtError::malformed: return "malformed";
        case JwtError::bad_algorithm: return "bad_algorithm";
        case JwtError::bad_signature: return "bad_signature";
        case JwtError::expired: return "expired";
        case JwtError::not_yet_valid: return "not_yet_valid";
        case JwtError::wrong_audience: return "wrong_audience";
        case JwtError::wrong_issuer: return "wrong_issuer";
    }
    return "unknown";
}

namespace {
std::string sign_with(const SigningKey& key, const boost::json::object& claims, const char* alg) {
    const boost::json::object header{{"alg", alg}, {"typ", "JWT"}, {"kid", key.kid()}};
    std::string token = base64url_encode(boost::json::serialize(header));
    token += '.';
    token += base64url_encode(boost::json::serialize(claims));
    const std::string signature = std::string_view(alg) == "HS256" ? key.mac(token) : key.sign(token);
    token += '.';
    token += base64url_encode(signature);
    return token;
}
}  // namespace

std::string jwt_sign(const SigningKey& key, const boost::json::object& claims) {
    return sign_with(key, claims, "RS256");
}

std::string jwt_sign_mac(const SigningKey& key, const boost::json::object& claims) {
    return sign_with(key, claims, "HS256");
}

namespace {

// base64url JSON that must be an object; nullopt for anything else. parse() with an
// error_code does not throw on bad input (depth is capped by boost's default of 32).
std::optional<boost::json::object> decode_object(std::string_view part) {
    const auto json = base64url_decode(part);
    if (!json) return std::nullopt;
    boost::system::error_code ec;
    boost::json::value v = boost::json::parse(*json, ec);
    if (ec || !v.is_object()) return std::nullopt;
    return std::move(v.get_object());
}

// JSON numbers may arrive as int64, uint64 or double. Comparing as double avoids the signed
// overflow that "exp + leeway" would hit with hostile values like 2^63-1; for realistic
// timestamps (< 2^53) double is exact.
std::optional<double> as_number(const boost::json::value* v) {
    if (!v) return std::nullopt;
    if (const auto* i = v->if_int64()) return static_cast<double>(*i);
    if (const auto* u = v->if_uint64()) return static_cast<double>(*u);
    if (const auto* d = v->if_double()) return *d;
    return std::nullopt;
}

bool audience_matches(const boost::json::value* aud, std::string_view expected) {
    if (!aud) return false;
    if (const auto* s = aud->if_string()) return *s == expected;
    if (const auto* arr = aud->if_array()) {
        for (const auto& item : *arr) {
            if (const auto* s = item.if_string(); s && *s == expected) return true;
        }
    }
    return false;
}

JwtVerified fail(JwtError e) { return JwtVerified{e, {}}; }

}  // namespace

JwtVerified jwt_verify(const SigningKey& key, std::string_view token, const JwtExpectations& expect) {
    const std::size_t dot1 = token.find('.');
    if (dot1 == std::string_view::npos) return fail(JwtError::malformed);
    const std::size_t dot2 = token.find('.', dot1 + 1);
    if (dot2 == std::string_view::npos || token.find('.', dot2 + 1) != std::string_view::npos) {
        return fail(JwtError::malformed);
    }
    const std::string_view signing_input = token.substr(0, dot2);
    const auto header = decode_object(token.substr(0, dot1));
    if (!header) return fail(JwtError::malformed);
    auto claims = decode_object(token.substr(dot1 + 1, dot2 - dot1 - 1));
    if (!claims) return fail(JwtError::malformed);
    const auto signature = base64url_decode(token.substr(dot2 + 1));
    if (!signature) return fail(JwtError::malformed);

    // RS256, or HS256 where the caller accepts it: the caller pins the algorithms, the token
    // only picks among them ("none"/HS256 confusion).
    const auto* alg = header->if_contains("alg");
    if (!alg || !alg->is_string()) return fail(JwtError::bad_algorithm);
    if (alg->get_string() == "RS256") {
        if (!key.verify(signing_input, *signature)) return fail(JwtError::bad_signature);
    } else if (alg->get_string() == "HS256" && expect.accept_mac) {
        if (!key.verify_mac(signing_input, *signature)) return fail(JwtError::bad_signature);
    } else {
        return fail(JwtError::bad_algorithm);
    }

    // Claims are only interpreted after the signature proves we issued them.
    const auto exp = as_number(claims->if_contains("exp"));
    if (!exp) return fail(JwtError::malformed);
    const auto now = static_cast<double>(expect.now);
    const auto leeway = static_cast<double>(expect.leeway);
    if (now > *exp + leeway) return fail(JwtError::expired);
    if (const auto* nbf_value = claims->if_contains("nbf")) {
        const auto nbf = as_number(nbf_value);
        if (!nbf) return fail(JwtError::malformed);
        if (now + leeway < *nbf) return fail(JwtError::not_yet_valid);
    }

    const auto* iss = claims->if_contains("iss");
    if (!iss || !iss->is_string() || iss->get_string() != expect.issuer) return fail(JwtError::wrong_issuer);
    if (!expect.audience.empty() && !audience_matches(claims->if_contains("aud"), expect.audience)) {
        return fail(JwtError::wrong_audience);
    }
    return JwtVerified{JwtError::none, std::move(*claims)};
}

}  // namespace carebridge::auth
