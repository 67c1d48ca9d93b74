// Key rotation: the KeyRing verifies by kid (current and previous), the key files rotate
// current -> previous -> gone, and tokens survive exactly one rotation.
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "platform/auth/key_ring.hpp"
#include "platform/auth/key_store.hpp"
#include "platform/auth/tokens.hpp"
#include "test_keys.hpp"

namespace carebridge::auth {
namespace {

using testing::key_a;
using testing::key_b;
namespace fs = std::filesystem;

class TempDir {
public:
    TempDir() : path_(fs::temp_directory_path() / ("carebridge-rotation-test-" + random_hex(8))) {
        fs::create_directories(path_);
    }
    ~TempDir() { fs::remove_all(path_); }
    const fs::path& path() const { return path_; }
private:
    fs::path path_;
};

const JwtExpectations kExpect{"https://platform.test", "", 1000, 0};
boost::json::object claims() { return {{"iss", "https://platform.test"}, {"exp", 2000}}; }

std::vector<std::string> kids(const KeyRing& ring) {
    std::vector<std::string> out;
    for (const auto& k : ring.public_jwks()) out.emplace_back(k.as_object().at("kid").as_string());
    return out;
}

TEST(KeyRing, VerifiesByKidAndPublishesCurrentThenPrevious) {
    KeyRing ring(key_a());
    const std::string by_a = jwt_sign(ring.current(), claims());
    EXPECT_TRUE(jwt_verify(ring, by_a, kExpect).ok());
    EXPECT_EQ(kids(ring), std::vector<std::string>{key_a().kid()});
    EXPECT_FALSE(ring.previous_kid());

    ring.replace(key_b(), key_a());
    EXPECT_EQ(ring.current_kid(), key_b().kid());
    EXPECT_EQ(kids(ring), (std::vector<std::string>{key_b().kid(), key_a().kid()}));
    EXPECT_TRUE(jwt_verify(ring, by_a, kExpect).ok());  // the overlap
    const std::string by_b = jwt_sign(ring.current(), claims());
    EXPECT_TRUE(jwt_verify(ring, by_b, kExpect).ok());

    ring.replace(key_b(), std::nullopt);  // A rotated out
    EXPECT_EQ(jwt_verify(ring, by_a, kExpect).error, JwtError::bad_signature);
    EXPECT_TRUE(jwt_verify(ring, by_b, kExpect).ok());
}

TEST(KeyRing, AKidItDoesNotHoldIsABadSignatureNotAnotherKeysTry) {
    const KeyRing ring(key_a());
    // Signed by a key the ring does not hold: refused without trying the others.
    std::string forged = jwt_sign(key_b(), claims());
    EXPECT_EQ(jwt_verify(ring, forged, kExpect).error, JwtError::bad_signature);
    EXPECT_EQ(jwt_verify(ring, "not-a-token", kExpect).error, JwtError::malformed);
}

TEST(KeyRing, APreviousKeyEqualToTheCurrentIsNotPublishedTwice) {
    const KeyRing ring(key_a(), key_a());
    EXPECT_EQ(kids(ring).size(), 1u);
    EXPECT_FALSE(ring.previous_kid());
}

TEST(KeyStore, RotationKeepsOnePreviousKeyAndDropsTheOneBefore) {
    const TempDir dir;
    const KeyPaths paths = KeyPaths::in(dir.path());
    const StoredKeys first = load_keys(dir.path());  // creates the current key
    EXPECT_TRUE(fs::exists(paths.current));
    EXPECT_FALSE(first.previous);
    KeyFileWatch watch(paths.current);
    EXPECT_FALSE(watch.changed());

    const Rotation r1 = rotate_keys(dir.path());
    EXPECT_EQ(r1.previous_kid, first.current.kid());
    EXPECT_NE(r1.current_kid, first.current.kid());
    EXPECT_TRUE(r1.dropped_kid.empty());
    EXPECT_TRUE(watch.changed());
    EXPECT_FALSE(watch.changed());  // once per change
    const StoredKeys second = load_keys(dir.path());
    EXPECT_EQ(second.current.kid(), r1.current_kid);
    ASSERT_TRUE(second.previous);
    EXPECT_EQ(second.previous->kid(), first.current.kid());
    for (const auto& p : {paths.current, paths.previous})
        EXPECT_EQ(fs::status(p).permissions() & fs::perms::all, fs::perms::owner_read | fs::perms::owner_write);

    const Rotation r2 = rotate_keys(dir.path());
    EXPECT_EQ(r2.dropped_kid, first.current.kid());
    EXPECT_EQ(r2.previous_kid, r1.current_kid);
    const StoredKeys third = load_keys(dir.path());
    EXPECT_EQ(third.current.kid(), r2.current_kid);
    EXPECT_EQ(third.previous->kid(), r1.current_kid);
    EXPECT_TRUE(watch.changed());
    // No temporaries left behind.
    std::size_t files = 0;
    for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir.path())) ++files;
    EXPECT_EQ(files, 2u);
}

TEST(KeyStore, AnUnreadablePreviousKeyIsNamed) {
    const TempDir dir;
    load_keys(dir.path());
    std::ofstream(KeyPaths::in(dir.path()).previous) << "garbage";
    try {
        load_keys(dir.path());
        FAIL() << "garbage accepted";
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find("signing-key.previous.pem"), std::string::npos) << e.what();
    }
}

TEST(TokenService, TokensOutliveOneRotationButNotTwo) {
    const TempDir dir;
    auto load = [&] {
        auto k = load_keys(dir.path());
        return std::pair{std::move(k.current), std::move(k.previous)};
    };
    auto [current, previous] = load();
    KeyRing ring(current, previous);
    const TokenService tokens(ring, "https://platform.test");
    const std::string token = tokens.issue_app_token("app-1", 1000, 3600);
    ASSERT_TRUE(tokens.verify_app_token(token, 1001));

    rotate_keys(dir.path());
    auto [c2, p2] = load();
    ring.replace(c2, p2);
    auto still = tokens.verify_app_token(token, 1002);
    ASSERT_TRUE(still);
    EXPECT_EQ(*still, "app-1");
    const std::string fresh = tokens.issue_app_token("app-1", 1002, 3600);
    EXPECT_TRUE(tokens.verify_app_token(fresh, 1003));

    rotate_keys(dir.path());
    auto [c3, p3] = load();
    ring.replace(c3, p3);
    const auto gone = tokens.verify_app_token(token, 1004);
    ASSERT_FALSE(gone);
    EXPECT_EQ(gone.error().http_status, 401);
    EXPECT_EQ(gone.error().subcode, "InvalidToken");
    EXPECT_TRUE(tokens.verify_app_token(fresh, 1005));
}


// Visitors' tokens are HS256 (only the platform reads them), rotate like the others, and are
// refused for any other kind of caller.
TEST(TokenService, AnonymousTokensAreMacsThatRotateAndStayInTheirPlace) {
    const TempDir dir;
    auto keys = load_keys(dir.path());
    KeyRing ring(keys.current, keys.previous);
    const TokenService tokens(ring, "https://platform.test");
    AnonGrant grant{"app-1", "sip:desk@x.test", "session-1", {"https://www.x.test"}, "", 0};
    const std::string token = tokens.issue_anon_token(grant, 1000, 3600);
    EXPECT_NE(base64url_decode(token.substr(0, token.find('.')))->find(R"("alg":"HS256")"), std::string::npos);
    auto ok = tokens.verify_anon_token(token, 1001);
    ASSERT_TRUE(ok);
    EXPECT_EQ(ok->session_id, "session-1");
    EXPECT_EQ(ok->origins, grant.origins);
    EXPECT_FALSE(tokens.verify_app_token(token, 1001));
    EXPECT_FALSE(tokens.verify_user_token(token, 1001));
    ASSERT_TRUE(tokens.anon_token_origins(token));
    // Earlier versions signed them RS256: still accepted.
    boost::json::object claims{{"iss", "https://platform.test"}, {"aud", "https://platform.test/ucwa/psanon"},
                               {"typ", "anon"}, {"sub", "app-1"}, {"exp", 5000}};
    EXPECT_TRUE(tokens.verify_anon_token(jwt_sign(ring.current(), claims), 1001));

    rotate_keys(dir.path());
    auto k2 = load_keys(dir.path());
    ring.replace(k2.current, k2.previous);
    EXPECT_TRUE(tokens.verify_anon_token(token, 1002));
    rotate_keys(dir.path());
    auto k3 = load_keys(dir.path());
    ring.replace(k3.current, k3.previous);
    EXPECT_FALSE(tokens.verify_anon_token(token, 1003));
    EXPECT_FALSE(tokens.anon_token_origins(token));
}

// Verified tokens are remembered (performance): the memory must not change any answer.
TEST(TokenService, ARememberedTokenStillExpiresAndKeepsItsAudience) {
    const TempDir dir;
    auto keys = load_keys(dir.path());
    KeyRing ring(keys.current, keys.previous);
    const TokenService tokens(ring, "https://platform.test");
    const std::string token = tokens.issue_app_token("app-1", 1000, 60);
    ASSERT_TRUE(tokens.verify_app_token(token, 1001));
    ASSERT_TRUE(tokens.verify_app_token(token, 1060));  // from memory, on the last second
    const auto expired = tokens.verify_app_token(token, 1061);
    ASSERT_FALSE(expired);
    EXPECT_EQ(expired.error().subcode, "TokenExpired");
    // An application token is no user token, remembered or not.
    const std::string user = tokens.issue_user_token("sip:a@x.test", 1000, 60);
    ASSERT_TRUE(tokens.verify_user_token(user, 1001));
    EXPECT_FALSE(tokens.verify_app_token(user, 1002));
    EXPECT_FALSE(tokens.verify_user_token(token, 1002));
}

}  // namespace
}  // namespace carebridge::auth
