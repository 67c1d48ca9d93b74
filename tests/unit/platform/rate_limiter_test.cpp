// Token buckets with a bounded key table.
#include "platform/api/rate_limiter.hpp"

#include <gtest/gtest.h>

using carebridge::platform::api::RateLimiter;

TEST(RateLimiter, AllowsBurstThenRefusesWithWait) {
    RateLimiter r(10, 10'000, 100);  // 10 per 10 s
    for (int i = 0; i < 10; ++i) EXPECT_EQ(r.take("t", 0), 0) << i;
    const auto wait = r.take("t", 0);
    EXPECT_GT(wait, 0);
    EXPECT_LE(wait, 1000);  // one token comes back every second
    EXPECT_GT(r.take("t", 500), 0);
    EXPECT_EQ(r.take("t", 1000), 0);
    EXPECT_GT(r.take("t", 1000), 0);
}

TEST(RateLimiter, KeysAreIndependent) {
    RateLimiter r(2, 60'000, 100);
    EXPECT_EQ(r.take("a", 0), 0);
    EXPECT_EQ(r.take("a", 0), 0);
    EXPECT_GT(r.take("a", 0), 0);
    EXPECT_EQ(r.take("b", 0), 0);
}

TEST(RateLimiter, RefillIsCappedAtBurst) {
    RateLimiter r(3, 1'000, 100);
    EXPECT_EQ(r.take("k", 0), 0);
    // A day later, still only three at once.
    for (int i = 0; i < 3; ++i) EXPECT_EQ(r.take("k", 86'400'000), 0);
    EXPECT_GT(r.take("k", 86'400'000), 0);
}

TEST(RateLimiter, ClockSteppingBackDoesNotDrainOrRefill) {
    RateLimiter r(1, 1'000, 100);
    EXPECT_EQ(r.take("k", 5'000), 0);
    EXPECT_GT(r.take("k", 1'000), 0);
    EXPECT_EQ(r.take("k", 6'000), 0);
}

TEST(RateLimiter, MemoryIsBoundedByEvictingLeastRecentlyUsed) {
    RateLimiter r(1, 60'000, 16);
    for (int i = 0; i < 10'000; ++i) (void)r.take("ip" + std::to_string(i), 0);
    EXPECT_EQ(r.tracked_keys(), 16u);
    // A key in use stays tracked (and limited) while others churn.
    RateLimiter s(1, 60'000, 16);
    EXPECT_EQ(s.take("hot", 0), 0);
    for (int i = 0; i < 100; ++i) {
        (void)s.take("cold" + std::to_string(i), 0);
        EXPECT_GT(s.take("hot", 0), 0) << i;
    }
}

TEST(RateLimiter, ZeroBurstMeansUnlimited) {
    RateLimiter r(0, 1'000, 16);
    EXPECT_FALSE(r.enabled());
    for (int i = 0; i < 1000; ++i) EXPECT_EQ(r.take("k", 0), 0);
    EXPECT_EQ(r.tracked_keys(), 0u);
}
