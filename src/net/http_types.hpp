#pragma once
// Plain HTTP request/response values shared by the server, the router and the handlers.
// Deliberately free of Beast/Asio so the platform layers compile fast and test without sockets.
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace carebridge::net {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

// Case-insensitive ASCII comparison, for header names.
bool iequals(std::string_view a, std::string_view b);
// No CR, LF or NUL: usable as a header name or value (they would let it split the message).
bool header_safe(std::string_view s);

struct Request {
    std::string method;        // "GET", "POST", ...
    std::string target;        // raw request target as received ("/a/b?x=1")
    std::string path;          // percent-decoded path, no query
    HeaderList query;          // percent-decoded query parameters, in order
    HeaderList headers;        // as received
    std::string body;
    std::string remote_address;  // peer IP, textual

    std::optional<std::string_view> header(std::string_view name) const;
    std::optional<std::string_view> query_param(std::string_view name) const;
};

struct Response {
    int status = 200;
    HeaderList headers;
    std::string body;

    void set_header(std::string name, std::string value);
    std::optional<std::string_view> header(std::string_view name) const;
};

// Completes a request. Must be called exactly once; may be called later (long-poll).
using Responder = std::function<void(Response)>;
using Handler = std::function<void(Request&&, Responder)>;

// Percent-decoding and parsing of "a=1&b=2" (also used for form bodies).
std::string percent_decode(std::string_view s, bool plus_as_space);
std::string percent_encode(std::string_view s);  // encodes all but unreserved chars
HeaderList parse_query(std::string_view query, bool plus_as_space);

}  // namespace carebridge::net
