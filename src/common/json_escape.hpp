#pragma once
// JSON string escaping, shared by the JSON log lines (common/log.hpp) and the platform's JSON
// writer (platform/events/json_text.hpp). Header-only, as the rest of common/.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace carebridge {

namespace detail {

inline bool needs_escape(unsigned char c) {
    return c < 0x20 || c == '"' || c == '\\';
}

inline std::size_t scalar_next_escape(std::string_view s, std::size_t i) {
    for (; i < s.size(); ++i)
        if (needs_escape(static_cast<unsigned char>(s[i]))) return i;
    return s.size();
}

#if defined(__SSE2__)
// The bytes of v that need an escape, as a bit mask (bit k: byte k).
inline unsigned escape_mask(__m128i v) {
    const __m128i quote = _mm_set1_epi8('"');
    const __m128i backslash = _mm_set1_epi8('\\');
    const __m128i last_control = _mm_set1_epi8(0x1F);
    // max(v, 0x1F) == 0x1F exactly when v <= 0x1F, unsigned.
    const __m128i control = _mm_cmpeq_epi8(_mm_max_epu8(v, last_control), last_control);
    return static_cast<unsigned>(_mm_movemask_epi8(
        _mm_or_si128(control, _mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash)))));
}
inline unsigned escape_mask16(const char* p) {
    return escape_mask(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
}
inline unsigned escape_mask8(const char* p) {  // the upper 8 lanes load as 0: masked off
    return escape_mask(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(p))) & 0xFFu;
}
inline unsigned escape_mask4(const char* p) {
    std::int32_t word;
    std::memcpy(&word, p, sizeof word);
    return escape_mask(_mm_cvtsi32_si128(word)) & 0xFu;
}
#endif

// Where the next byte that needs an escape is, at or after `i` (s.size() if none). Nearly every
// string written (keys, ids, hrefs, names) has none, so this runs over whole strings, 16 bytes
// a step where SSE2 is there (every x86-64). The last bytes are read as a block that ends at the
// string's end, overlapping what was already checked, so no read goes past the string (a
// padded copy of the tail cost more than the check on the short keys that are most strings).
inline std::size_t next_escape(std::string_view s, std::size_t i) {
#if defined(__SSE2__)
    const char* p = s.data();
    const std::size_t n = s.size();
    if (n - i >= 16) {
        for (; i + 16 <= n; i += 16)
            if (const unsigned mask = escape_mask16(p + i); mask != 0)
                return i + static_cast<std::size_t>(__builtin_ctz(mask));
        if (i == n) return n;
        // Bit k of the block ending at n is position n - 16 + k; keep those at or after i.
        const unsigned mask = escape_mask16(p + n - 16) >> (16 - (n - i));
        return mask != 0 ? i + static_cast<std::size_t>(__builtin_ctz(mask)) : n;
    }
    const std::size_t left = n - i;
    // Two overlapping loads cover 4..15 bytes; an escape found goes to the byte-wise scan.
    if (left >= 8) return (escape_mask8(p + i) | escape_mask8(p + n - 8)) != 0 ? scalar_next_escape(s, i) : n;
    if (left >= 4) return (escape_mask4(p + i) | escape_mask4(p + n - 4)) != 0 ? scalar_next_escape(s, i) : n;
#endif
    return scalar_next_escape(s, i);
}

}  // namespace detail

// Appends `s` escaped for the inside of a JSON string literal (no quotes): quotes, backslashes
// and control characters escaped (short forms where JSON has them, \u00XX otherwise), every
// other byte as it is: exactly what boost::json::serialize writes
// (tests/unit/platform/json_text_test.cpp).
inline void append_json_chars(std::string& out, std::string_view s) {
    static constexpr char kHex[] = "0123456789abcdef";
    std::size_t i = detail::next_escape(s, 0);
    if (i == s.size()) {  // nearly always: nothing to escape, one copy
        out.append(s.data(), s.size());
        return;
    }
    out.reserve(out.size() + s.size() + 8);
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
}

// Appends `s` as a JSON string literal, quoted and escaped as append_json_chars.
inline void append_json_string(std::string& out, std::string_view s) {
    out += '"';
    append_json_chars(out, s);
    out += '"';
}

}  // namespace carebridge
