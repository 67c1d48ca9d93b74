#include "helpdesk/texts.hpp"

#include <gtest/gtest.h>

namespace carebridge::helpdesk {
namespace {

TEST(Texts, FillsKnownPlaceholdersOnly) {
    EXPECT_EQ(fill("Hi {visitor}, {queue} {unknown} {", {{"visitor", "Ann"}, {"queue", "billing"}}),
              "Hi Ann, billing {unknown} {");
    EXPECT_EQ(fill("{a}{a}", {{"a", "{a}"}}), "{a}{a}") << "values are not expanded again";
}

TEST(Texts, CustomContent) {
    auto c = parse_custom_content(" Queue = billing ; order=42&topic=late delivery");
    EXPECT_EQ(c["queue"], "billing");
    EXPECT_EQ(c["order"], "42");
    EXPECT_EQ(c["topic"], "late delivery");
    EXPECT_EQ(parse_custom_content("CID:2").at(""), "CID:2");
    EXPECT_TRUE(parse_custom_content("").empty());
    EXPECT_TRUE(parse_custom_content("=x;;").empty());
}

}  // namespace
}  // namespace carebridge::helpdesk
