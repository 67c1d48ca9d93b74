#include "platform/events/json_text.hpp"

#include <array>
#include <charconv>

namespace carebridge::platform {

void JsonText::separate() {
    if (after_key_) after_key_ = false;
    else if (!first_) out_ += ',';
    first_ = false;
}

JsonText& JsonText::open(char bracket) {
    separate();
    out_ += bracket;
    first_ = true;
    return *this;
}

JsonText& JsonText::close(char bracket) {
    out_ += bracket;
    first_ = false;
    return *this;
}

JsonText& JsonText::key(std::string_view k) {
    separate();
    append_json_string(out_, k);
    out_ += ':';
    after_key_ = true;
    return *this;
}

JsonText& JsonText::key(std::string_view prefix, std::string_view name) {
    separate();
    out_ += '"';
    append_json_chars(out_, prefix);
    append_json_chars(out_, name);
    out_ += "\":";
    after_key_ = true;
    return *this;
}

JsonText& JsonText::begin_string() {
    separate();
    out_ += '"';
    return *this;
}

JsonText& JsonText::chars(std::string_view piece) {
    append_json_chars(out_, piece);
    return *this;
}

JsonText& JsonText::end_string() {
    out_ += '"';
    return *this;
}

JsonText& JsonText::string(std::string_view v) {
    separate();
    append_json_string(out_, v);
    return *this;
}

JsonText& JsonText::boolean(bool v) {
    separate();
    out_ += v ? "true" : "false";
    return *this;
}

namespace {
template <class Integer>
void append_number(std::string& out, Integer v) {
    std::array<char, 24> buf;
    const auto end = std::to_chars(buf.data(), buf.data() + buf.size(), v).ptr;
    out.append(buf.data(), end);
}
}  // namespace

JsonText& JsonText::number(std::int64_t v) {
    separate();
    append_number(out_, v);
    return *this;
}

JsonText& JsonText::number(std::uint64_t v) {
    separate();
    append_number(out_, v);
    return *this;
}

JsonText& JsonText::raw(std::string_view json) {
    separate();
    out_ += json;
    return *this;
}

}  // namespace carebridge::platform
