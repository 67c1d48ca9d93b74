#include "platform/events/json_text.hpp"

#include <algorithm>
#include <array>
#include <charconv>

namespace carebridge::platform {

void JsonText::grow(std::size_t more) {
    buf_.resize(std::max(buf_.size() * 2, len_ + more));
}

void JsonText::put_escaped(std::string_view s) {
    if (detail::next_escape(s, 0) == s.size()) {  // nearly always
        put(s);
        return;
    }
    std::string escaped;
    append_json_chars(escaped, s);
    put(escaped);
}

void JsonText::escape_from(std::size_t start) {
    const std::size_t at = start + detail::next_escape(text().substr(start), 0);
    if (at == len_) return;
    const std::string rest(buf_.data() + at, len_ - at);
    len_ = at;
    put_escaped(rest);
}

void JsonText::separate() {
    if (after_key_) after_key_ = false;
    else if (!first_) put(',');
    first_ = false;
}

JsonText& JsonText::open(char bracket) {
    separate();
    put(bracket);
    first_ = true;
    return *this;
}

JsonText& JsonText::close(char bracket) {
    put(bracket);
    first_ = false;
    return *this;
}

JsonText& JsonText::escaped_key(std::string_view k) {
    separate();
    put('"');
    put_escaped(k);
    put(std::string_view("\":", 2));
    after_key_ = true;
    return *this;
}

JsonText& JsonText::key(std::string_view prefix, std::string_view name) {
    separate();
    put('"');
    const std::size_t start = len_;
    put(prefix);
    put(name);
    escape_from(start);
    put(std::string_view("\":", 2));
    after_key_ = true;
    return *this;
}

JsonText& JsonText::begin_string() {
    separate();
    put('"');
    string_start_ = len_;
    return *this;
}

JsonText& JsonText::end_string() {
    escape_from(string_start_);
    put('"');
    return *this;
}

JsonText& JsonText::string(std::string_view v) {
    separate();
    put('"');
    put_escaped(v);
    put('"');
    return *this;
}

JsonText& JsonText::boolean(bool v) {
    separate();
    put(v ? std::string_view("true") : std::string_view("false"));
    return *this;
}

namespace {
template <class Integer>
std::string_view digits(std::array<char, 24>& buf, Integer v) {
    return {buf.data(), static_cast<std::size_t>(std::to_chars(buf.data(), buf.data() + buf.size(), v).ptr - buf.data())};
}
}  // namespace

JsonText& JsonText::number(std::int64_t v) {
    separate();
    std::array<char, 24> buf;
    put(digits(buf, v));
    return *this;
}

JsonText& JsonText::number(std::uint64_t v) {
    separate();
    std::array<char, 24> buf;
    put(digits(buf, v));
    return *this;
}

JsonText& JsonText::raw(std::string_view json) {
    separate();
    put(json);
    return *this;
}

}  // namespace carebridge::platform
