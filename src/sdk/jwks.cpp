// Verify-only RSA keys from JWKs over OpenSSL 3 (EVP_PKEY_fromdata), and RS256 JWT checks.
#include "sdk/jwks.hpp"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

namespace carebridge::sdk {

namespace json = boost::json;

namespace {
struct PkeyFree { void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); } };
struct CtxFree { void operator()(EVP_PKEY_CTX* p) const { EVP_PKEY_CTX_free(p); } };
struct MdFree { void operator()(EVP_MD_CTX* p) const { EVP_MD_CTX_free(p); } };
struct BnFree { void operator()(BIGNUM* p) const { BN_free(p); } };
struct BldFree { void operator()(OSSL_PARAM_BLD* p) const { OSSL_PARAM_BLD_free(p); } };
struct ParamFree { void operator()(OSSL_PARAM* p) const { OSSL_PARAM_free(p); } };

std::string str(const json::object& o, std::string_view key) {
    if (const auto* v = o.if_contains(key); v && v->is_string()) return std::string(v->get_string());
    return {};
}

std::unique_ptr<BIGNUM, BnFree> bignum(std::string_view b64url) {
    auto bytes = auth::base64url_decode(b64url);
    if (!bytes || bytes->empty()) return nullptr;
    return std::unique_ptr<BIGNUM, BnFree>(
        BN_bin2bn(reinterpret_cast<const unsigned char*>(bytes->data()), static_cast<int>(bytes->size()), nullptr));
}

std::optional<json::object> decode_object(std::string_view part) {
    const auto text = auth::base64url_decode(part);
    if (!text) return std::nullopt;
    boost::system::error_code ec;
    auto v = json::parse(*text, ec);
    if (ec || !v.is_object()) return std::nullopt;
    return std::move(v.get_object());
}

// Numbers may come as int64, uint64 or double; compared as double like auth::jwt_verify.
std::optional<double> number(const json::value* v) {
    if (!v) return std::nullopt;
    if (const auto* i = v->if_int64()) return static_cast<double>(*i);
    if (const auto* u = v->if_uint64()) return static_cast<double>(*u);
    if (const auto* d = v->if_double()) return *d;
    return std::nullopt;
}

bool audience_matches(const json::value* aud, std::string_view expected) {
    if (!aud) return false;
    if (const auto* s = aud->if_string()) return *s == expected;
    if (const auto* arr = aud->if_array())
        for (const auto& item : *arr)
            if (const auto* s = item.if_string(); s && *s == expected) return true;
    return false;
}

auth::JwtVerified fail(auth::JwtError e) { return auth::JwtVerified{e, {}}; }
}  // namespace

struct PublicKey::Impl {
    std::unique_ptr<EVP_PKEY, PkeyFree> pkey;
};

std::optional<PublicKey> PublicKey::from_jwk(const json::object& jwk) {
    if (str(jwk, "kty") != "RSA") return std::nullopt;
    if (auto alg = str(jwk, "alg"); !alg.empty() && alg != "RS256") return std::nullopt;
    auto n = bignum(str(jwk, "n"));
    auto e = bignum(str(jwk, "e"));
    if (!n || !e || BN_num_bits(n.get()) < 2048) return std::nullopt;
    std::unique_ptr<OSSL_PARAM_BLD, BldFree> bld(OSSL_PARAM_BLD_new());
    if (!bld || OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, n.get()) != 1 ||
        OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, e.get()) != 1)
        return std::nullopt;
    std::unique_ptr<OSSL_PARAM, ParamFree> params(OSSL_PARAM_BLD_to_param(bld.get()));
    std::unique_ptr<EVP_PKEY_CTX, CtxFree> ctx(EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr));
    EVP_PKEY* raw = nullptr;
    if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
        EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_PUBLIC_KEY, params.get()) != 1) {
        ERR_clear_error();  // leave no stale errors for TLS code on this thread
        return std::nullopt;
    }
    auto impl = std::make_shared<Impl>();
    impl->pkey.reset(raw);
    PublicKey key;
    key.impl_ = std::move(impl);
    key.kid_ = str(jwk, "kid");
    return key;
}

bool PublicKey::verify(std::string_view data, std::string_view signature) const {
    std::unique_ptr<EVP_MD_CTX, MdFree> md(EVP_MD_CTX_new());
    const bool ok = md &&
        EVP_DigestVerifyInit(md.get(), nullptr, EVP_sha256(), nullptr, impl_->pkey.get()) == 1 &&
        EVP_DigestVerify(md.get(), reinterpret_cast<const unsigned char*>(signature.data()), signature.size(),
                         reinterpret_cast<const unsigned char*>(data.data()), data.size()) == 1;
    ERR_clear_error();
    return ok;
}

Result<JwkSet> JwkSet::parse(std::string_view text) {
    boost::system::error_code ec;
    auto v = json::parse(text, ec);
    if (ec || !v.is_object()) return protocol_error("the JWK set is not a JSON object");
    const auto* keys = v.get_object().if_contains("keys");
    if (!keys || !keys->is_array()) return protocol_error("the JWK set has no 'keys' array");
    JwkSet set;
    for (const auto& k : keys->get_array())
        if (k.is_object())
            if (auto key = PublicKey::from_jwk(k.get_object())) set.keys_.push_back(std::move(*key));
    if (set.keys_.empty()) return protocol_error("the JWK set has no usable RS256 key");
    return set;
}

const PublicKey* JwkSet::find(std::string_view kid) const {
    if (kid.empty()) return keys_.size() == 1 ? &keys_.front() : nullptr;
    for (const auto& k : keys_)
        if (k.kid() == kid) return &k;
    return nullptr;
}

std::string jwt_kid(std::string_view token) {
    const auto header = decode_object(token.substr(0, token.find('.')));
    return header ? str(*header, "kid") : std::string();
}

auth::JwtVerified verify_jwt(const JwkSet& keys, std::string_view token, const auth::JwtExpectations& expect) {
    using auth::JwtError;
    const auto dot1 = token.find('.');
    const auto dot2 = dot1 == std::string_view::npos ? dot1 : token.find('.', dot1 + 1);
    if (dot2 == std::string_view::npos || token.find('.', dot2 + 1) != std::string_view::npos)
        return fail(JwtError::malformed);
    const auto header = decode_object(token.substr(0, dot1));
    auto claims = decode_object(token.substr(dot1 + 1, dot2 - dot1 - 1));
    const auto signature = auth::base64url_decode(token.substr(dot2 + 1));
    if (!header || !claims || !signature) return fail(JwtError::malformed);
    // The algorithm is pinned, never chosen by the token ("none"/HS256 confusion).
    if (str(*header, "alg") != "RS256") return fail(JwtError::bad_algorithm);
    const PublicKey* key = keys.find(str(*header, "kid"));
    if (!key || !key->verify(token.substr(0, dot2), *signature)) return fail(JwtError::bad_signature);

    // Claims mean something only once the signature proves the platform issued them.
    const auto exp = number(claims->if_contains("exp"));
    if (!exp) return fail(JwtError::malformed);
    const auto now = static_cast<double>(expect.now);
    const auto leeway = static_cast<double>(expect.leeway);
    if (now > *exp + leeway) return fail(JwtError::expired);
    if (const auto* nbf_value = claims->if_contains("nbf")) {
        const auto nbf = number(nbf_value);
        if (!nbf) return fail(JwtError::malformed);
        if (now + leeway < *nbf) return fail(JwtError::not_yet_valid);
    }
    if (str(*claims, "iss") != expect.issuer) return fail(JwtError::wrong_issuer);
    if (!expect.audience.empty() && !audience_matches(claims->if_contains("aud"), expect.audience))
        return fail(JwtError::wrong_audience);
    return auth::JwtVerified{JwtError::none, std::move(*claims)};
}

}  // namespace carebridge::sdk
