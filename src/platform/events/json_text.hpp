#pragma once
// Writes JSON text straight into a string, for the hot paths whose shape is fixed (stored
// snapshots and event records, event envelopes): building a boost::json tree only to serialize
// it cost more than the rest of encoding a chat's state. The text is what boost::json::serialize
// writes for the same values (tests/unit/platform/json_text_test.cpp).
#include <concepts>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/json_escape.hpp"

namespace carebridge::platform {

using carebridge::append_json_string;  // common/json_escape.hpp

class JsonText {
public:
    explicit JsonText(std::size_t reserve = 256) { out_.reserve(reserve); }

    JsonText& begin_object() { return open('{'); }
    JsonText& end_object() { return close('}'); }
    JsonText& begin_array() { return open('['); }
    JsonText& end_array() { return close(']'); }
    JsonText& key(std::string_view k);
    // A key written in two parts (a relation's "ms:rtc:saas:" prefix and its name): no
    // temporary string for the whole.
    JsonText& key(std::string_view prefix, std::string_view name);
    JsonText& string(std::string_view v);
    // A string value written in pieces (an href from its parts): begin, chars..., end.
    JsonText& begin_string();
    JsonText& chars(std::string_view piece);  // escaped as part of the open string
    JsonText& end_string();
    JsonText& boolean(bool v);
    JsonText& number(std::int64_t v);
    JsonText& number(std::uint64_t v);
    JsonText& raw(std::string_view json);  // a value that is already JSON text

    JsonText& field(std::string_view k, std::string_view v) { return key(k).string(v); }
    JsonText& field(std::string_view k, const std::string& v) { return key(k).string(v); }
    JsonText& field(std::string_view k, const char* v) { return key(k).string(v); }
    JsonText& field(std::string_view k, bool v) { return key(k).boolean(v); }
    template <std::integral T>
        requires(!std::same_as<T, bool>)
    JsonText& field(std::string_view k, T v) {
        if constexpr (std::is_signed_v<T>) return key(k).number(static_cast<std::int64_t>(v));
        else return key(k).number(static_cast<std::uint64_t>(v));
    }

    const std::string& text() const { return out_; }
    std::string take() { return std::move(out_); }

private:
    JsonText& open(char bracket);
    JsonText& close(char bracket);
    void separate();  // the comma before a value, unless it is its container's first or a key's

    std::string out_;
    bool first_ = true;
    bool after_key_ = false;
};

}  // namespace carebridge::platform
