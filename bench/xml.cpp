#include "xml.hpp"

#include <charconv>

namespace bench {

namespace {

constexpr int kMaxDepth = 64;

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

void append_utf8(std::string& out, unsigned long cp) {
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

// Appends s with its references resolved; false on an unknown or malformed one.
bool unescape(std::string_view s, std::string& out) {
    while (!s.empty()) {
        const auto amp = s.find('&');
        out.append(s.substr(0, amp));
        if (amp == std::string_view::npos) return true;
        s.remove_prefix(amp + 1);
        const auto semi = s.find(';');
        if (semi == std::string_view::npos) return false;
        const std::string_view ref = s.substr(0, semi);
        s.remove_prefix(semi + 1);
        if (ref == "lt") out += '<';
        else if (ref == "gt") out += '>';
        else if (ref == "amp") out += '&';
        else if (ref == "quot") out += '"';
        else if (ref == "apos") out += '\'';
        else if (ref.size() > 1 && ref[0] == '#') {
            const bool hex = ref[1] == 'x';
            const std::string_view digits = ref.substr(hex ? 2 : 1);
            unsigned long cp = 0;
            auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), cp, hex ? 16 : 10);
            if (ec != std::errc{} || p != digits.data() + digits.size() || digits.empty() || cp > 0x10FFFF) return false;
            append_utf8(out, cp);
        } else {
            return false;
        }
    }
    return true;
}

struct Parser {
    std::string_view s;
    std::size_t i = 0;

    bool eof() const { return i >= s.size(); }
    bool starts(std::string_view p) const { return s.substr(i, p.size()) == p; }
    void skip_space() {
        while (!eof() && is_space(s[i])) ++i;
    }
    bool skip_past(std::string_view end) {
        const auto at = s.find(end, i);
        if (at == std::string_view::npos) return false;
        i = at + end.size();
        return true;
    }
    std::string_view name() {
        const std::size_t b = i;
        while (!eof() && !is_space(s[i]) && s[i] != '/' && s[i] != '>' && s[i] != '=') ++i;
        return s.substr(b, i - b);
    }
    static std::string local(std::string_view qname) {
        const auto colon = qname.find(':');
        return std::string(colon == std::string_view::npos ? qname : qname.substr(colon + 1));
    }

    // At '<' of a start tag.
    bool element(XmlNode& node, int depth) {
        if (depth > kMaxDepth || !starts("<")) return false;
        ++i;
        const std::string_view qname = name();
        if (qname.empty()) return false;
        node.name = local(qname);
        for (;;) {
            skip_space();
            if (eof()) return false;
            if (starts("/>")) {
                i += 2;
                return true;
            }
            if (s[i] == '>') {
                ++i;
                break;
            }
            const std::string_view an = name();
            skip_space();
            if (an.empty() || eof() || s[i] != '=') return false;
            ++i;
            skip_space();
            if (eof() || (s[i] != '\'' && s[i] != '"')) return false;
            const char q = s[i++];
            const auto end = s.find(q, i);
            if (end == std::string_view::npos) return false;
            std::string value;
            if (!unescape(s.substr(i, end - i), value)) return false;
            node.attrs.emplace_back(std::string(an), std::move(value));
            i = end + 1;
        }
        // Content up to the matching end tag.
        for (;;) {
            if (eof()) return false;
            if (starts("</")) {
                i += 2;
                const std::string_view end = name();
                skip_space();
                if (end != qname || eof() || s[i] != '>') return false;
                ++i;
                return true;
            }
            if (starts("<!--")) {
                if (!skip_past("-->")) return false;
            } else if (starts("<![CDATA[")) {
                i += 9;
                const auto end = s.find("]]>", i);
                if (end == std::string_view::npos) return false;
                node.text.append(s.substr(i, end - i));
                i = end + 3;
            } else if (starts("<?")) {
                if (!skip_past("?>")) return false;
            } else if (s[i] == '<') {
                node.children.emplace_back();
                if (!element(node.children.back(), depth + 1)) return false;
            } else {
                const auto lt = s.find('<', i);
                if (lt == std::string_view::npos) return false;
                if (!unescape(s.substr(i, lt - i), node.text)) return false;
                i = lt;
            }
        }
    }
};

}  // namespace

std::string_view XmlNode::attr(std::string_view n) const {
    for (const auto& [k, v] : attrs)
        if (k == n) return v;
    return {};
}

const XmlNode* XmlNode::child(std::string_view local_name) const {
    for (const auto& c : children)
        if (c.name == local_name) return &c;
    return nullptr;
}

std::optional<XmlNode> parse_xml(std::string_view doc) {
    Parser p{doc};
    p.skip_space();
    if (p.starts("<?xml") && !p.skip_past("?>")) return std::nullopt;
    p.skip_space();
    XmlNode root;
    if (!p.element(root, 0)) return std::nullopt;
    p.skip_space();
    if (!p.eof()) return std::nullopt;
    return root;
}

std::string xml_escape(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (const char c : s) {
        switch (c) {
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '&': out += "&amp;"; break;
            case '"': out += "&quot;"; break;
            case '\'': out += "&apos;"; break;
            default: out += c;
        }
    }
    return out;
}

}  // namespace bench
