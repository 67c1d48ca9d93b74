// JsonText must write exactly what boost::json::serialize writes for the same values: stored
// snapshots are compared as text, and envelopes must stay byte-identical to before.
#include "platform/events/json_text.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <limits>
#include <vector>

namespace carebridge::platform {
namespace {

std::string escaped(std::string_view s) {
    std::string out;
    append_json_string(out, s);
    return out;
}

TEST(JsonText, StringsAreEscapedAsBoostJsonDoes) {
    for (int c = 0; c < 256; ++c) {
        const std::string s = std::string("a") + static_cast<char>(c) + "b";
        EXPECT_EQ(escaped(s), boost::json::serialize(boost::json::string(s))) << "byte " << c;
    }
    // Long strings go 16 bytes a step: every byte at every offset of a block, and runs of them.
    for (int c = 0; c < 256; ++c)
        for (std::size_t at : {0u, 1u, 15u, 16u, 17u, 31u, 32u, 39u}) {
            std::string s(40, 'x');
            s[at] = static_cast<char>(c);
            EXPECT_EQ(escaped(s), boost::json::serialize(boost::json::string(s))) << "byte " << c << " at " << at;
        }
    const std::string dense = std::string(20, '"') + std::string(20, '\n') + std::string(17, 'y') + "\\";
    EXPECT_EQ(escaped(dense), boost::json::serialize(boost::json::string(dense)));
    EXPECT_EQ(escaped(std::string_view{}), "\"\"");
    for (std::size_t n = 0; n <= 33; ++n) {  // every tail length, plain and with an escape last
        const std::string plain(n, 'p');
        EXPECT_EQ(escaped(plain), "\"" + plain + "\"");
        EXPECT_EQ(escaped(plain + "\n"), "\"" + plain + "\\n\"");
    }
    for (const std::string& s : std::vector<std::string>{"", "plain", "quote \" and \\ back", "line\nbreak\ttab\r\f\b",
                                std::string("nul\0inside", 10), "\x01\x1f\x7f", "utf-8 é ✓ 😀",
                                "\xff\xfe not utf-8", "</script>"}) {
        EXPECT_EQ(escaped(s), boost::json::serialize(boost::json::string(s))) << s;
    }
}

// The scan reads 16, 8 or 4 bytes at a time, the last block overlapping the one before: every
// length, every position of one escape and every pair of two (the second found by a scan that
// starts after the first), each escapable byte and its neighbours that are not.
TEST(JsonText, EveryLengthAndPositionOfEscapesMatches) {
    for (std::size_t n = 1; n <= 40; ++n)
        for (std::size_t a = 0; a < n; ++a) {
            for (unsigned char c : {'"', '\\', '\n', '\0', '\x1f', ' ', '\x7f', '\x80', 'x'}) {
                std::string s(n, 'x');
                s[a] = static_cast<char>(c);
                ASSERT_EQ(escaped(s), boost::json::serialize(boost::json::string(s))) << n << " " << a << " " << int(c);
            }
            for (std::size_t b = a + 1; b < n; ++b) {
                std::string s(n, 'x');
                s[a] = '"';
                s[b] = '\x01';
                ASSERT_EQ(escaped(s), boost::json::serialize(boost::json::string(s))) << n << " " << a << " " << b;
            }
        }
}

TEST(JsonText, NestedValuesMatchTheTreeSerialized) {
    JsonText t;
    t.begin_object()
        .field("s", "x\"y")
        .field("str", std::string("z"))
        .field("t", true)
        .field("f", false)
        .field("neg", std::int64_t{-5})
        .field("max", std::numeric_limits<std::uint64_t>::max())
        .field("min", std::numeric_limits<std::int64_t>::min())
        .field("int", 7);
    t.key("empty").begin_array().end_array();
    t.key("list").begin_array().string("a").begin_object().field("k", 1).end_object().number(std::int64_t{2}).end_array();
    t.key("obj").begin_object().end_object();
    t.key("raw").raw(R"({"pre":"rendered"})");
    t.end_object();

    boost::json::object o{{"s", "x\"y"}, {"str", "z"}, {"t", true}, {"f", false}, {"neg", -5},
                          {"max", std::numeric_limits<std::uint64_t>::max()},
                          {"min", std::numeric_limits<std::int64_t>::min()}, {"int", 7},
                          {"empty", boost::json::array{}},
                          {"list", boost::json::array{"a", boost::json::object{{"k", 1}}, 2}},
                          {"obj", boost::json::object{}},
                          {"raw", boost::json::object{{"pre", "rendered"}}}};
    EXPECT_EQ(t.text(), boost::json::serialize(o));
    EXPECT_EQ(boost::json::parse(t.text()), boost::json::value(o));
}

// A string written in pieces is copied as it comes and checked once at its end: an escape in
// any piece, at any place, comes out as if the whole had been written at once; so does a key
// in two parts, and a key that comes from data (not a literal) is escaped.
TEST(JsonText, PiecesAndRuntimeKeysAreEscapedAsAWhole) {
    const std::vector<std::string> pieces{"/plain", "q\"uote", "", "back\\slash", "nl\n", std::string(40, 'x'), "\x01"};
    for (std::size_t first = 0; first < pieces.size(); ++first)
        for (std::size_t second = 0; second < pieces.size(); ++second) {
            JsonText t(1);  // and the buffer grows from one byte
            t.begin_object().key(pieces[first], pieces[second]).begin_string();
            for (std::size_t i = first; i < pieces.size(); ++i) t.chars(pieces[i]);
            t.end_string().key(pieces[second]).string(pieces[first]).end_object();
            std::string whole;
            for (std::size_t i = first; i < pieces.size(); ++i) whole += pieces[i];
            boost::json::object o;
            o[pieces[first] + pieces[second]] = whole;
            o[pieces[second]] = pieces[first];
            EXPECT_EQ(boost::json::parse(t.text()), boost::json::value(o)) << first << " " << second;
            EXPECT_EQ(t.text().find('\n'), std::string_view::npos);
        }
}

TEST(JsonText, LongTextGrowsTheBufferAndTakeKeepsItAll) {
    JsonText t(4);
    t.begin_array();
    std::string expected = "[";
    for (int i = 0; i < 2000; ++i) {
        const std::string s = "item " + std::to_string(i) + (i % 7 == 0 ? "\"" : "");
        t.string(s);
        expected += (i ? "," : "") + boost::json::serialize(boost::json::string(s));
    }
    t.end_array();
    expected += "]";
    EXPECT_EQ(t.text(), expected);
    EXPECT_EQ(t.take(), expected);
}

TEST(JsonText, TopLevelArrayAndTake) {
    JsonText t;
    t.begin_array().number(std::uint64_t{1}).boolean(false).string("").end_array();
    EXPECT_EQ(t.take(), "[1,false,\"\"]");
}

}  // namespace
}  // namespace carebridge::platform
