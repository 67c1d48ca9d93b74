// The HTML sanitiser: whatever comes in (valid UTF-8, as the API guarantees), what comes out is
// valid UTF-8, is a fixed point (sanitised again it is unchanged, so what the browser parses is
// what was checked), and its tags (as the sanitiser serialises them: <name attr="value" ...>)
// are never script-bearing, carry no on* attribute, and no href/src with a script scheme.
#include <cctype>
#include <cstdint>
#include <string>
#include <string_view>

#include "platform/api/http_util.hpp"
#include "platform/engine/html_sanitizer.hpp"

namespace {
std::string lower(std::string_view s) {
    std::string out;
    for (unsigned char c : s) out += static_cast<char>(std::tolower(c));
    return out;
}

bool word_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == ':'; }

void check_tags(std::string_view html) {
    std::size_t i = 0;
    while ((i = html.find('<', i)) != std::string_view::npos) {
        ++i;
        if (i < html.size() && html[i] == '/') ++i;
        std::size_t start = i;
        while (i < html.size() && word_char(html[i])) ++i;
        const std::string tag = lower(html.substr(start, i - start));
        for (std::string_view bad : {"script", "style", "iframe", "svg", "object", "embed", "math", "template"})
            if (tag == bad) __builtin_trap();
        while (i < html.size() && html[i] != '>') {
            if (html[i] == ' ' || html[i] == '/') {
                ++i;
                continue;
            }
            start = i;
            while (i < html.size() && html[i] != '=' && html[i] != ' ' && html[i] != '>') ++i;
            const std::string name = lower(html.substr(start, i - start));
            if (name.rfind("on", 0) == 0) __builtin_trap();
            if (i < html.size() && html[i] == '=') {
                if (++i >= html.size() || html[i] != '"') __builtin_trap();  // values are always quoted
                const auto end = html.find('"', i + 1);
                if (end == std::string_view::npos) __builtin_trap();
                std::string value;
                for (char c : lower(html.substr(i + 1, end - i - 1)))
                    if (static_cast<unsigned char>(c) > ' ') value += c;
                if (name == "href" || name == "src")
                    for (std::string_view scheme : {"javascript:", "vbscript:", "&#"})
                        if (value.rfind(scheme, 0) == 0) __builtin_trap();
                i = end + 1;
            }
        }
    }
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace carebridge;
    const std::string_view in(reinterpret_cast<const char*>(data), size);
    if (!platform::api::valid_utf8(in)) return 0;
    const std::string out = platform::sanitize_html(in);
    if (!platform::api::valid_utf8(out)) __builtin_trap();
    check_tags(out);
    if (platform::sanitize_html(out) != out) __builtin_trap();
    return 0;
}
