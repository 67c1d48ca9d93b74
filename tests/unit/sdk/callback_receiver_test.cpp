// The callback receiver: verifies the platform's RS256 token, parses, drops duplicates.
#include "sdk/callback_receiver.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "sdk_fixture.hpp"

namespace carebridge::sdk_test {
namespace {

namespace json = boost::json;

const auth::SigningKey& platform_key() {
    static const auth::SigningKey k = auth::SigningKey::generate();
    return k;
}

class ReceiverTest : public ConnectedClient {
protected:
    void SetUp() override { connect(); }

    std::string token(const char* aud = "1627259584", const char* iss = "https://platform.example",
                      const auth::SigningKey* key = &platform_key()) {
        const auto now = sched.now_ms() / 1000;
        return auth::jwt_sign(*key, {{"iss", iss}, {"aud", aud}, {"typ", "callback"}, {"iat", now},
                                     {"nbf", now}, {"exp", now + 600}});
    }
    std::string jwks() { return json::serialize(json::object{{"keys", json::array{platform_key().public_jwk()}}}); }

    // POSTs a callback; returns the status answered (0: not answered yet).
    int post(const std::string& body, const std::string& auth, const char* positions = nullptr) {
        net::Request req;
        req.method = "POST";
        req.path = "/callback";
        req.body = body;
        if (!auth.empty()) req.headers.emplace_back("Authorization", auth);
        if (positions) req.headers.emplace_back("X-Carebridge-Event-Positions", positions);
        status = 0;
        receiver.handle(std::move(req), [this](net::Response r) { status = r.status; });
        return status;
    }

    int status = 0;
    std::vector<sdk::Event> received;
    int batches = 0;
    sdk::CallbackReceiver receiver{client, sched, [this](std::vector<sdk::Event> events) {
                                       ++batches;
                                       for (auto& e : events) received.push_back(std::move(e));
                                   }};
};

TEST_F(ReceiverTest, FetchesTheKeysOnTheFirstCallbackThenDeliversOnce) {
    const auto body = fixture("Event_IncomingIMCall.json");
    EXPECT_EQ(post(body, "Bearer " + token(), "12-12"), 0) << "parked until the keys arrive";
    ASSERT_EQ(http.count(), base + 1);
    EXPECT_EQ(http.at(base).url, "https://platform.example/.well-known/jwks.json");
    http.respond(base, 200, jwks());
    EXPECT_EQ(status, 200);
    ASSERT_EQ(received.size(), 1u);
    EXPECT_EQ(received[0].position, 12u);
    EXPECT_EQ(received[0].subject, sdk::Subject::messaging_invitation);
    // Redelivered (our 200 was lost): taken again, not delivered again.
    EXPECT_EQ(post(body, "Bearer " + token(), "12-12"), 200);
    EXPECT_EQ(batches, 1);
    EXPECT_EQ(http.count(), base + 1) << "the keys are cached";
}

TEST_F(ReceiverTest, RefusesBadTokens) {
    receiver.set_keys(*sdk::JwkSet::parse(jwks()));
    const auto body = fixture("Event_ConversationDeleted.json");
    EXPECT_EQ(post(body, ""), 401);
    EXPECT_EQ(post(body, "Basic abc"), 401);
    EXPECT_EQ(post(body, "Bearer " + token("2000000001")), 401) << "another application's callback";
    EXPECT_EQ(post(body, "Bearer " + token("1627259584", "https://evil.example")), 401);
    EXPECT_EQ(batches, 0);
}

TEST_F(ReceiverTest, AnUnknownSignerRefetchesTheKeysAtMostSoOften) {
    receiver.set_keys(*sdk::JwkSet::parse(jwks()));
    static const auth::SigningKey stranger = auth::SigningKey::generate();
    const auto body = fixture("Event_ConversationDeleted.json");
    EXPECT_EQ(post(body, "Bearer " + token("1627259584", "https://platform.example", &stranger)), 0);
    http.respond(base, 200, jwks());  // the set has not changed: still unknown
    EXPECT_EQ(status, 401);
    EXPECT_EQ(post(body, "Bearer " + token("1627259584", "https://platform.example", &stranger)), 401);
    EXPECT_EQ(http.count(), base + 1) << "no second fetch within jwks_min_refresh";
}

TEST_F(ReceiverTest, RefusesMalformedBodiesAndPositions) {
    receiver.set_keys(*sdk::JwkSet::parse(jwks()));
    const auto auth = "Bearer " + token();
    EXPECT_EQ(post("{not json", auth), 400);
    EXPECT_EQ(post(fixture("Event_ConversationDeleted.json"), auth, "nonsense"), 400);
    EXPECT_EQ(post(fixture("Event_ConversationDeleted.json"), auth, "3-4"), 400) << "one event, two positions";
    EXPECT_EQ(post(fixture("Event_Participant_MultipleEvents.json"), auth, "20-22"), 200);
    ASSERT_EQ(received.size(), 3u);
    EXPECT_EQ(received[2].position, 22u);
    EXPECT_EQ(post(fixture("Event_Participant_MultipleEvents.json"), auth, "30-31,35-35,36-36"), 400)
        << "four positions, three events";
    EXPECT_EQ(post(fixture("Event_Participant_MultipleEvents.json"), auth, "40-40,38-39"), 400) << "not ascending";
}

TEST_F(ReceiverTest, ABatchOfSeveralConversationsCarriesEachEventsOwnPosition) {
    receiver.set_keys(*sdk::JwkSet::parse(jwks()));
    const auto auth = "Bearer " + token();
    EXPECT_EQ(post(fixture("Event_Participant_MultipleEvents.json"), auth, "7-7,12-13"), 200);
    ASSERT_EQ(received.size(), 3u);
    EXPECT_EQ(received[0].position, 7u);
    EXPECT_EQ(received[1].position, 12u);
    EXPECT_EQ(received[2].position, 13u);
    // Redelivered after a lost 200: nothing new.
    EXPECT_EQ(post(fixture("Event_Participant_MultipleEvents.json"), auth, "7-7,12-13"), 200);
    EXPECT_EQ(batches, 1);
}

TEST_F(ReceiverTest, KeysThatCannotBeFetchedAnswer503) {
    EXPECT_EQ(post(fixture("Event_ConversationDeleted.json"), "Bearer " + token()), 0);
    for (std::size_t i = base; i < base + 3; ++i) {  // the SDK retries the GET
        http.respond(i, 503, "{}");
        sched.advance(std::chrono::milliseconds(400));
    }
    EXPECT_EQ(status, 503);
}

TEST(ReceiverNotConnected, Answers503) {
    FakeScheduler sched;
    RecordingSender http;
    sdk::Client client(sched, http, client_options());
    sdk::CallbackReceiver receiver(client, sched, [](std::vector<sdk::Event>) { FAIL(); });
    int status = 0;
    receiver.handle(net::Request{}, [&](net::Response r) { status = r.status; });
    EXPECT_EQ(status, 503);
}

}  // namespace
}  // namespace carebridge::sdk_test
