#include "platform/api/metrics.hpp"

#include <gtest/gtest.h>

#include "common/log.hpp"

namespace carebridge::platform::api {
namespace {

TEST(Metrics, RendersCountersHistogramsAndGaugesInTextFormat) {
    Metrics m;
    m.request("/a/{}", "GET", 200, 0.003);
    m.request("/a/{}", "GET", 200, 0.2);
    m.request("/a/{}", "BREW", 404, 20);
    m.rate_limited("token");
    MetricsSnapshot s;
    s.live_chats = 3;
    s.parked_polls = 2;
    Histogram commits;
    commits.observe(0.004);
    s.store_commit = &commits;
    s.has_store_stats = true;
    s.store_batches = 40;
    s.store_transactions = 7;
    s.store_record_bytes = 7000;
    s.store_record_bytes_stored = 1000;
    s.resident_bytes = 1234;
    const std::string text = m.render(s);
    EXPECT_NE(text.find("# TYPE carebridge_http_requests_total counter\n"), std::string::npos);
    EXPECT_NE(text.find("carebridge_http_requests_total{route=\"/a/{}\",method=\"GET\",status=\"200\"} 2\n"), std::string::npos);
    // Unknown methods share one label value: clients cannot grow the series without bound.
    EXPECT_NE(text.find("method=\"other\",status=\"404\"} 1\n"), std::string::npos);
    EXPECT_NE(text.find("carebridge_http_request_duration_seconds_bucket{route=\"/a/{}\",le=\"0.005\"} 1\n"), std::string::npos);
    EXPECT_NE(text.find("carebridge_http_request_duration_seconds_bucket{route=\"/a/{}\",le=\"0.25\"} 2\n"), std::string::npos);
    EXPECT_NE(text.find("carebridge_http_request_duration_seconds_bucket{route=\"/a/{}\",le=\"+Inf\"} 3\n"), std::string::npos);
    EXPECT_NE(text.find("carebridge_http_request_duration_seconds_count{route=\"/a/{}\"} 3\n"), std::string::npos);
    EXPECT_NE(text.find("carebridge_rate_limited_total{scope=\"token\"} 1\n"), std::string::npos);
    EXPECT_NE(text.find("carebridge_live_chats 3\n"), std::string::npos);
    EXPECT_NE(text.find("carebridge_parked_long_polls 2\n"), std::string::npos);
    EXPECT_NE(text.find("carebridge_store_commit_duration_seconds_bucket{le=\"0.005\"} 1\n"), std::string::npos);
    EXPECT_NE(text.find("process_resident_memory_bytes 1234\n"), std::string::npos);
    EXPECT_NE(text.find("# TYPE carebridge_store_batches_total counter\ncarebridge_store_batches_total 40\n"),
              std::string::npos);
    EXPECT_NE(text.find("carebridge_store_transactions_total 7\n"), std::string::npos);
    EXPECT_NE(text.find("carebridge_store_checkpoints_total 0\n"), std::string::npos);
    EXPECT_NE(text.find("carebridge_store_record_bytes_total 7000\n"), std::string::npos);
    EXPECT_NE(text.find("carebridge_store_record_bytes_stored_total 1000\n"), std::string::npos);
    EXPECT_EQ(text.find("process_open_fds"), std::string::npos);  // unknown (-1): left out
}

TEST(Metrics, EscapesLabelValues) {
    Metrics m;
    m.rate_limited("a\"b\\c\nd");
    const std::string text = m.render({});
    EXPECT_NE(text.find("scope=\"a\\\"b\\\\c\\nd\"} 1\n"), std::string::npos);
}

TEST(Metrics, ReadsProcessFiguresFromProc) {
    EXPECT_GT(process_resident_bytes(), 0);
    EXPECT_GE(process_open_fds(), 3);  // stdin, stdout, stderr at least
}

TEST(Log, WritesOneJsonObjectPerLineWithEscapingAndLevels) {
    std::vector<std::string> lines;
    log::set_sink([&](std::string_view l) { lines.emplace_back(l); });
    log::set_level(log::Level::info);
    log::debug("hidden");
    log::info("a \"quoted\"\nline", {{"request_id", "r-1"}, {"conversation_id", ""}});
    log::set_sink({});
    ASSERT_EQ(lines.size(), 1u);
    EXPECT_NE(lines[0].find("\"level\":\"info\""), std::string::npos);
    EXPECT_NE(lines[0].find("\"message\":\"a \\\"quoted\\\"\\nline\""), std::string::npos);
    EXPECT_NE(lines[0].find("\"request_id\":\"r-1\""), std::string::npos);
    EXPECT_EQ(lines[0].find("conversation_id"), std::string::npos);  // empty fields are left out
    EXPECT_EQ(lines[0].find('\n'), std::string::npos);
    EXPECT_TRUE(log::parse_level("warn"));
    EXPECT_FALSE(log::parse_level("loud"));
}

}  // namespace
}  // namespace carebridge::platform::api
