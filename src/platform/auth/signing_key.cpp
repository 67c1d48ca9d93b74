// SigningKey over OpenSSL 3 EVP. The EVP_PKEY is created once and never modified afterwards, so
// one Impl is shared (shared_ptr<const>) by every copy and thread; each sign/verify call uses its
// own EVP_MD_CTX, which is what OpenSSL requires for concurrent use of one key.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/crypto.h>
#include <openssl/x509.h>

#include "platform/auth/jwt.hpp"
#include "platform/auth/jwt_detail.hpp"

namespace carebridge::auth {
namespace {

struct PkeyFree { void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); } };
struct MdCtxFree { void operator()(EVP_MD_CTX* p) const { EVP_MD_CTX_free(p); } };
struct BioFree { void operator()(BIO* p) const { BIO_free(p); } };
struct BnFree { void operator()(BIGNUM* p) const { BN_free(p); } };
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, MdCtxFree>;
using BioPtr = std::unique_ptr<BIO, BioFree>;
using BnPtr = std::unique_ptr<BIGNUM, BnFree>;

// RFC 7518 §3.3: RS256 keys MUST be at least 2048 bits.
constexpr int kMinBits = 2048;

// Drains OpenSSL's per-thread error queue into an exception message, so a failure here does
// not leave stale errors for unrelated code (e.g. TLS) running later on the same thread.
[[noreturn]] void throw_openssl(const std::string& what) {
    std::string msg = what;
    if (const unsigned long code = ERR_peek_last_error(); code != 0) {
        char buf[256];
        ERR_error_string_n(code, buf, sizeof buf);
        msg += ": ";
        msg += buf;
    }
    ERR_clear_error();
    throw std::runtime_error(msg);
}

std::string bn_param_b64url(const EVP_PKEY* pkey, const char* name) {
    BIGNUM* raw = nullptr;
    if (EVP_PKEY_get_bn_param(pkey, name, &raw) != 1) throw_openssl("SigningKey: cannot read RSA parameter");
    const BnPtr bn(raw);
    // JWK wants the minimal big-endian octets (RFC 7518 §6.3.1), which is what BN_bn2bin gives.
    std::string bytes(static_cast<std::size_t>(BN_num_bytes(bn.get())), '\0');
    BN_bn2bin(bn.get(), reinterpret_cast<unsigned char*>(bytes.data()));
    return base64url_encode(bytes);
}

// Encrypted PEMs are not supported; without this callback OpenSSL would prompt on the terminal.
int no_passphrase(char*, int, int, void*) { return -1; }

std::string read_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    if (!in || !(text << in.rdbuf())) throw std::runtime_error("SigningKey: cannot read " + path.string());
    return std::move(text).str();
}

SigningKey load_file(const std::filesystem::path& path) {
    try {
        return SigningKey::from_pem(read_file(path));
    } catch (const std::exception& e) {
        throw std::runtime_error("SigningKey: cannot load key from " + path.string() + " (" + e.what() + ")");
    }
}

void write_all(int fd, const std::string& data, const std::filesystem::path& path) {
    std::size_t done = 0;
    while (done < data.size()) {
        const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) throw std::runtime_error("SigningKey: cannot write " + path.string() + ": " + std::strerror(errno));
        done += static_cast<std::size_t>(n);
    }
}

}  // namespace

namespace detail {

std::string rsa_jwk_thumbprint(std::string_view n_b64url, std::string_view e_b64url) {
    std::string canonical = R"({"e":")";
    canonical += e_b64url;
    canonical += R"(","kty":"RSA","n":")";
    canonical += n_b64url;
    canonical += R"("})";
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (EVP_Digest(canonical.data(), canonical.size(), digest, &len, EVP_sha256(), nullptr) != 1) {
        throw_openssl("SigningKey: SHA-256 failed");
    }
    return base64url_encode(std::string_view(reinterpret_cast<const char*>(digest), len));
}

}  // namespace detail

namespace {
std::string derive_mac_secret(EVP_PKEY* pkey) {
    unsigned char* der = nullptr;
    const int len = i2d_PrivateKey(pkey, &der);
    if (len <= 0) throw_openssl("SigningKey: cannot encode the key");
    // A label first: this hash of the key is used for nothing else.
    static constexpr char kLabel[] = "carebridge HS256 token secret v1";
    std::string input(kLabel, sizeof kLabel);
    input.append(reinterpret_cast<const char*>(der), static_cast<std::size_t>(len));
    OPENSSL_clear_free(der, static_cast<std::size_t>(len));
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int size = 0;
    const bool ok = EVP_Digest(input.data(), input.size(), digest, &size, EVP_sha256(), nullptr) == 1;
    OPENSSL_cleanse(input.data(), input.size());
    if (!ok) throw_openssl("SigningKey: cannot derive the token secret");
    return std::string(reinterpret_cast<const char*>(digest), size);
}
}  // namespace

struct SigningKey::Impl {
    PkeyPtr pkey;
    std::string n;  // base64url modulus
    std::string e;  // base64url public exponent
    std::size_t signature_size = 0;
    // A verify context initialised once (SHA-256, PKCS#1 v1.5, this key) and never updated.
    // Each verify() copies it instead of calling EVP_DigestVerifyInit, skipping the per-call
    // algorithm fetch (~15% of a verify). Copying only reads the source (const in
    // EVP_MD_CTX_copy_ex; see openssl-threads(7)), so concurrent copies are safe.
    MdCtxPtr verify_template;
    // The HMAC secret of tokens only this platform reads (mac()): derived from the private key,
    // so it is as secret as the key, rotates with it and needs no file of its own.
    std::string mac_secret;

    // Takes ownership; validates that this is an RSA key usable for RS256.
    static SigningKey make(PkeyPtr pkey) {
        if (!pkey || EVP_PKEY_is_a(pkey.get(), "RSA") != 1) throw std::runtime_error("SigningKey: not an RSA key");
        if (EVP_PKEY_get_bits(pkey.get()) < kMinBits) {
            throw std::runtime_error("SigningKey: RSA key shorter than 2048 bits");
        }
        auto impl = std::make_shared<Impl>();
        impl->n = bn_param_b64url(pkey.get(), OSSL_PKEY_PARAM_RSA_N);
        impl->e = bn_param_b64url(pkey.get(), OSSL_PKEY_PARAM_RSA_E);
        impl->signature_size = static_cast<std::size_t>(EVP_PKEY_get_size(pkey.get()));
        impl->pkey = std::move(pkey);
        impl->verify_template.reset(EVP_MD_CTX_new());
        if (!impl->verify_template ||
            EVP_DigestVerifyInit(impl->verify_template.get(), nullptr, EVP_sha256(), nullptr, impl->pkey.get()) != 1) {
            throw_openssl("SigningKey: cannot initialise verification");
        }
        impl->mac_secret = derive_mac_secret(impl->pkey.get());
        SigningKey key;
        key.kid_ = detail::rsa_jwk_thumbprint(impl->n, impl->e);
        key.impl_ = std::move(impl);
        return key;
    }
};

SigningKey SigningKey::generate(int bits) {
    if (bits < kMinBits) throw std::invalid_argument("SigningKey::generate: RS256 needs at least 2048 bits");
    PkeyPtr pkey(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<std::size_t>(bits)));
    if (!pkey) throw_openssl("SigningKey::generate: RSA key generation failed");
    return Impl::make(std::move(pkey));
}

SigningKey SigningKey::from_pem(std::string_view private_key_pem) {
    if (private_key_pem.size() > 1u << 20) throw std::runtime_error("SigningKey::from_pem: PEM too large");
    BioPtr bio(BIO_new_mem_buf(private_key_pem.data(), static_cast<int>(private_key_pem.size())));
    if (!bio) throw_openssl("SigningKey::from_pem: out of memory");
    PkeyPtr pkey(PEM_read_bio_PrivateKey(bio.get(), nullptr, no_passphrase, nullptr));
    if (!pkey) throw_openssl("SigningKey::from_pem: no private key in PEM");
    return Impl::make(std::move(pkey));
}

SigningKey SigningKey::load_or_create(const std::filesystem::path& path) {
    std::error_code ec;
    if (std::filesystem::exists(path, ec)) return load_file(path);
    if (ec) throw std::runtime_error("SigningKey: cannot stat " + path.string() + ": " + ec.message());
    if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path());

    SigningKey key = generate();
    // The key goes to a private temp file first (O_EXCL + 0600, so it is never readable by
    // others, not even briefly) and only appears under its final name once complete.
    std::filesystem::path tmp = path;
    tmp += ".tmp-" + random_hex(8);
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) throw std::runtime_error("SigningKey: cannot create " + tmp.string() + ": " + std::strerror(errno));
    try {
        write_all(fd, key.private_pem(), tmp);
        if (::fsync(fd) != 0) throw std::runtime_error("SigningKey: cannot fsync " + tmp.string());
    } catch (...) {
        ::close(fd);
        ::unlink(tmp.c_str());
        throw;
    }
    ::close(fd);

    // link() rather than rename(): it refuses to replace an existing file, so if another
    // process created the key meanwhile, both end up using that one key instead of each
    // keeping a different key (tokens of one would fail on the other).
    if (::link(tmp.c_str(), path.c_str()) == 0) {
        ::unlink(tmp.c_str());
        return key;
    }
    const int link_errno = errno;
    if (link_errno == EEXIST) {
        ::unlink(tmp.c_str());
        return load_file(path);
    }
    // Filesystems without hard links: fall back to the plain atomic rename.
    if (::rename(tmp.c_str(), path.c_str()) != 0) {
        const int rename_errno = errno;
        ::unlink(tmp.c_str());
        throw std::runtime_error("SigningKey: cannot create " + path.string() + ": " + std::strerror(rename_errno));
    }
    return key;
}

std::string SigningKey::private_pem() const {
    BioPtr bio(BIO_new(BIO_s_mem()));
    if (!bio || PEM_write_bio_PrivateKey(bio.get(), impl_->pkey.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1) {
        throw_openssl("SigningKey::private_pem: cannot encode key");
    }
    char* data = nullptr;
    const long len = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<std::size_t>(len));
}

std::string SigningKey::sign(std::string_view data) const {
    MdCtxPtr ctx(EVP_MD_CTX_new());
    // RSA's default padding is PKCS#1 v1.5, i.e. RSASSA-PKCS1-v1_5 as RS256 requires.
    if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, impl_->pkey.get()) != 1) {
        throw_openssl("SigningKey::sign: init failed");
    }
    std::string sig(impl_->signature_size, '\0');
    std::size_t len = sig.size();
    if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len,
                       reinterpret_cast<const unsigned char*>(data.data()), data.size()) != 1) {
        throw_openssl("SigningKey::sign: signing failed");
    }
    sig.resize(len);
    return sig;
}

bool SigningKey::verify(std::string_view data, std::string_view signature) const {
    // A wrong-length signature can never verify; rejecting it early skips the RSA operation.
    if (signature.size() != impl_->signature_size) return false;
    MdCtxPtr ctx(EVP_MD_CTX_new());
    const bool ok = ctx && EVP_MD_CTX_copy_ex(ctx.get(), impl_->verify_template.get()) == 1 &&
        EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()), signature.size(),
                         reinterpret_cast<const unsigned char*>(data.data()), data.size()) == 1;
    if (!ok) ERR_clear_error();  // a bad signature is an expected outcome, not an error to keep
    return ok;
}

std::string SigningKey::mac(std::string_view data) const {
    unsigned char out[EVP_MAX_MD_SIZE];
    std::size_t len = 0;
    if (EVP_Q_mac(nullptr, "HMAC", nullptr, "SHA256", nullptr, impl_->mac_secret.data(),
                  impl_->mac_secret.size(), reinterpret_cast<const unsigned char*>(data.data()),
                  data.size(), out, sizeof out, &len) == nullptr) {
        throw_openssl("SigningKey::mac: HMAC failed");
    }
    return std::string(reinterpret_cast<const char*>(out), len);
}

bool SigningKey::verify_mac(std::string_view data, std::string_view mac_bytes) const {
    const std::string expected = mac(data);
    return mac_bytes.size() == expected.size() &&
           CRYPTO_memcmp(expected.data(), mac_bytes.data(), expected.size()) == 0;  // constant time
}

boost::json::object SigningKey::public_jwk() const {
    return boost::json::object{{"kty", "RSA"}, {"n", impl_->n}, {"e", impl_->e},
                               {"kid", kid_},  {"alg", "RS256"}, {"use", "sig"}};
}

}  // namespace carebridge::auth
