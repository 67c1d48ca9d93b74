#pragma once
// Writes JSON text straight into a string, for the hot paths whose shape is fixed (stored
// snapshots and event records, event envelopes): building a boost::json tree only to serialize
// it cost more than the rest of encoding a chat's state. The text is what boost::json::serialize
// writes for the same values (tests/unit/platform/json_text_test.cpp).
#include <concepts>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <type_traits>

#include "common/json_escape.hpp"

namespace carebridge::platform {

using carebridge::append_json_string;  // common/json_escape.hpp

// A key spelled in the source ("href", "_links"): checked at compile time to need no escape,
// so it is copied as it is. Keys that come from data go through JsonText::key(string_view).
struct JsonKey {
    template <std::size_t N>
    consteval JsonKey(const char (&literal)[N]) : text(literal, N - 1) {
        for (const char c : text)
            if (static_cast<unsigned char>(c) < 0x20 || c == '"' || c == '\\') throw "a literal JSON key must not need escaping";
    }
    std::string_view text;
};

// A runtime string for a key or value (std::string, std::string_view, ...), but not a char
// array: a literal goes to the JsonKey overload.
template <class S>
concept RuntimeText = std::convertible_to<const S&, std::string_view> && !std::is_array_v<S>;

class JsonText {
public:
    explicit JsonText(std::size_t reserve = 256) { buf_.resize(reserve); }

    JsonText& begin_object() { return open('{'); }
    JsonText& end_object() { return close('}'); }
    JsonText& begin_array() { return open('['); }
    JsonText& end_array() { return close(']'); }
    JsonText& key(JsonKey k) {
        separate();
        put('"');
        put(k.text);
        put(std::string_view("\":", 2));
        after_key_ = true;
        return *this;
    }
    template <RuntimeText S>
    JsonText& key(const S& k) {
        return escaped_key(k);
    }
    // A key written in two parts (a relation's "ms:rtc:saas:" prefix and its name): no
    // temporary string for the whole.
    JsonText& key(std::string_view prefix, std::string_view name);
    JsonText& string(std::string_view v);
    // A string value written in pieces (an href from its parts): begin, chars..., end. The
    // pieces are copied as they come and the whole is checked for escapes once, at the end.
    JsonText& begin_string();
    JsonText& chars(std::string_view piece) {
        put(piece);
        return *this;
    }
    JsonText& end_string();
    JsonText& boolean(bool v);
    JsonText& number(std::int64_t v);
    JsonText& number(std::uint64_t v);
    JsonText& raw(std::string_view json);  // a value that is already JSON text

    JsonText& field(JsonKey k, std::string_view v) { return key(k).string(v); }
    JsonText& field(JsonKey k, const std::string& v) { return key(k).string(v); }
    JsonText& field(JsonKey k, const char* v) { return key(k).string(v); }
    JsonText& field(JsonKey k, bool v) { return key(k).boolean(v); }
    template <std::integral T>
        requires(!std::same_as<T, bool>)
    JsonText& field(JsonKey k, T v) {
        if constexpr (std::is_signed_v<T>) return key(k).number(static_cast<std::int64_t>(v));
        else return key(k).number(static_cast<std::uint64_t>(v));
    }

    std::string_view text() const { return {buf_.data(), len_}; }
    std::string take() {
        buf_.resize(len_);
        len_ = 0;
        return std::move(buf_);
    }

private:
    // The text is buf_[0, len_): bytes are copied into room made ahead (buf_ grows by
    // doubling), not appended one std::string call each, which was most of a render's cost.
    void put(char c) {
        if (len_ == buf_.size()) grow(1);
        buf_[len_++] = c;
    }
    void put(std::string_view s) {
        if (s.size() > buf_.size() - len_) grow(s.size());
        std::memcpy(buf_.data() + len_, s.data(), s.size());
        len_ += s.size();
    }
    void grow(std::size_t more);
    JsonText& escaped_key(std::string_view k);
    void put_escaped(std::string_view s);  // the inside of a string literal
    void escape_from(std::size_t start);   // escapes buf_[start, len_) where it must
    JsonText& open(char bracket);
    JsonText& close(char bracket);
    void separate();  // the comma before a value, unless it is its container's first or a key's

    std::string buf_;
    std::size_t len_ = 0;
    std::size_t string_start_ = 0;  // of the string begin_string opened
    bool first_ = true;
    bool after_key_ = false;
};

}  // namespace carebridge::platform
