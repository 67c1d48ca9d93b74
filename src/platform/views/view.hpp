#pragma once
// Who is looking decides the shape of every href and relation name: a Service Application sees
// /platformservice/v1/applications/<app>/...?endpointId=sip:... with "ms:rtc:saas:" relations;
// a visitor sees /ucwa/psanon/v1/applications/<app>/...; an agent /ucwa/v1/applications/<app>/...
// with plain UCWA relation names.
#include <string>
#include <string_view>

#include <boost/json/object.hpp>

namespace carebridge::platform {

enum class Side { service_app, visitor, agent };

struct View {
    Side side = Side::service_app;
    std::string app_id;    // trusted application id, or UCWA application id
    std::string endpoint;  // service_app only: the endpoint acted for

    static View service(std::string app, std::string endpoint);
    static View visitor(std::string app);
    static View agent(std::string app);

    // Relation name as this side spells it ("ms:rtc:saas:conversation" or "conversation").
    std::string rel(std::string_view name) const;
    // Host-relative href of a path under this application ("" is the application itself).
    std::string href(std::string_view path, std::string_view extra_query = {}) const;
    std::string base() const;  // "/platformservice/v1/applications/<id>" or "/ucwa/.../<id>"

    // The pieces of rel() and href(), for writers that put them straight into their output:
    // rel = rel_prefix() + name; href = prefix() + app_id + path + endpoint_query() + endpoint.
    std::string_view rel_prefix() const { return side == Side::service_app ? "ms:rtc:saas:" : ""; }
    std::string_view prefix() const;
    std::string_view endpoint_query() const { return side == Side::service_app ? "?endpointId=" : ""; }
};

// HAL helpers.
void add_link(boost::json::object& links, std::string rel, std::string href);
void add_link(boost::json::object& links, std::string rel, std::string href, std::string title);
std::string participant_key(std::string_view uri);  // "sip:alice@x" -> "alice@x"
std::string iso8601(std::int64_t unix_ms);
std::string data_uri(std::string_view content_type, std::string_view text);

}  // namespace carebridge::platform
