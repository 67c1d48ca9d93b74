// SigningKey: PEM round trips, key file creation, JWK publication and rejection of unusable keys.
#include <filesystem>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <string>

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "platform/auth/jwt_detail.hpp"
#include "test_keys.hpp"

namespace carebridge::auth {
namespace {

using testing::key_a;
using testing::key_b;
namespace fs = std::filesystem;

// PEM of a key OpenSSL accepts as a private key but SigningKey must refuse; takes ownership.
std::string pem_of(EVP_PKEY* pkey, const EVP_CIPHER* cipher = nullptr) {
    const std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> owner(pkey, EVP_PKEY_free);
    const std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
    unsigned char pass[] = "secret";
    EXPECT_EQ(PEM_write_bio_PrivateKey(bio.get(), pkey, cipher, cipher ? pass : nullptr, cipher ? 6 : 0,
                                       nullptr, nullptr), 1);
    char* data = nullptr;
    const long len = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<std::size_t>(len));
}
EVP_PKEY* ec_key() { return EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"); }
EVP_PKEY* parse_pem(const std::string& pem) {
    const std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())),
                                                        BIO_free);
    return PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr);
}
EVP_PKEY* short_rsa_key() { return EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", std::size_t{1024}); }

// A fresh directory per test, removed afterwards.
class TempDir {
public:
    TempDir() : path_(fs::temp_directory_path() / ("carebridge-auth-test-" + random_hex(8))) {}
    ~TempDir() { fs::remove_all(path_); }
    const fs::path& path() const { return path_; }
private:
    fs::path path_;
};

TEST(SigningKey, RawSignVerify) {
    const std::string sig = key_a().sign("hello");
    EXPECT_EQ(sig.size(), 256u);  // 2048-bit modulus
    EXPECT_TRUE(key_a().verify("hello", sig));
    EXPECT_FALSE(key_a().verify("hellO", sig));
    EXPECT_FALSE(key_b().verify("hello", sig));
    EXPECT_FALSE(key_a().verify("hello", sig.substr(1)));
    EXPECT_FALSE(key_a().verify("hello", ""));
    std::string flipped = sig;
    flipped[100] ^= 1;
    EXPECT_FALSE(key_a().verify("hello", flipped));
    // PKCS#1 v1.5 is deterministic.
    EXPECT_EQ(key_a().sign("hello"), sig);
}

TEST(SigningKey, DistinctKeysHaveDistinctKids) {
    EXPECT_NE(key_a().kid(), key_b().kid());
    EXPECT_EQ(key_a().kid().size(), 43u);  // base64url of 32 bytes
}

TEST(SigningKey, PemRoundTripKeepsKeyAndKid) {
    const std::string pem = key_a().private_pem();
    EXPECT_NE(pem.find("-----BEGIN PRIVATE KEY-----"), std::string::npos);
    const SigningKey copy = SigningKey::from_pem(pem);
    EXPECT_EQ(copy.kid(), key_a().kid());
    EXPECT_TRUE(copy.verify("data", key_a().sign("data")));
    EXPECT_TRUE(key_a().verify("data", copy.sign("data")));
    EXPECT_EQ(copy.private_pem(), pem);
}

TEST(SigningKey, FromPemRejectsUnusableInput) {
    EXPECT_THROW(SigningKey::from_pem(""), std::runtime_error);
    EXPECT_THROW(SigningKey::from_pem("not a pem"), std::runtime_error);
    EXPECT_THROW(SigningKey::from_pem("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"),
                 std::runtime_error);
    EXPECT_THROW(SigningKey::from_pem(pem_of(ec_key())), std::runtime_error);
    EXPECT_THROW(SigningKey::from_pem(pem_of(short_rsa_key())), std::runtime_error);  // < 2048 bits
    // Encrypted keys must fail cleanly rather than prompt for a passphrase.
    EXPECT_THROW(SigningKey::from_pem(pem_of(parse_pem(key_a().private_pem()), EVP_aes_256_cbc())), std::runtime_error);
}

TEST(SigningKey, GenerateRefusesShortKeys) {
    EXPECT_THROW(SigningKey::generate(1024), std::invalid_argument);
}

TEST(SigningKey, PublicJwk) {
    const boost::json::object jwk = key_a().public_jwk();
    EXPECT_EQ(jwk.size(), 6u);
    EXPECT_EQ(jwk.at("kty"), "RSA");
    EXPECT_EQ(jwk.at("alg"), "RS256");
    EXPECT_EQ(jwk.at("use"), "sig");
    EXPECT_EQ(jwk.at("e"), "AQAB");
    EXPECT_EQ(jwk.at("kid").as_string(), key_a().kid());
    const auto n = base64url_decode(jwk.at("n").as_string());
    ASSERT_TRUE(n.has_value());
    EXPECT_EQ(n->size(), 256u);
    EXPECT_NE((*n)[0], '\0');  // minimal encoding, no leading zero octet
    EXPECT_EQ(detail::rsa_jwk_thumbprint(jwk.at("n").as_string(), jwk.at("e").as_string()), key_a().kid());
    // No private parameters may leak into the published key.
    for (const char* name : {"d", "p", "q", "dp", "dq", "qi"}) EXPECT_FALSE(jwk.contains(name)) << name;
}

TEST(SigningKey, LoadOrCreateWritesPrivateFileThenReloadsIt) {
    const TempDir dir;
    const fs::path path = dir.path() / "nested" / "keys" / "signing.pem";
    const SigningKey created = SigningKey::load_or_create(path);
    ASSERT_TRUE(fs::exists(path));
    EXPECT_EQ(fs::status(path).permissions() & fs::perms::all, fs::perms::owner_read | fs::perms::owner_write);
    // Only the key itself is left behind, no temp files.
    EXPECT_EQ(std::distance(fs::directory_iterator(path.parent_path()), fs::directory_iterator{}), 1);

    const SigningKey loaded = SigningKey::load_or_create(path);
    EXPECT_EQ(loaded.kid(), created.kid());
    EXPECT_TRUE(loaded.verify("x", created.sign("x")));
}

TEST(SigningKey, LoadOrCreateLoadsExistingKey) {
    const TempDir dir;
    fs::create_directories(dir.path());
    const fs::path path = dir.path() / "existing.pem";
    std::ofstream(path) << key_b().private_pem();
    EXPECT_EQ(SigningKey::load_or_create(path).kid(), key_b().kid());
}

TEST(SigningKey, LoadOrCreateNamesTheFileItCannotParse) {
    const TempDir dir;
    fs::create_directories(dir.path());
    for (const std::string content : {"garbage", ""}) {
        const fs::path path = dir.path() / "corrupt.pem";
        std::ofstream(path) << content;
        try {
            SigningKey::load_or_create(path);
            ADD_FAILURE() << "expected a throw for content '" << content << "'";
        } catch (const std::runtime_error& e) {
            EXPECT_NE(std::string(e.what()).find(path.string()), std::string::npos) << e.what();
        }
        // A corrupt key must be reported, never silently replaced by a new one.
        std::ifstream in(path);
        EXPECT_EQ(std::string(std::istreambuf_iterator<char>(in), {}), content);
    }
}

}  // namespace
}  // namespace carebridge::auth
