#include "platform/events/json_text.hpp"

#include <array>
#include <charconv>

namespace carebridge::platform {

void append_json_string(std::string& out, std::string_view s) {
    static constexpr char kHex[] = "0123456789abcdef";
    out.reserve(out.size() + s.size() + 2);
    out += '"';
    std::size_t plain = 0;  // start of the run of bytes copied as they are
    for (std::size_t i = 0; i < s.size(); ++i) {
        const auto c = static_cast<unsigned char>(s[i]);
        if (c >= 0x20 && c != '"' && c != '\\') continue;
        out.append(s.data() + plain, i - plain);
        plain = i + 1;
        switch (c) {
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            case '\b': out += "\\b"; break;
            case '\f': out += "\\f"; break;
            case '\n': out += "\\n"; break;
            case '\r': out += "\\r"; break;
            case '\t': out += "\\t"; break;
            default:
                out += "\\u00";
                out += kHex[c >> 4];
                out += kHex[c & 0xF];
        }
    }
    out.append(s.data() + plain, s.size() - plain);
    out += '"';
}

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

JsonText& JsonText::number(std::int64_t v) {
    separate();
    std::array<char, 24> buf;
    const auto end = std::to_chars(buf.data(), buf.data() + buf.size(), v).ptr;
    out_.append(buf.data(), end);
    return *this;
}

JsonText& JsonText::number(std::uint64_t v) {
    separate();
    std::array<char, 24> buf;
    const auto end = std::to_chars(buf.data(), buf.data() + buf.size(), v).ptr;
    out_.append(buf.data(), end);
    return *this;
}

JsonText& JsonText::raw(std::string_view json) {
    separate();
    out_ += json;
    return *this;
}

}  // namespace carebridge::platform
