#include "sdk/resource.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include "net/http_types.hpp"

namespace carebridge::sdk {

std::string_view strip_bom(std::string_view body) {
    return body.starts_with("\xEF\xBB\xBF") ? body.substr(3) : body;
}

Result<Resource> Resource::parse(std::string_view body) {
    boost::system::error_code ec;
    auto v = boost::json::parse(strip_bom(body), ec);
    if (ec) return protocol_error("the answer is not JSON: " + ec.message());
    if (!v.is_object()) return protocol_error("the answer is not a JSON object");
    return Resource(std::move(v.get_object()));
}

const boost::json::value* Resource::find_rel(const char* section, std::string_view rel) const {
    const auto* s = json_.if_contains(section);
    if (!s || !s->is_object()) return nullptr;
    const auto& o = s->get_object();
    if (const auto* v = o.if_contains(rel)) return v;
    if (rel.starts_with(kSaasPrefix)) return nullptr;
    return o.if_contains(std::string(kSaasPrefix) + std::string(rel));
}

std::optional<std::string> Resource::link(std::string_view rel) const {
    const auto* l = find_rel("_links", rel);
    if (!l || !l->is_object()) return std::nullopt;
    const auto* href = l->get_object().if_contains("href");
    if (!href || !href->is_string() || href->get_string().empty()) return std::nullopt;
    return std::string(href->get_string());
}

std::optional<std::string> Resource::link_title(std::string_view rel) const {
    const auto* l = find_rel("_links", rel);
    if (!l || !l->is_object()) return std::nullopt;
    const auto* title = l->get_object().if_contains("title");
    if (!title || !title->is_string()) return std::nullopt;
    return std::string(title->get_string());
}

Result<std::string> Resource::require_link(std::string_view rel) const {
    if (auto href = link(rel)) return std::move(*href);
    std::string self = str("rel");
    return protocol_error("no '" + std::string(rel) + "' link in " + (self.empty() ? "the resource" : self));
}

std::optional<Resource> Resource::embedded(std::string_view rel) const {
    const auto* e = find_rel("_embedded", rel);
    if (!e || !e->is_object()) return std::nullopt;
    return Resource(e->get_object());
}

std::string Resource::str(std::string_view field) const {
    if (const auto* v = json_.if_contains(field); v && v->is_string()) return std::string(v->get_string());
    return {};
}

std::string data_uri_text(std::string_view uri) {
    if (!uri.starts_with("data:")) return {};
    const auto comma = uri.find(',');
    if (comma == std::string_view::npos) return {};
    return net::percent_decode(uri.substr(comma + 1), false);
}

}  // namespace carebridge::sdk
