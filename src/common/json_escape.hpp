#pragma once
// JSON string escaping, shared by the JSON log lines (common/log.hpp) and the platform's JSON
// writer (platform/events/json_text.hpp). Header-only, as the rest of common/.
#include <cstddef>
#include <cstring>
#include <string>
#include <string_view>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace carebridge {

namespace detail {

#if !defined(__SSE2__)
inline bool needs_escape(unsigned char c) {
    return c < 0x20 || c == '"' || c == '\\';
}
#endif

// Where the next byte that needs an escape is, at or after `i` (s.size() if none). Nearly every
// string written (ids, hrefs, names) has none, so this runs over whole strings: 16 bytes a step
// where SSE2 is there (every x86-64).
inline std::size_t next_escape(std::string_view s, std::size_t i) {
#if defined(__SSE2__)
    const __m128i quote = _mm_set1_epi8('"');
    const __m128i backslash = _mm_set1_epi8('\\');
    const __m128i last_control = _mm_set1_epi8(0x1F);
    // The bytes of each 16-byte block that need an escape, as a bit mask.
    auto escapes = [&](const char* block) {
        const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(block));
        // max(v, 0x1F) == 0x1F exactly when v <= 0x1F, unsigned.
        const __m128i control = _mm_cmpeq_epi8(_mm_max_epu8(v, last_control), last_control);
        return static_cast<unsigned>(_mm_movemask_epi8(_mm_or_si128(
            control, _mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash)))));
    };
    for (; i + 16 <= s.size(); i += 16)
        if (const unsigned mask = escapes(s.data() + i); mask != 0)
            return i + static_cast<std::size_t>(__builtin_ctz(mask));
    if (i < s.size()) {
        // The tail (and most keys and ids whole), padded with a byte that needs no escape:
        // reading past the string itself could cross into an unmapped page.
        char block[16];
        std::memset(block, 'x', sizeof block);
        std::memcpy(block, s.data() + i, s.size() - i);
        if (const unsigned mask = escapes(block); mask != 0)
            return i + static_cast<std::size_t>(__builtin_ctz(mask));
    }
    return s.size();
#else
    for (; i < s.size(); ++i)
        if (needs_escape(static_cast<unsigned char>(s[i]))) return i;
    return s.size();
#endif
}

}  // namespace detail

// Appends `s` as a JSON string literal: quotes, backslashes and control characters escaped
// (short forms where JSON has them, \u00XX otherwise), every other byte as it is: exactly what
// boost::json::serialize writes (tests/unit/platform/json_text_test.cpp).
inline void append_json_string(std::string& out, std::string_view s) {
    static constexpr char kHex[] = "0123456789abcdef";
    std::size_t i = detail::next_escape(s, 0);
    if (i == s.size()) {  // nearly always: nothing to escape, one copy
        const std::size_t at = out.size();
        out.resize(at + s.size() + 2);
        char* p = out.data() + at;
        *p++ = '"';
        if (!s.empty()) std::memcpy(p, s.data(), s.size());  // an empty view's data() may be null
        p[s.size()] = '"';
        return;
    }
    out.reserve(out.size() + s.size() + 8);
    out += '"';
    std::size_t plain = 0;  // start of the run of bytes copied as they are
    for (; i < s.size(); i = detail::next_escape(s, plain)) {
        const auto c = static_cast<unsigned char>(s[i]);
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

}  // namespace carebridge
