// The callback contract beyond retries: dead letters, replay and the circuit breaker, over a
// fake clock and a recording HTTP sender.
#include <gtest/gtest.h>

#include "fakes.hpp"
#include "platform/events/callback_dispatcher.hpp"

namespace carebridge::platform {
namespace {

using test::FakeScheduler;
using test::RecordingSender;
using std::chrono::milliseconds;

constexpr const char* kUrl = "https://sa.example/cb";
constexpr const char* kOther = "https://other.example/cb";

class CallbackContractTest : public ::testing::Test {
protected:
    CallbackContractTest() {
        app.config.id = "app1";
        app.config.callback_url = kUrl;
    }
    CallbackDispatcher& dispatcher(std::size_t breaker_failures = 0) {
        CallbackOptions o;
        o.initial_backoff = milliseconds(200);
        o.max_backoff = milliseconds(1000);
        o.max_age = milliseconds(5'000);
        o.breaker_failures = breaker_failures;
        o.breaker_cooldown = milliseconds(3'000);
        d = std::make_unique<CallbackDispatcher>(sched, http, [](const TrustedApp&) { return "Bearer x"; },
                                                 "https://platform.example", o);
        return *d;
    }
    std::uint64_t emit(const std::string& key, const std::string& url = kUrl) {
        const auto pos = app.events.append("ms:rtc:saas:conversation", "/c/" + key,
                                           R"({"link":{"rel":"ms:rtc:saas:message","href":"/m"},"type":"added"})");
        app.events.mark_saved();
        app.events.publish_through(pos + 1);
        d->enqueue(app, key, url, pos);
        return pos;
    }
    // Answers every outstanding request to `url` with status (0: connection refused).
    void answer_all(const std::string& url, int status) {
        for (std::size_t i = 0; i < http.count(); ++i)
            if (http.at(i).url.rfind(url, 0) == 0 && !http.at(i).completed) {
                if (status == 0) http.fail(i);
                else http.respond(i, status);
            }
    }

    FakeScheduler sched;
    RecordingSender http;
    TrustedApp app;
    std::unique_ptr<CallbackDispatcher> d;
};

TEST_F(CallbackContractTest, ExpiredDeliveriesGoToTheDeadLetterListAndReplayDeliversThem) {
    auto& cb = dispatcher();
    emit("c1");
    emit("c1");
    sched.run_posted();
    for (int i = 0; i < 200 && cb.dropped() == 0; ++i) {
        answer_all(kUrl, 500);
        sched.advance(milliseconds(1000));
    }
    ASSERT_EQ(cb.dead_letters().size(), 1u);
    const DeadLetter dl = cb.dead_letters().front();
    EXPECT_EQ(dl.app_id, "app1");
    EXPECT_EQ(dl.queue, "c1");
    EXPECT_EQ(dl.first, 1u);
    EXPECT_EQ(dl.last, 2u);
    EXPECT_EQ(dl.error, "HTTP 500");
    EXPECT_GT(dl.attempts, 3);

    const auto before = http.count();
    EXPECT_FALSE(cb.replay_dead_letter(app, dl.id + 100));
    ASSERT_TRUE(cb.replay_dead_letter(app, dl.id));
    EXPECT_TRUE(cb.dead_letters().empty());
    sched.run_posted();
    ASSERT_EQ(http.count(), before + 1);
    EXPECT_EQ(http.last().header("X-Carebridge-Event-Positions"), "1-2");
    http.respond(before, 200);
    EXPECT_EQ(cb.pending(), 0u);
    EXPECT_EQ(cb.queue_count(), 1u) << "the replay queue is dropped once drained (c1's own stays)";
}

// Two dead letters of one conversation, replayed one after the other, arrive in that order
// (each on a queue of its own, they raced: integration.test_callback_outage once saw the later
// letter first).
TEST_F(CallbackContractTest, ReplaysOfOneConversationsDeadLettersKeepTheirOrder) {
    auto& cb = dispatcher();
    for (int letter = 0; letter < 2; ++letter) {
        emit("c1");
        sched.run_posted();
        for (int i = 0; i < 200 && cb.dead_letters().size() == static_cast<std::size_t>(letter); ++i) {
            answer_all(kUrl, 500);
            sched.advance(milliseconds(1000));
        }
    }
    ASSERT_EQ(cb.dead_letters().size(), 2u);
    const DeadLetter first = cb.dead_letters()[0], second = cb.dead_letters()[1];
    const auto before = http.count();
    ASSERT_TRUE(cb.replay_dead_letter(app, first.id));
    ASSERT_TRUE(cb.replay_dead_letter(app, second.id));
    sched.run_posted();
    // One queue: one POST at a time, here both letters in order in one (two queues sent "1-1"
    // and "2-2" at once, in either order).
    ASSERT_EQ(http.count(), before + 1) << "the second replay did not wait for the first";
    EXPECT_EQ(http.last().header("X-Carebridge-Event-Positions"), "1-2");
    http.respond(before, 200);
    EXPECT_EQ(cb.pending(), 0u);
}

TEST_F(CallbackContractTest, ReplayFromAPositionResendsEveryRetainedEventInOrder) {
    auto& cb = dispatcher();
    emit("c1");
    emit("c2");
    emit("c1");
    sched.run_posted();
    answer_all(kUrl, 200);
    const auto before = http.count();
    EXPECT_EQ(cb.replay_from(app, kUrl, 2), 2u);
    sched.run_posted();
    ASSERT_EQ(http.count(), before + 1);
    EXPECT_EQ(http.last().header("X-Carebridge-Event-Positions"), "2-3");
    EXPECT_EQ(cb.replay_from(app, kUrl, 99), 0u);
}

TEST_F(CallbackContractTest, AnOpenCircuitStopsPostsToThatUrlOnlyAndOneProbeClosesIt) {
    auto& cb = dispatcher(3);
    for (int i = 0; i < 4; ++i) emit("dead" + std::to_string(i));
    sched.run_posted();
    answer_all(kUrl, 0);  // four refused: the circuit opens at the third
    EXPECT_EQ(cb.open_circuits(), 1u);
    const auto sent = http.count();
    sched.advance(milliseconds(2'000));  // within the cooldown: no POST to the dead URL
    EXPECT_EQ(http.count(), sent);
    // Another receiver is not affected.
    emit("alive", kOther);
    sched.run_posted();
    ASSERT_EQ(http.count(), sent + 1);
    EXPECT_EQ(http.last().url, kOther);
    http.respond(sent, 200);
    // After the cooldown exactly one probe goes out; the others wait for its outcome.
    sched.advance(milliseconds(1'600));
    ASSERT_EQ(http.count(), sent + 2);
    sched.advance(milliseconds(1'000));
    EXPECT_EQ(http.count(), sent + 2);
    http.respond(sent + 1, 200);  // the receiver is back: closed
    EXPECT_EQ(cb.open_circuits(), 0u);
    for (int i = 0; i < 10 && cb.pending() > 0; ++i) {
        sched.advance(milliseconds(1'000));
        answer_all(kUrl, 200);
    }
    EXPECT_EQ(cb.pending(), 0u);
    EXPECT_EQ(cb.delivered(), 5u);
}

}  // namespace
}  // namespace carebridge::platform
