#pragma once
// Small helpers every resource handler uses: JSON and error responses, request body fields,
// bearer tokens and CORS.
#include <optional>
#include <string>

#include <boost/json/object.hpp>

#include "common/result.hpp"
#include "net/address_policy.hpp"
#include "net/http_types.hpp"

namespace carebridge::platform::api {

net::Response json_response(int status, const boost::json::object& body);
net::Response json_response(int status, std::string body_json);  // already JSON text
net::Response empty_response(int status);
// The protocol's error body {"code","subcode","message"}; 401s carry WWW-Authenticate.
net::Response error_response(const Error& e);

// Parses a JSON object body (empty body -> empty object when allow_empty).
Result<boost::json::object> json_body(const net::Request& req, bool allow_empty = false);
// A string field: absent -> nullopt (or an error when required); wrong type -> error.
Result<std::optional<std::string>> string_field(const boost::json::object& o, const char* name,
                                                bool required);

// "Authorization: Bearer <token>" -> token ("psat=" prefix removed). Empty when absent.
// A view into the request's Authorization header (valid while the request is).
std::string_view bearer_token(const net::Request& req);

// CORS for an allowed origin (reflects it exactly, never "*").
void add_cors(net::Response& res, std::string_view origin);
net::Response preflight_response(std::string_view origin);

}  // namespace carebridge::platform::api

namespace carebridge::platform::api {

// Early return of an error Result from a handler: CB_TRY(x, expr) binds x to the value.
#define CB_TRY(var, expr)                                                         \
    auto var##_result = (expr);                                                   \
    if (!var##_result) return respond(error_response(var##_result.error()));      \
    auto& var = *var##_result

// `scheme://host[:port]`: https, or http to a loopback host when allowed.
bool valid_origin(std::string_view origin, bool allow_http_loopback);
// Absolute http(s) URL for callbacks: https, or http to a loopback host when allowed.
bool valid_callback_url(std::string_view url, bool allow_http_loopback);
// ... whose host is also not an address callbacks may not reach (the resolved addresses are
// checked again when connecting: net::HttpClient::restrict_addresses).
bool valid_callback_url(std::string_view url, bool allow_http_loopback, const net::AddressPolicy& policy);
bool valid_utf8(std::string_view text);
// Lower-cased media type of a Content-Type value, without parameters ("Text/HTML; x" -> "text/html").
std::string media_type(std::string_view content_type);
// Reads a sendMessage body: text/plain or text/html.
Result<std::string> message_content_type(const net::Request& req);

}  // namespace carebridge::platform::api
