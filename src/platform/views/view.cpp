#include "platform/views/view.hpp"

#include <ctime>
#include <cstdio>

#include "net/http_types.hpp"

namespace carebridge::platform {

View View::service(std::string app, std::string endpoint) {
    return {Side::service_app, std::move(app), std::move(endpoint)};
}
View View::visitor(std::string app) { return {Side::visitor, std::move(app), {}}; }
View View::agent(std::string app) { return {Side::agent, std::move(app), {}}; }

std::string View::rel(std::string_view name) const {
    if (side == Side::service_app) return "ms:rtc:saas:" + std::string(name);
    return std::string(name);
}

std::string View::base() const {
    switch (side) {
        case Side::service_app: return "/platformservice/v1/applications/" + app_id;
        case Side::visitor: return "/ucwa/psanon/v1/applications/" + app_id;
        case Side::agent: return "/ucwa/v1/applications/" + app_id;
    }
    return {};
}

std::string View::href(std::string_view path, std::string_view extra_query) const {
    std::string out = base();
    out += path;
    // The original left sip URIs unencoded in endpointId; they are valid query characters.
    char sep = '?';
    if (side == Side::service_app) {
        out += "?endpointId=";
        out += endpoint;
        sep = '&';
    }
    if (!extra_query.empty()) {
        out += sep;
        out += extra_query;
    }
    return out;
}

void add_link(boost::json::object& links, std::string rel, std::string href) {
    boost::json::object l;
    l["href"] = std::move(href);
    links[rel] = std::move(l);
}

void add_link(boost::json::object& links, std::string rel, std::string href, std::string title) {
    boost::json::object l;
    l["href"] = std::move(href);
    l["title"] = std::move(title);
    links[rel] = std::move(l);
}

std::string participant_key(std::string_view uri) {
    if (uri.substr(0, 4) == "sip:") uri.remove_prefix(4);
    return std::string(uri);
}

std::string iso8601(std::int64_t unix_ms) {
    const std::time_t secs = static_cast<std::time_t>(unix_ms / 1000);
    std::tm tm{};
    gmtime_r(&secs, &tm);
    char buf[64];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", (tm.tm_year + 1900) % 10000,
                  (tm.tm_mon + 1) % 100, tm.tm_mday % 100, tm.tm_hour % 100, tm.tm_min % 100,
                  tm.tm_sec % 100, static_cast<int>(unix_ms % 1000));
    return buf;
}

std::string data_uri(std::string_view content_type, std::string_view text) {
    return "data:" + std::string(content_type) + ";charset=utf-8," + net::percent_encode(text);
}

}  // namespace carebridge::platform
