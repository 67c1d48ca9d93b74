// The href and time formats every resource uses.
#include <gtest/gtest.h>

#include <cstdio>
#include <ctime>
#include <string>

#include "platform/views/view.hpp"

namespace carebridge::platform {
namespace {

// The reference: what gmtime_r and a format give for the same instant.
std::string reference_iso8601(std::int64_t unix_ms) {
    std::int64_t secs = unix_ms / 1000, ms = unix_ms % 1000;
    if (ms < 0) ms += 1000, --secs;
    const auto t = static_cast<std::time_t>(secs);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[64];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                  tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms));
    return buf;
}

TEST(Iso8601, KnownInstants) {
    EXPECT_EQ(iso8601(0), "1970-01-01T00:00:00.000Z");
    EXPECT_EQ(iso8601(1'764'150'000'123), "2025-11-26T09:40:00.123Z");
    EXPECT_EQ(iso8601(951'782'400'000), "2000-02-29T00:00:00.000Z");  // a leap day of a 400-year
    EXPECT_EQ(iso8601(-1), "1969-12-31T23:59:59.999Z");
}

TEST(Iso8601, MatchesGmtimeOverCenturies) {
    // Every ~3.7 days (an odd step, so every hour, weekday and month is hit) from 1900 to 2300.
    for (std::int64_t ms = -2'208'988'800'000; ms < 10'413'792'000'000; ms += 318'127'013) {
        ASSERT_EQ(iso8601(ms), reference_iso8601(ms)) << ms;
    }
    // Each day boundary and leap-year end around the present.
    for (std::int64_t day = 19'000; day < 21'000; ++day) {
        for (std::int64_t ms : {day * 86'400'000, day * 86'400'000 - 1, day * 86'400'000 + 43'199'999}) {
            ASSERT_EQ(iso8601(ms), reference_iso8601(ms)) << ms;
        }
    }
}

TEST(View, HrefsPerSide) {
    EXPECT_EQ(View::service("app1", "sip:desk@x").href("/communication", "a=1"),
              "/platformservice/v1/applications/app1/communication?endpointId=sip:desk@x&a=1");
    EXPECT_EQ(View::visitor("v1").href("/events", "ack=2"), "/ucwa/psanon/v1/applications/v1/events?ack=2");
    EXPECT_EQ(View::agent("a1").href(""), "/ucwa/v1/applications/a1");
    EXPECT_EQ(View::agent("a1").base(), "/ucwa/v1/applications/a1");
}

}  // namespace
}  // namespace carebridge::platform
