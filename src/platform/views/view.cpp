#include "platform/views/view.hpp"

#include <cstdint>

#include "net/http_types.hpp"

namespace carebridge::platform {

View View::service(std::string app, std::string endpoint) {
    return {Side::service_app, std::move(app), std::move(endpoint)};
}
View View::visitor(std::string app) { return {Side::visitor, std::move(app), {}}; }
View View::agent(std::string app) { return {Side::agent, std::move(app), {}}; }

std::string View::rel(std::string_view name) const {
    std::string out(rel_prefix());
    out += name;
    return out;
}

std::string_view View::prefix() const {
    switch (side) {
        case Side::service_app: return "/platformservice/v1/applications/";
        case Side::visitor: return "/ucwa/psanon/v1/applications/";
        case Side::agent: return "/ucwa/v1/applications/";
    }
    return {};
}

std::string View::base() const {
    std::string out(prefix());
    out += app_id;
    return out;
}

std::string View::href(std::string_view path, std::string_view extra_query) const {
    std::string out;
    out.reserve(40 + app_id.size() + path.size() + endpoint.size() + 13 + extra_query.size());
    out += prefix();
    out += app_id;
    out += path;
    // The original left sip URIs unencoded in endpointId; they are valid query characters.
    out += endpoint_query();
    if (side == Side::service_app) out += endpoint;
    if (!extra_query.empty()) {
        out += side == Side::service_app ? '&' : '?';
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

namespace {

// Days since 1970-01-01 to a proleptic Gregorian date (H. Hinnant's civil_from_days): pure
// arithmetic, where gmtime_r takes glibc's time-zone lock and snprintf parses a format, which
// together were a fifth of rendering a message resource.
struct Civil {
    std::int64_t year;
    unsigned month, day;
};

Civil civil_from_days(std::int64_t z) {
    z += 719468;
    const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const auto doe = static_cast<unsigned>(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    const unsigned day = doy - (153 * mp + 2) / 5 + 1;
    const unsigned month = mp < 10 ? mp + 3 : mp - 9;
    return {static_cast<std::int64_t>(yoe) + era * 400 + (month <= 2), month, day};
}

char* put_digits(char* p, unsigned value, int width) {
    for (int i = width - 1; i >= 0; --i) {
        p[i] = static_cast<char>('0' + value % 10);
        value /= 10;
    }
    return p + width;
}

}  // namespace

std::string iso8601(std::int64_t unix_ms) {
    // Floor division: a time before 1970 still has a non-negative millisecond and second part.
    std::int64_t secs = unix_ms / 1000, ms = unix_ms % 1000;
    if (ms < 0) ms += 1000, --secs;
    std::int64_t days = secs / 86400, in_day = secs % 86400;
    if (in_day < 0) in_day += 86400, --days;
    const Civil date = civil_from_days(days);
    // "YYYY-MM-DDTHH:MM:SS.mmmZ"; the year is written modulo 10000, as before.
    const auto year = static_cast<unsigned>(((date.year % 10000) + 10000) % 10000);
    char buf[24];
    char* p = put_digits(buf, year, 4);
    *p++ = '-';
    p = put_digits(p, date.month, 2);
    *p++ = '-';
    p = put_digits(p, date.day, 2);
    *p++ = 'T';
    p = put_digits(p, static_cast<unsigned>(in_day / 3600), 2);
    *p++ = ':';
    p = put_digits(p, static_cast<unsigned>(in_day / 60 % 60), 2);
    *p++ = ':';
    p = put_digits(p, static_cast<unsigned>(in_day % 60), 2);
    *p++ = '.';
    p = put_digits(p, static_cast<unsigned>(ms), 3);
    *p++ = 'Z';
    return std::string(buf, p);
}

std::string data_uri(std::string_view content_type, std::string_view text) {
    return "data:" + std::string(content_type) + ";charset=utf-8," + net::percent_encode(text);
}

}  // namespace carebridge::platform
