#include "helpdesk/texts.hpp"

#include <cctype>

namespace carebridge::helpdesk {

namespace {
std::string_view trim(std::string_view s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
    return s;
}
}  // namespace

std::string fill(std::string_view text, const std::map<std::string, std::string>& values) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size();) {
        if (text[i] == '{') {
            const auto close = text.find('}', i + 1);
            if (close != std::string_view::npos) {
                auto it = values.find(std::string(text.substr(i + 1, close - i - 1)));
                if (it != values.end()) {
                    out += it->second;
                    i = close + 1;
                    continue;
                }
            }
        }
        out += text[i++];
    }
    return out;
}

std::map<std::string, std::string> parse_custom_content(std::string_view content) {
    std::map<std::string, std::string> out;
    if (content.find('=') == std::string_view::npos) {
        if (!trim(content).empty()) out[""] = std::string(trim(content));
        return out;
    }
    while (!content.empty()) {
        const auto sep = content.find_first_of(";&");
        const auto pair = content.substr(0, sep);
        content = sep == std::string_view::npos ? std::string_view{} : content.substr(sep + 1);
        const auto eq = pair.find('=');
        if (eq == std::string_view::npos) continue;
        std::string key(trim(pair.substr(0, eq)));
        for (auto& c : key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        if (!key.empty()) out[key] = std::string(trim(pair.substr(eq + 1)));
    }
    return out;
}

}  // namespace carebridge::helpdesk
