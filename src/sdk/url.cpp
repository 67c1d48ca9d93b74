#include "sdk/url.hpp"

#include <boost/url/parse.hpp>
#include <boost/url/url.hpp>

namespace carebridge::sdk {

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
    auto parsed = boost::urls::parse_uri_reference(href);
    if (!parsed) {  // not expected from the platform; append rather than lose the parameter
        const char sep = href.find('?') == std::string_view::npos ? '?' : '&';
        return std::string(href) + sep + std::string(key) + "=" + std::string(value);
    }
    boost::urls::url u(*parsed);
    u.params().set(key, value);
    return std::string(u.buffer());
}

std::string href_path(std::string_view href) {
    return std::string(href.substr(0, href.find_first_of("?#")));
}

}  // namespace carebridge::sdk
