#include "net/http_types.hpp"

#include <algorithm>
#include <cstring>

namespace carebridge::net {

namespace {

char ascii_lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

bool unreserved(unsigned char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           c == '-' || c == '.' || c == '_' || c == '~';
}

std::optional<std::string_view> find_header(const HeaderList& headers, std::string_view name) {
    for (const auto& [key, value] : headers) {
        if (iequals(key, name)) return std::string_view(value);
    }
    return std::nullopt;
}

}  // namespace

bool header_safe(std::string_view s) {
    // memchr per byte value: libc's is vectorised, where a byte loop cost ~4 instructions a
    // byte on every header of every answer and callback (a bearer JWT is ~600 bytes).
    if (s.empty()) return true;
    for (const char c : {'\r', '\n', '\0'})
        if (std::memchr(s.data(), c, s.size()) != nullptr) return false;
    return true;
}

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() &&
           std::equal(a.begin(), a.end(), b.begin(),
                      [](char x, char y) { return ascii_lower(x) == ascii_lower(y); });
}

std::optional<std::string_view> Request::header(std::string_view name) const {
    return find_header(headers, name);
}

// Query keys are case-sensitive, unlike header names.
std::optional<std::string_view> Request::query_param(std::string_view name) const {
    for (const auto& [key, value] : query) {
        if (key == name) return std::string_view(value);
    }
    return std::nullopt;
}

void Response::set_header(std::string name, std::string value) {
    std::erase_if(headers, [&](const auto& h) { return iequals(h.first, name); });
    headers.emplace_back(std::move(name), std::move(value));
}

std::optional<std::string_view> Response::header(std::string_view name) const {
    return find_header(headers, name);
}

// Malformed escapes ("%zz", a trailing "%") are kept literally rather than rejected.
std::string percent_decode(std::string_view s, bool plus_as_space) {
    // Nearly every path has nothing to decode: one copy (the byte loop ran on every request).
    if (s.empty() || (std::memchr(s.data(), '%', s.size()) == nullptr &&
                      (!plus_as_space || std::memchr(s.data(), '+', s.size()) == nullptr)))
        return std::string(s);
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size(); ++i) {
        char c = s[i];
        if (c == '%' && i + 2 < s.size()) {
            int hi = hex_value(s[i + 1]);
            int lo = hex_value(s[i + 2]);
            if (hi >= 0 && lo >= 0) {
                out.push_back(static_cast<char>(hi * 16 + lo));
                i += 2;
                continue;
            }
        }
        out.push_back(plus_as_space && c == '+' ? ' ' : c);
    }
    return out;
}

std::string percent_encode(std::string_view s) {
    static constexpr char digits[] = "0123456789ABCDEF";
    // Sized for the worst case and trimmed once: push_back per byte was most of a data: URI.
    std::string out(s.size() * 3, '\0');
    char* p = out.data();
    for (char c : s) {
        auto u = static_cast<unsigned char>(c);
        if (unreserved(u)) {
            *p++ = c;
        } else {
            p[0] = '%';
            p[1] = digits[u >> 4];
            p[2] = digits[u & 0x0F];
            p += 3;
        }
    }
    out.resize(static_cast<std::size_t>(p - out.data()));
    return out;
}

HeaderList parse_query(std::string_view query, bool plus_as_space) {
    HeaderList out;
    while (!query.empty()) {
        auto amp = query.find('&');
        std::string_view pair = query.substr(0, amp);
        query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
        if (pair.empty()) continue;  // "a=1&&b=2"
        auto eq = pair.find('=');
        std::string_view key = pair.substr(0, eq);
        std::string_view value = eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1);
        out.emplace_back(percent_decode(key, plus_as_space), percent_decode(value, plus_as_space));
    }
    return out;
}

}  // namespace carebridge::net
