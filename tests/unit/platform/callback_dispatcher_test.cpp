// CallbackDispatcher over a fake clock and a recording HTTP sender.
#include "platform/events/callback_dispatcher.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "fakes.hpp"

namespace carebridge::platform {
namespace {

namespace json = boost::json;
using test::FakeScheduler;
using test::RecordingSender;
using std::chrono::milliseconds;

constexpr const char* kUrl = "https://sa.example/cb";

class DispatcherTest : public ::testing::Test {
protected:
    DispatcherTest() {
        app.config.id = "app1";
        app.config.callback_url = kUrl;
    }
    CallbackOptions options() {
        CallbackOptions o;
        o.initial_backoff = milliseconds(200);
        o.max_backoff = milliseconds(1000);
        o.max_age = milliseconds(60'000);
        return o;
    }
    CallbackDispatcher& dispatcher(CallbackOptions o) {
        d = std::make_unique<CallbackDispatcher>(
            sched, http, [](const TrustedApp& a) { return "Bearer cb-" + a.config.id; },
            "https://platform.example", o);
        return *d;
    }
    // Appends an event to the application's stream and queues it on conversation `key`.
    std::uint64_t emit(const std::string& key, const std::string& url = kUrl) {
        const auto pos = app.events.append(
            "ms:rtc:saas:conversation", "/c/" + key,
            R"({"link":{"rel":"ms:rtc:saas:message","href":"/m"},"type":"added"})");
        app.events.mark_saved();
        app.events.publish_through(pos + 1);  // the engine queues callbacks once published
        d->enqueue(app, key, url, pos);
        return pos;
    }

    FakeScheduler sched;
    RecordingSender http;
    TrustedApp app;
    std::unique_ptr<CallbackDispatcher> d;
};

TEST_F(DispatcherTest, OneOperationsEventsCoalesceIntoOnePost) {
    auto& cb = dispatcher(options());
    emit("c1");
    emit("c1");
    emit("c1");
    EXPECT_EQ(http.count(), 0u) << "the POST must wait until the operation has emitted everything";
    EXPECT_EQ(cb.pending(), 3u);
    sched.run_posted();
    ASSERT_EQ(http.count(), 1u);
    const auto& req = http.at(0);
    EXPECT_EQ(req.method, "POST");
    EXPECT_EQ(req.url, kUrl);
    EXPECT_EQ(req.header("Authorization"), "Bearer cb-app1");
    EXPECT_EQ(req.header("X-Carebridge-Event-Positions"), "1-3");
    EXPECT_NE(req.header("Content-Type").value_or("").find("application/json"), std::string::npos);

    const auto body = json::parse(req.body).as_object();
    EXPECT_EQ(body.at("baseuri"), "https://platform.example");
    EXPECT_EQ(body.at("_links").at("self").at("href"), "/platformservice/v1/applications/app1/events?ack=1");
    EXPECT_EQ(body.at("_links").at("next").at("href"), "/platformservice/v1/applications/app1/events?ack=4");
    const auto& senders = body.at("sender").as_array();
    ASSERT_EQ(senders.size(), 1u);
    EXPECT_EQ(senders[0].at("events").as_array().size(), 3u);

    http.respond(0, 200);
    EXPECT_EQ(cb.delivered(), 3u);
    EXPECT_EQ(cb.pending(), 0u);
    sched.advance(milliseconds(600'000));
    EXPECT_EQ(http.count(), 1u);
}

TEST_F(DispatcherTest, OneConversationIsDeliveredInOrderOnePostAtATime) {
    auto& cb = dispatcher(options());
    emit("c1");
    sched.run_posted();
    ASSERT_EQ(http.count(), 1u);
    emit("c1");  // while the first POST is out
    emit("c1");
    sched.run_posted();
    EXPECT_EQ(http.count(), 1u) << "a second POST of the same conversation overtook the first";
    http.respond(0, 204);
    ASSERT_EQ(http.count(), 2u);
    EXPECT_EQ(http.at(1).header("X-Carebridge-Event-Positions"), "2-3");
    http.respond(1, 200);
    EXPECT_EQ(cb.delivered(), 3u);
}

TEST_F(DispatcherTest, LargeBatchesAreSplitAtMaxEventsPerPost) {
    auto o = options();
    o.max_events_per_post = 2;
    dispatcher(o);
    for (int i = 0; i < 5; ++i) emit("c1");
    sched.run_posted();
    std::vector<std::string> ranges;
    for (std::size_t i = 0; i < 3; ++i) {
        ASSERT_EQ(http.count(), i + 1);
        ranges.push_back(http.at(i).header("X-Carebridge-Event-Positions").value_or(""));
        http.respond(i, 200);
    }
    EXPECT_EQ(ranges, (std::vector<std::string>{"1-2", "3-4", "5-5"}));
}

TEST_F(DispatcherTest, FailingReceiverIsRetriedWithGrowingCappedBackoffThenDeliveredOnce) {
    auto o = options();
    o.max_backoff = milliseconds(1600);
    auto& cb = dispatcher(o);
    emit("c1");
    sched.run_posted();
    std::vector<milliseconds> delays;
    const std::vector<long long> ceilings{200, 400, 800, 1600, 1600, 1600, 1600};
    for (std::size_t attempt = 0; attempt < ceilings.size(); ++attempt) {
        ASSERT_EQ(http.count(), attempt + 1);
        const auto timers_before = sched.delays().size();
        if (attempt % 2) http.fail(attempt, "connection reset");
        else http.respond(attempt, 503, R"({"code":"ServiceFailure"})");
        ASSERT_EQ(sched.delays().size(), timers_before + 1) << "no retry timer after a failure";
        const milliseconds delay = sched.delays().back();
        delays.push_back(delay);
        // Jitter within [ceiling/2, ceiling], the ceiling doubling up to max_backoff: while it
        // doubles, a delay is never shorter than the one before.
        EXPECT_GE(delay.count(), ceilings[attempt] / 2) << "attempt " << attempt;
        EXPECT_LE(delay.count(), ceilings[attempt]) << "attempt " << attempt;
        if (attempt > 0 && ceilings[attempt] == 2 * ceilings[attempt - 1]) {
            EXPECT_GE(delay, delays[attempt - 1]) << "backoff shrank at attempt " << attempt;
        }
        // Not before the delay...
        sched.advance(delay - milliseconds(1));
        EXPECT_EQ(http.count(), attempt + 1) << "retried early";
        // ...but right at it.
        sched.advance(milliseconds(1));
    }
    ASSERT_EQ(http.count(), ceilings.size() + 1);
    EXPECT_EQ(http.last().header("X-Carebridge-Event-Positions"), "1-1");
    EXPECT_EQ(http.last().body, http.at(0).body) << "a retry must carry the same batch";
    EXPECT_EQ(cb.delivered(), 0u);
    http.respond(ceilings.size(), 200);
    EXPECT_EQ(cb.delivered(), 1u);
    EXPECT_EQ(cb.dropped(), 0u);
    EXPECT_EQ(cb.pending(), 0u);
    sched.advance(milliseconds(3'600'000));
    EXPECT_EQ(http.count(), ceilings.size() + 1) << "delivered more than once";
    EXPECT_EQ(http.outstanding(), 0u);
}

TEST_F(DispatcherTest, EventsQueuedDuringBackoffGoWithTheRetry) {
    auto& cb = dispatcher(options());
    emit("c1");
    sched.run_posted();
    http.respond(0, 500);
    emit("c1");
    sched.run_posted();
    EXPECT_EQ(http.count(), 1u) << "sent while the queue was backing off";
    sched.advance(sched.delays().back());
    ASSERT_EQ(http.count(), 2u);
    EXPECT_EQ(http.at(1).header("X-Carebridge-Event-Positions"), "1-2");
    http.respond(1, 200);
    EXPECT_EQ(cb.delivered(), 2u);
}

TEST_F(DispatcherTest, AFailingConversationDoesNotBlockAnother) {
    auto& cb = dispatcher(options());
    emit("c1", "https://broken.example/cb");
    sched.run_posted();
    http.respond(0, 503);
    emit("c2");
    sched.run_posted();
    ASSERT_EQ(http.count(), 2u);
    EXPECT_EQ(http.at(1).url, kUrl);
    EXPECT_EQ(http.at(1).header("X-Carebridge-Event-Positions"), "2-2");
    http.respond(1, 200);
    EXPECT_EQ(cb.delivered(), 1u);
    EXPECT_EQ(cb.pending(), 1u);  // c1's event, still retrying
    emit("c2");
    sched.run_posted();
    ASSERT_EQ(http.count(), 3u);
    EXPECT_EQ(http.at(2).url, kUrl);
    http.respond(2, 200);
    EXPECT_EQ(cb.delivered(), 2u);
}

TEST_F(DispatcherTest, CallbackContextIsAppendedToLaterPosts) {
    dispatcher(options());
    emit("c1");
    sched.run_posted();
    EXPECT_EQ(http.at(0).url, kUrl);
    http.respond(0, 200, R"({"CallbackContext":"x"})");
    emit("c1");
    sched.run_posted();
    ASSERT_EQ(http.count(), 2u);
    EXPECT_EQ(http.at(1).url, std::string(kUrl) + "?callbackContext=x");
    http.respond(1, 200);  // no new context: the old one stays
    // Another conversation has its own context; a URL with a query gets '&'.
    emit("c2", "https://sa.example/cb?tenant=7");
    emit("c1");
    sched.run_posted();
    ASSERT_EQ(http.count(), 4u);
    EXPECT_EQ(http.at(2).url, "https://sa.example/cb?tenant=7");
    EXPECT_EQ(http.at(3).url, std::string(kUrl) + "?callbackContext=x");
    http.respond(2, 200, R"({"CallbackContext":"a b&c"})");
    emit("c2", "https://sa.example/cb?tenant=7");
    sched.run_posted();
    ASSERT_EQ(http.count(), 5u);
    EXPECT_EQ(http.at(4).url, "https://sa.example/cb?tenant=7&callbackContext=a%20b%26c");
}

// --- batch_window: conversations share POSTs to one URL ---

CallbackOptions batching(CallbackOptions o, std::size_t max_events = 64) {
    o.batch_window = milliseconds(5);
    o.max_events_per_post = max_events;
    return o;
}

TEST_F(DispatcherTest, BatchWindowSendsSeveralConversationsInOnePost) {
    auto& cb = dispatcher(batching(options()));
    emit("c1");
    emit("c2");
    emit("c1");
    emit("c3", "https://other.example/cb");
    sched.run_posted();
    EXPECT_EQ(http.count(), 0u) << "nothing before the window ends";
    sched.advance(milliseconds(5));
    ASSERT_EQ(http.count(), 2u) << "one POST per URL";
    const auto& both = http.at(0).url == kUrl ? http.at(0) : http.at(1);
    EXPECT_EQ(both.url, kUrl);
    // Each conversation's range, in stream order; c1's 1st and 3rd events are not contiguous,
    // so its second job waits for the next POST.
    EXPECT_EQ(both.header("X-Carebridge-Event-Positions"), "1-1,2-2");
    const auto body = json::parse(both.body).as_object();
    EXPECT_EQ(body.at("_links").at("self").at("href"), "/platformservice/v1/applications/app1/events?ack=1");
    EXPECT_EQ(body.at("_links").at("next").at("href"), "/platformservice/v1/applications/app1/events?ack=3");
    const auto& senders = body.at("sender").as_array();
    ASSERT_EQ(senders.size(), 2u);
    EXPECT_EQ(senders[0].at("href"), "/c/c1");
    EXPECT_EQ(senders[1].at("href"), "/c/c2");
    EXPECT_EQ(cb.pending(), 4u);
    const std::size_t i = http.at(0).url == kUrl ? 0 : 1;
    http.respond(i, 200);
    http.respond(1 - i, 200);
    EXPECT_EQ(cb.delivered(), 3u);
    // c1's next event goes after its first was acknowledged, in the next window.
    sched.advance(milliseconds(5));
    ASSERT_EQ(http.count(), 3u);
    EXPECT_EQ(http.at(2).header("X-Carebridge-Event-Positions"), "3-3");
    http.respond(2, 200);
    EXPECT_EQ(cb.delivered(), 4u);
    EXPECT_EQ(cb.pending(), 0u);
}

TEST_F(DispatcherTest, BatchedConversationsRetryEachOnItsOwn) {
    auto& cb = dispatcher(batching(options()));
    emit("c1");
    emit("c2");
    sched.run_posted();
    sched.advance(milliseconds(5));
    ASSERT_EQ(http.count(), 1u);
    EXPECT_EQ(http.at(0).header("X-Carebridge-Event-Positions"), "1-1,2-2");
    http.respond(0, 503);
    EXPECT_EQ(cb.delivered(), 0u);
    // Each backs off with its own jitter (100-200 ms here), then joins a batch again.
    sched.advance(milliseconds(300));
    ASSERT_GE(http.count(), 2u);
    ASSERT_LE(http.count(), 3u);
    for (std::size_t i = 1; i < http.count(); ++i) http.respond(i, 200);
    EXPECT_EQ(cb.delivered(), 2u);
    EXPECT_EQ(cb.retries(), 2u);
    EXPECT_EQ(cb.pending(), 0u);
}

TEST_F(DispatcherTest, CallbackContextAnsweredToABatchAppliesToEveryConversationInIt) {
    dispatcher(batching(options()));
    emit("c1");
    emit("c2");
    sched.run_posted();
    sched.advance(milliseconds(5));
    ASSERT_EQ(http.count(), 1u);
    http.respond(0, 200, R"({"CallbackContext":"x"})");
    emit("c1");
    emit("c2");
    sched.run_posted();
    sched.advance(milliseconds(5));
    ASSERT_EQ(http.count(), 2u);
    EXPECT_EQ(http.at(1).url, std::string(kUrl) + "?callbackContext=x");
    EXPECT_EQ(http.at(1).header("X-Carebridge-Event-Positions"), "3-3,4-4");
}

TEST_F(DispatcherTest, BatchIsSplitAtMaxEventsPerPost) {
    auto& cb = dispatcher(batching(options(), 3));
    emit("c1");
    emit("c1");
    emit("c2");
    emit("c2");
    emit("c3");
    sched.run_posted();
    sched.advance(milliseconds(5));
    ASSERT_EQ(http.count(), 2u) << "the rest goes at once in a second POST";
    EXPECT_EQ(http.at(0).header("X-Carebridge-Event-Positions"), "1-2,5-5");
    EXPECT_EQ(http.at(1).header("X-Carebridge-Event-Positions"), "3-4");
    http.respond(0, 200);
    http.respond(1, 200);
    EXPECT_EQ(cb.delivered(), 5u);
}

TEST_F(DispatcherTest, DeliveryOlderThanMaxAgeIsDroppedAndCounted) {
    auto o = options();
    o.max_age = milliseconds(5'000);
    auto& cb = dispatcher(o);
    emit("c1");
    emit("c1");
    sched.run_posted();
    std::size_t i = 0;
    // Keep failing until the dispatcher gives up (bounded: 5 s at >= 100 ms per retry).
    while (cb.dropped() == 0 && i < 100) {
        ASSERT_EQ(http.count(), i + 1);
        http.respond(i++, 503);
        if (cb.dropped()) break;
        sched.advance(sched.delays().back());
    }
    EXPECT_EQ(cb.dropped(), 2u);
    EXPECT_EQ(cb.delivered(), 0u);
    EXPECT_EQ(cb.pending(), 0u);
    EXPECT_GT(sched.now_ms() - FakeScheduler::kStartMs, 5'000);
    const auto sent = http.count();
    sched.advance(milliseconds(600'000));
    EXPECT_EQ(http.count(), sent) << "a dropped delivery was retried";
    // The queue still works afterwards.
    emit("c1");
    sched.run_posted();
    ASSERT_EQ(http.count(), sent + 1);
    EXPECT_EQ(http.last().header("X-Carebridge-Event-Positions"), "3-3");
    http.respond(sent, 200);
    EXPECT_EQ(cb.delivered(), 1u);
}

TEST_F(DispatcherTest, ForgottenConversationStillDrains) {
    auto& cb = dispatcher(options());
    emit("c1");
    cb.forget("c1");
    sched.run_posted();
    ASSERT_EQ(http.count(), 1u);
    http.respond(0, 200);
    EXPECT_EQ(cb.delivered(), 1u);
    EXPECT_EQ(cb.pending(), 0u);
    cb.forget("unknown");  // harmless
}

}  // namespace
}  // namespace carebridge::platform
