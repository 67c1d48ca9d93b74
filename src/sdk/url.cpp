#include "sdk/url.hpp"

#include <cctype>

#include <boost/url/parse.hpp>

#include "net/http_types.hpp"

namespace carebridge::sdk {

namespace {
// A query parameter's key or value: RFC 3986 query characters stay, the separators are encoded.
std::string encode_param(std::string_view s) {
    static constexpr std::string_view keep = "-._~:@/!$'()*,;";
    static constexpr char hex[] = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : s) {
        if (std::isalnum(c) || keep.find(static_cast<char>(c)) != std::string_view::npos) {
            out += static_cast<char>(c);
        } else {
            out += '%';
            out += hex[c >> 4];
            out += hex[c & 15];
        }
    }
    return out;
}
}  // namespace

std::optional<std::string> origin_of(std::string_view absolute_url) {
    auto u = boost::urls::parse_absolute_uri(absolute_url);
    if (!u || (u->scheme_id() != boost::urls::scheme::http && u->scheme_id() != boost::urls::scheme::https) ||
        u->encoded_host().empty())
        return std::nullopt;
    return std::string(u->scheme()) + "://" + std::string(u->encoded_host_and_port());
}

std::string resolve(std::string_view base, std::string_view href) {
    if (href.starts_with("http://") || href.starts_with("https://")) return std::string(href);
    auto origin = origin_of(base);
    if (!origin) return std::string(href);
    if (href.empty() || href.front() != '/') return *origin + "/" + std::string(href);
    return *origin + std::string(href);
}

std::string with_query(std::string_view href, std::string_view key, std::string_view value) {
    // As Boost.URL's params().set() (the first `key` replaced in place, later ones dropped, else
    // appended), but on the text: Boost.URL 1.81's params views corrupt memory on some queries
    // ("?#", a key without a value; found by fuzzing, tests/fuzz/regressions/url).
    const auto hash = href.find('#');
    const std::string_view fragment = hash == std::string_view::npos ? std::string_view() : href.substr(hash);
    const std::string_view rest = href.substr(0, hash);
    const auto q = rest.find('?');
    const std::string_view query = q == std::string_view::npos ? std::string_view() : rest.substr(q + 1);
    const std::string pair = encode_param(key) + "=" + encode_param(value);
    std::string out;
    bool replaced = false;
    for (std::size_t i = 0; i < query.size();) {
        std::size_t j = query.find('&', i);
        if (j == std::string_view::npos) j = query.size();
        const std::string_view item = query.substr(i, j - i);
        i = j + 1;
        if (item.empty()) continue;
        if (net::percent_decode(item.substr(0, item.find('=')), true) == key) {
            if (replaced) continue;
            replaced = true;
            out += (out.empty() ? "" : "&") + pair;
        } else {
            out += (out.empty() ? "" : "&") + std::string(item);
        }
    }
    if (!replaced) out += (out.empty() ? "" : "&") + pair;
    return std::string(rest.substr(0, q)) + "?" + out + std::string(fragment);
}

std::string href_path(std::string_view href) {
    return std::string(href.substr(0, href.find_first_of("?#")));
}

}  // namespace carebridge::sdk
