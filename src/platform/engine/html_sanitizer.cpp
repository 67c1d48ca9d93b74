#include "platform/engine/html_sanitizer.hpp"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <iterator>
#include <optional>
#include <vector>

namespace carebridge::platform {

namespace {

constexpr std::size_t kMaxDepth = 64;  // deeper nesting is flattened (tags dropped, text kept)

constexpr std::string_view kAllowed[] = {
    "b", "strong", "i", "em", "u", "s", "sub", "sup", "br", "p", "div", "span",
    "blockquote", "code", "pre", "ul", "ol", "li", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "a", "img"};
constexpr std::string_view kVoid[] = {"br", "hr", "img"};
constexpr std::string_view kDropWithContent[] = {
    "script", "style", "iframe", "object", "embed", "noscript", "template",
    "textarea", "title", "xmp", "noembed", "noframes", "svg", "math", "select", "option",
    "frameset", "applet", "head", "plaintext", "listing"};

template <std::size_t N>
bool in(const std::string_view (&set)[N], std::string_view s) {
    return std::find(std::begin(set), std::end(set), s) != std::end(set);
}

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }
bool alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool digit(char c) { return c >= '0' && c <= '9'; }
bool space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'; }

void append_utf8(std::string& out, std::uint32_t cp) {
    if (cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) cp = 0xFFFD;
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xC0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out += static_cast<char>(0xE0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    }
}

// Decodes character references in an attribute value as a browser would, for the ones that
// matter to URL checks. nullopt when a named reference we do not know appears: the value is
// then not judged and the attribute is dropped.
std::optional<std::string> decode_entities(std::string_view s) {
    static constexpr std::pair<std::string_view, std::uint32_t> named[] = {
        {"amp", '&'}, {"lt", '<'}, {"gt", '>'}, {"quot", '"'}, {"apos", '\''}, {"colon", ':'},
        {"tab", '\t'}, {"newline", '\n'}, {"nbsp", 0xA0}, {"sol", '/'}, {"period", '.'},
        {"lpar", '('}, {"rpar", ')'}, {"semi", ';'}, {"comma", ','}, {"equals", '='}, {"num", '#'}};
    std::string out;
    for (std::size_t i = 0; i < s.size();) {
        if (s[i] != '&') {
            out += s[i++];
            continue;
        }
        std::size_t j = i + 1;
        if (j < s.size() && s[j] == '#') {
            ++j;
            const bool hex = j < s.size() && (s[j] == 'x' || s[j] == 'X');
            if (hex) ++j;
            std::uint32_t cp = 0;
            const std::size_t start = j;
            while (j < s.size() && (hex ? std::isxdigit(static_cast<unsigned char>(s[j])) != 0 : digit(s[j]))) {
                const char c = lower(s[j]);
                cp = std::min<std::uint32_t>(cp * (hex ? 16 : 10) + static_cast<std::uint32_t>(digit(c) ? c - '0' : c - 'a' + 10),
                                             0x110000);
                ++j;
            }
            if (j == start) {  // "&#" alone is literal text
                out += s.substr(i, j - i);
                i = j;
                continue;
            }
            if (j < s.size() && s[j] == ';') ++j;  // the semicolon is optional to browsers
            append_utf8(out, cp);
            i = j;
            continue;
        }
        while (j < s.size() && (alpha(s[j]) || digit(s[j]))) ++j;
        if (j == i + 1) {  // a lone '&'
            out += '&';
            ++i;
            continue;
        }
        std::string name;
        for (char c : s.substr(i + 1, j - i - 1)) name += lower(c);
        const auto* hit = std::find_if(std::begin(named), std::end(named), [&](const auto& n) { return n.first == name; });
        if (hit == std::end(named)) return std::nullopt;
        append_utf8(out, hit->second);
        i = j < s.size() && s[j] == ';' ? j + 1 : j;
    }
    return out;
}

void escape_into(std::string& out, std::string_view s) {
    for (char c : s) {
        switch (c) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '"': out += "&quot;"; break;
            case '\'': out += "&#39;"; break;
            case '\0': break;
            default: out += c;
        }
    }
}

// A URL attribute after decoding: browsers ignore leading/trailing spaces and controls and
// strip tabs and newlines anywhere, so "java\tscript:" is "javascript:". We do the same, then
// require an allowed scheme (relative URLs are refused: a chat has no base to resolve against).
std::optional<std::string> safe_url(std::string_view decoded, bool image) {
    std::string url;
    for (char c : decoded)
        if (c != '\t' && c != '\n' && c != '\r') url += c;
    const auto not_blank = [](char c) { return static_cast<unsigned char>(c) > 0x20; };
    url.erase(url.begin(), std::find_if(url.begin(), url.end(), not_blank));
    url.erase(std::find_if(url.rbegin(), url.rend(), not_blank).base(), url.end());
    std::string low;
    for (char c : url) low += lower(c);
    if (image) {
        if (low.starts_with("https://")) return url;
        for (std::string_view type : {"png", "gif", "jpeg", "webp"})
            if (low.starts_with("data:image/" + std::string(type) + ";base64,") &&
                std::all_of(low.begin() + static_cast<long>(low.find(',') + 1), low.end(), [](char c) {
                    return (c >= 'a' && c <= 'z') || digit(c) || c == '+' || c == '/' || c == '=';
                }))
                return url;
        return std::nullopt;
    }
    if (low.starts_with("https://") || low.starts_with("http://") || low.starts_with("mailto:")) return url;
    return std::nullopt;
}

struct Attribute {
    std::string name;  // lower-case
    std::string raw;   // value as written (entities undecoded)
};

class Sanitizer {
public:
    explicit Sanitizer(std::string_view in) : s_(in) {}

    std::string run() {
        while (i_ < s_.size()) {
            const char c = s_[i_];
            if (c == '<') {
                tag();
            } else if (c == '&') {
                text_ampersand();
            } else {
                escape_into(out_, s_.substr(i_, 1));
                ++i_;
            }
        }
        while (!open_.empty()) close_top();
        return std::move(out_);
    }

private:
    // '&' in text: a well-formed reference passes through unchanged (it is inert text to the
    // browser), anything else is escaped.
    void text_ampersand() {
        std::size_t j = i_ + 1;
        if (j < s_.size() && s_[j] == '#') {
            ++j;
            if (j < s_.size() && (s_[j] == 'x' || s_[j] == 'X')) ++j;
        }
        const std::size_t start = j;
        while (j < s_.size() && j - start < 32 && (alpha(s_[j]) || digit(s_[j]))) ++j;
        if (j > start && j < s_.size() && s_[j] == ';') {
            out_.append(s_.substr(i_, j + 1 - i_));
            i_ = j + 1;
        } else {
            out_ += "&amp;";
            ++i_;
        }
    }

    void skip_past(std::string_view end) {
        const auto at = s_.find(end, i_);
        i_ = at == std::string_view::npos ? s_.size() : at + end.size();
    }

    void tag() {
        const std::string_view rest = s_.substr(i_);
        if (rest.starts_with("<!--")) {
            i_ += 4;
            return skip_past("-->");
        }
        if (rest.starts_with("<!") || rest.starts_with("<?")) return skip_past(">");  // doctype, CDATA, PI
        const bool end = rest.starts_with("</");
        std::size_t j = i_ + (end ? 2 : 1);
        if (j >= s_.size() || !alpha(s_[j])) {  // not a tag: literal '<'
            out_ += "&lt;";
            ++i_;
            return;
        }
        std::string name;
        while (j < s_.size() && !space(s_[j]) && s_[j] != '/' && s_[j] != '>') name += lower(s_[j++]);
        std::vector<Attribute> attributes;
        if (!parse_attributes(j, attributes)) {  // unterminated tag: the rest is swallowed, as a browser would
            i_ = s_.size();
            return;
        }
        i_ = j;  // just past '>'
        if (end) return end_tag(name);
        if (in(kDropWithContent, name)) return skip_element(name);
        if (!in(kAllowed, name) || open_.size() >= kMaxDepth) return;
        emit_start(name, attributes);
    }

    // From j (after the tag name) to just past '>'; false when the input ends first.
    bool parse_attributes(std::size_t& j, std::vector<Attribute>& attributes) {
        while (true) {
            while (j < s_.size() && (space(s_[j]) || s_[j] == '/')) ++j;
            if (j >= s_.size()) return false;
            if (s_[j] == '>') {
                ++j;
                return true;
            }
            Attribute a;
            // A name runs to space, '/', '>' or '=' (a leading '=' belongs to the name).
            do a.name += lower(s_[j++]);
            while (j < s_.size() && !space(s_[j]) && s_[j] != '/' && s_[j] != '>' && s_[j] != '=');
            while (j < s_.size() && space(s_[j])) ++j;
            if (j < s_.size() && s_[j] == '=') {
                ++j;
                while (j < s_.size() && space(s_[j])) ++j;
                if (j >= s_.size()) return false;
                if (s_[j] == '"' || s_[j] == '\'') {
                    const char quote = s_[j++];
                    const auto close = s_.find(quote, j);
                    if (close == std::string_view::npos) return false;
                    a.raw = s_.substr(j, close - j);
                    j = close + 1;
                } else {
                    const std::size_t start = j;
                    while (j < s_.size() && !space(s_[j]) && s_[j] != '>') ++j;
                    a.raw = s_.substr(start, j - start);
                }
            }
            if (attributes.size() < 32) attributes.push_back(std::move(a));
        }
    }

    // Raw-text and unwanted elements: everything up to the matching end tag goes.
    void skip_element(const std::string& name) {
        const std::string closer = "</" + name;
        while (i_ < s_.size()) {
            std::size_t k = i_;
            for (; k + closer.size() <= s_.size(); ++k) {
                bool match = true;
                for (std::size_t m = 0; m < closer.size() && match; ++m) match = lower(s_[k + m]) == closer[m];
                if (match) break;
            }
            if (k + closer.size() > s_.size()) {
                i_ = s_.size();
                return;
            }
            const std::size_t after = k + closer.size();
            // "</scriptx" is not the end of a script.
            if (after < s_.size() && (alpha(s_[after]) || digit(s_[after]))) {
                i_ = after;
                continue;
            }
            i_ = after;
            return skip_past(">");
        }
    }

    void emit_start(const std::string& name, const std::vector<Attribute>& attributes) {
        out_ += '<';
        out_ += name;
        std::vector<std::string> seen;
        for (const auto& a : attributes) {
            if (std::find(seen.begin(), seen.end(), a.name) != seen.end()) continue;  // first wins, as in browsers
            seen.push_back(a.name);
            auto value = decode_entities(a.raw);
            if (!value) continue;
            std::optional<std::string> keep;
            if (name == "a" && a.name == "href") keep = safe_url(*value, false);
            else if (name == "img" && a.name == "src") keep = safe_url(*value, true);
            else if ((name == "a" && a.name == "title") || (name == "img" && a.name == "alt")) keep = value;
            else if (name == "img" && (a.name == "width" || a.name == "height") && !value->empty() &&
                     value->size() <= 5 && std::all_of(value->begin(), value->end(), digit))
                keep = value;
            if (!keep) continue;
            out_ += ' ';
            out_ += a.name;
            out_ += "=\"";
            escape_into(out_, *keep);
            out_ += '"';
        }
        if (name == "a") out_ += " rel=\"nofollow noopener noreferrer\"";
        out_ += '>';
        if (!in(kVoid, name)) open_.push_back(name);
    }

    // Closes up to the matching open element; an end tag nothing matches is dropped.
    void end_tag(const std::string& name) {
        if (std::find(open_.begin(), open_.end(), name) == open_.end()) return;
        while (open_.back() != name) close_top();
        close_top();
    }

    void close_top() {
        out_ += "</" + open_.back() + ">";
        open_.pop_back();
    }

    std::string_view s_;
    std::size_t i_ = 0;
    std::string out_;
    std::vector<std::string> open_;
};

}  // namespace

std::string sanitize_html(std::string_view html) { return Sanitizer(html).run(); }

}  // namespace carebridge::platform
