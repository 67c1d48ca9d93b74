// The dead-letter list's persistence hooks: the dispatcher tells when an entry joins (with the
// queue's CallbackContext, since the queue moves past it) or leaves the list (replayed, trimmed),
// and takes stored entries back with their ids.
#include <gtest/gtest.h>

#include "fakes.hpp"
#include "platform/events/callback_dispatcher.hpp"

namespace carebridge::platform {
namespace {

using test::FakeScheduler;
using test::RecordingSender;
using std::chrono::milliseconds;

constexpr const char* kUrl = "https://sa.example/cb";

class DeadLetterHooksTest : public ::testing::Test {
protected:
    DeadLetterHooksTest() {
        app.config.id = "app1";
        app.config.callback_url = kUrl;
        CallbackOptions o;
        o.timeout = milliseconds(1'500);
        o.max_age = milliseconds(2'000);
        o.max_backoff = milliseconds(500);
        o.dead_letter_limit = 2;
        d = std::make_unique<CallbackDispatcher>(sched, http, [](const TrustedApp&) { return "Bearer x"; },
                                                 "https://platform.example", o);
        d->on_dead_letter([this](const DeadLetter& dl, const std::string& ctx) { added.emplace_back(dl, ctx); },
                          [this](std::uint64_t id) { removed.push_back(id); });
    }
    void emit(const std::string& key) {
        const auto pos = app.events.append("ms:rtc:saas:conversation", "/c/" + key,
                                           R"({"link":{"rel":"ms:rtc:saas:message","href":"/m"},"type":"added"})");
        app.events.mark_saved();
        app.events.publish_through(pos + 1);
        d->enqueue(app, key, kUrl, pos);
    }
    // Fails every outstanding POST until `n` dead letters were added.
    void fail_until(std::size_t n) {
        for (int i = 0; i < 100 && added.size() < n; ++i) {
            for (std::size_t r = 0; r < http.count(); ++r)
                if (!http.at(r).completed) http.fail(r);
            sched.advance(milliseconds(500));
        }
        ASSERT_EQ(added.size(), n);
    }

    FakeScheduler sched;
    RecordingSender http;
    TrustedApp app;
    std::unique_ptr<CallbackDispatcher> d;
    std::vector<std::pair<DeadLetter, std::string>> added;
    std::vector<std::uint64_t> removed;
};

TEST_F(DeadLetterHooksTest, JoiningAndLeavingTheListIsToldWithTheQueuesContext) {
    d->set_context("c1", "ctx-1");
    emit("c1");
    sched.run_posted();
    EXPECT_EQ(http.at(0).timeout, milliseconds(1'500));  // a hung receiver fails after this
    fail_until(1);
    EXPECT_EQ(added[0].first.queue, "c1");
    EXPECT_EQ(added[0].second, "ctx-1");
    // Compaction keeps the dead letter's events until it is replayed and delivered.
    EXPECT_EQ(d->first_pending(app), added[0].first.first);
    ASSERT_TRUE(d->replay_dead_letter(app, added[0].first.id));
    EXPECT_EQ(removed, std::vector<std::uint64_t>{added[0].first.id});
    sched.run_posted();
    http.respond(http.count() - 1, 200);
    EXPECT_EQ(d->first_pending(app), UINT64_MAX);
}

TEST_F(DeadLetterHooksTest, TrimmingTheOldestIsToldAndRestoredIdsContinue) {
    DeadLetter stored;
    stored.id = 41;
    stored.app_id = "app1";
    stored.queue = "old";
    stored.url = kUrl;
    stored.first = stored.last = 1;
    d->restore_dead_letter(stored);
    EXPECT_TRUE(added.empty()) << "a restored entry is already stored";
    emit("c1");
    emit("c2");
    sched.run_posted();
    fail_until(2);
    EXPECT_EQ(added[0].first.id, 42u);
    EXPECT_EQ(added[1].first.id, 43u);
    // The limit is 2: the restored entry went first.
    EXPECT_EQ(removed, std::vector<std::uint64_t>{41});
    ASSERT_EQ(d->dead_letters().size(), 2u);
    EXPECT_EQ(d->dead_letters().front().id, 42u);
}

}  // namespace
}  // namespace carebridge::platform
