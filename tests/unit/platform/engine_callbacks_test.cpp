// The engine's events as the Service Application receives them: callback POSTs through the
// CallbackDispatcher (URL, positions, CallbackContext), including after tear-down.
#include <algorithm>

#include "engine_fixture.hpp"

namespace carebridge::platform::test {
namespace {

// Events of one POST, as "rel/type".
std::vector<std::string> posted_kinds(const RecordingSender::Sent& s) {
    std::vector<std::string> out;
    const auto body = json::parse(s.body).as_object();
    for (const auto& sender : body.at("sender").as_array())
        for (const auto& e : sender.at("events").as_array())
            out.push_back(std::string(e.at("link").at("rel").as_string()) + "/" +
                          std::string(e.at("type").as_string()));
    return out;
}

TEST_F(EngineTest, CallbacksCarryTheApplicationsEventsInOrder) {
    UcwaApp& v = visitor();
    Conversation& chat = chat_of(v);
    sched.run_posted();
    ASSERT_EQ(http.count(), 1u);
    const auto& first = http.at(0);
    EXPECT_EQ(first.url, "https://sa.example/cb");
    EXPECT_EQ(first.header("Authorization"), "Bearer cb-app1");
    EXPECT_EQ(first.header("X-Carebridge-Event-Positions"), "1-1");
    EXPECT_EQ(posted_kinds(first), (std::vector<std::string>{"ms:rtc:saas:messagingInvitation/started"}));
    const auto body = json::parse(first.body).as_object();
    EXPECT_EQ(body.at("baseuri"), "https://platform.example");
    http.respond(0, 200);
    EXPECT_EQ(callbacks.delivered(), 1u);

    // The meeting's callbacks go to the URL given when it was started.
    Conversation& m = meeting("https://litware.example/callback");
    sched.run_posted();
    ASSERT_EQ(http.count(), 2u);
    EXPECT_EQ(http.at(1).url, "https://litware.example/callback");
    EXPECT_EQ(http.at(1).header("X-Carebridge-Event-Positions"), "2-6");
    http.respond(1, 200);
    ASSERT_TRUE(platform.accept_and_bridge(chat, m, "").ok());
    sched.run_posted();
    // One POST per conversation queue: the chat's and the meeting's.
    ASSERT_EQ(http.count(), 4u);
    std::vector<std::string> urls{http.at(2).url, http.at(3).url};
    std::sort(urls.begin(), urls.end());
    EXPECT_EQ(urls, (std::vector<std::string>{"https://litware.example/callback", "https://sa.example/cb"}));
    EXPECT_EQ(callbacks.pending(), sa().next_position() - 7);
}

TEST_F(EngineTest, CallbackContextIsKeptForTheMeetingsLaterCallbacks) {
    Conversation& m = meeting();
    sched.run_posted();
    ASSERT_EQ(http.count(), 1u);
    http.respond(0, 200, R"({"CallbackContext":"ctx-1"})");
    ASSERT_TRUE(platform.add_app_messaging(m, "op-msg").ok());
    sched.run_posted();
    ASSERT_EQ(http.count(), 2u);
    EXPECT_EQ(http.at(1).url, "https://sa.example/cb?callbackContext=ctx-1");
    http.respond(1, 200);
}

// Tear-down: the last callbacks of a conversation ("conversation deleted") belong to it too,
// so they must still carry its CallbackContext (protocol README, "Callbacks").
TEST_F(EngineTest, CallbackContextIsKeptForTheTearDownCallbacks) {
    Conversation& m = meeting();
    sched.run_posted();
    http.respond(0, 200, R"({"CallbackContext":"ctx-1"})");
    ASSERT_EQ(callbacks.pending(), 0u);  // the queue is idle when the meeting ends
    ASSERT_TRUE(platform.terminate_meeting(m).ok());
    sched.run_posted();
    ASSERT_EQ(http.count(), 2u);
    EXPECT_EQ(posted_kinds(http.at(1)), (std::vector<std::string>{"ms:rtc:saas:conversation/deleted"}));
    EXPECT_EQ(http.at(1).url, "https://sa.example/cb?callbackContext=ctx-1")
        << "bug: the conversation's callback queue (and its CallbackContext) is forgotten "
           "before its final events are queued";
    http.respond(1, 200);
    EXPECT_EQ(callbacks.delivered(), 6u);
}

TEST_F(EngineTest, CallbackContextIsKeptWhenTheVisitorEndsTheChat) {
    UcwaApp& v = visitor();
    Conversation& chat = chat_of(v);
    sched.run_posted();
    http.respond(0, 200, R"({"CallbackContext":"chat-ctx"})");
    ASSERT_TRUE(platform.end_chat(chat, "visitor left").ok());
    sched.run_posted();
    ASSERT_EQ(http.count(), 2u);
    EXPECT_EQ(posted_kinds(http.at(1)), (std::vector<std::string>{"ms:rtc:saas:messagingInvitation/completed",
                                                                  "ms:rtc:saas:conversation/deleted"}));
    EXPECT_EQ(http.at(1).url, "https://sa.example/cb?callbackContext=chat-ctx")
        << "bug: the chat's CallbackContext is lost for its final callbacks";
}

TEST_F(EngineTest, TearDownWhileACallbackIsOutStillDeliversEverything) {
    Conversation& m = meeting();
    sched.run_posted();
    ASSERT_EQ(http.count(), 1u);  // not answered yet
    ASSERT_TRUE(platform.terminate_meeting(m).ok());
    sched.run_posted();
    EXPECT_EQ(http.count(), 1u);
    http.respond(0, 200, R"({"CallbackContext":"late"})");
    ASSERT_EQ(http.count(), 2u);
    EXPECT_EQ(posted_kinds(http.at(1)), (std::vector<std::string>{"ms:rtc:saas:conversation/deleted"}));
    EXPECT_EQ(http.at(1).url, "https://sa.example/cb?callbackContext=late");
    http.respond(1, 200);
    EXPECT_EQ(callbacks.pending(), 0u);
    EXPECT_EQ(callbacks.delivered(), 6u);
}

}  // namespace
}  // namespace carebridge::platform::test
