#include "platform/api/http_util.hpp"

#include <boost/json.hpp>

namespace carebridge::platform::api {

namespace json = boost::json;

net::Response json_response(int status, const json::object& body) {
    return json_response(status, json::serialize(body));
}

net::Response json_response(int status, std::string body_json) {
    net::Response r;
    r.status = status;
    r.set_header("Content-Type", "application/json; charset=utf-8");
    r.set_header("Cache-Control", "no-store");
    r.body = std::move(body_json);
    return r;
}

net::Response empty_response(int status) {
    net::Response r;
    r.status = status;
    r.set_header("Cache-Control", "no-store");
    return r;
}

net::Response error_response(const Error& e) {
    json::object body;
    body["code"] = e.code;
    if (!e.subcode.empty()) body["subcode"] = e.subcode;
    body["message"] = e.message;
    auto r = json_response(e.http_status, body);
    // Capacity and store outages pass: tell clients when to come back rather than hammer.
    if (e.http_status == 503) r.set_header("Retry-After", "5");
    if (e.http_status == 401) {
        std::string challenge = "Bearer realm=\"carebridge\"";
        if (e.subcode == "TokenExpired")
            challenge += ", error=\"invalid_token\", error_description=\"the token has expired\"";
        else if (e.subcode != "MissingToken")
            challenge += ", error=\"invalid_token\"";
        r.set_header("WWW-Authenticate", challenge);
    }
    return r;
}

Result<json::object> json_body(const net::Request& req, bool allow_empty) {
    if (req.body.empty()) {
        if (allow_empty) return json::object{};
        return bad_request("MissingBody", "a JSON body is required");
    }
    if (auto ct = req.header("Content-Type"); ct && media_type(*ct) != "application/json")
        return Error{415, "UnsupportedMediaType", "", "the body must be application/json"};
    boost::system::error_code ec;
    json::value v = json::parse(req.body, ec);
    if (ec) return bad_request("MalformedJson", "the body is not valid JSON: " + ec.message());
    if (!v.is_object()) return bad_request("MalformedJson", "the body must be a JSON object");
    return std::move(v.as_object());
}

Result<std::optional<std::string>> string_field(const json::object& o, const char* name,
                                                bool required) {
    const json::value* v = o.if_contains(name);
    if (!v || v->is_null()) {
        if (required) return bad_request("MissingParameter", std::string("'") + name + "' is required");
        return std::optional<std::string>{};
    }
    if (!v->is_string())
        return bad_request("InvalidParameter", std::string("'") + name + "' must be a string");
    return std::optional<std::string>{std::string(v->as_string())};
}

std::string_view bearer_token(const net::Request& req) {
    auto h = req.header("Authorization");
    if (!h) return {};
    std::string_view v = *h;
    if (v.size() < 7 || !net::iequals(v.substr(0, 7), "Bearer ")) return {};
    v.remove_prefix(7);
    while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
    if (v.substr(0, 5) == "psat=") v.remove_prefix(5);
    return v;
}

void add_cors(net::Response& res, std::string_view origin) {
    res.set_header("Access-Control-Allow-Origin", std::string(origin));
    res.set_header("Vary", "Origin");
    res.set_header("Access-Control-Expose-Headers", "Location");
}

net::Response preflight_response(std::string_view origin) {
    auto r = empty_response(204);
    add_cors(r, origin);
    r.set_header("Access-Control-Allow-Methods", "GET, POST, DELETE, OPTIONS");
    r.set_header("Access-Control-Allow-Headers", "Authorization, Content-Type, Accept");
    r.set_header("Access-Control-Max-Age", "600");
    return r;
}

}  // namespace carebridge::platform::api

#include <boost/url/parse.hpp>

namespace carebridge::platform::api {

namespace {
bool loopback_host(std::string_view host) {
    return host == "localhost" || host.rfind("127.", 0) == 0 || host == "[::1]" || host == "::1";
}
}  // namespace

bool valid_origin(std::string_view origin, bool allow_http_loopback) {
    std::string_view rest;
    bool http = false;
    if (origin.rfind("https://", 0) == 0) rest = origin.substr(8);
    else if (origin.rfind("http://", 0) == 0) { rest = origin.substr(7); http = true; }
    else return false;
    if (rest.empty() || rest.find_first_of("/?#@ ") != std::string_view::npos) return false;
    std::string_view host = rest;
    if (host.front() == '[') {
        auto close = host.find(']');
        if (close == std::string_view::npos) return false;
        std::string_view after = host.substr(close + 1);
        host = host.substr(0, close + 1);
        if (!after.empty() && (after.front() != ':' || after.size() == 1)) return false;
    } else if (auto colon = host.find(':'); colon != std::string_view::npos) {
        std::string_view port = host.substr(colon + 1);
        host = host.substr(0, colon);
        if (port.empty() || port.find_first_not_of("0123456789") != std::string_view::npos) return false;
    }
    if (host.empty()) return false;
    return !http || (allow_http_loopback && loopback_host(host));
}

bool valid_callback_url(std::string_view url, bool allow_http_loopback) {
    auto parsed = boost::urls::parse_absolute_uri(url);
    if (!parsed) return false;
    const auto scheme = parsed->scheme();
    const std::string host = parsed->encoded_host_and_port().empty() ? "" : std::string(parsed->encoded_host());
    if (host.empty()) return false;
    if (scheme == "https") return true;
    return scheme == "http" && allow_http_loopback && loopback_host(host);
}

bool valid_callback_url(std::string_view url, bool allow_http_loopback, const net::AddressPolicy& policy) {
    if (!valid_callback_url(url, allow_http_loopback)) return false;
    auto parsed = boost::urls::parse_absolute_uri(url);
    return net::host_allowed(parsed->host(), policy);
}

std::string media_type(std::string_view content_type) {
    std::string type(content_type.substr(0, content_type.find(';')));
    while (!type.empty() && (type.back() == ' ' || type.back() == '\t')) type.pop_back();
    while (!type.empty() && type.front() == ' ') type.erase(0, 1);
    for (auto& ch : type) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    return type;
}

bool valid_utf8(std::string_view s) {
    std::size_t i = 0;
    while (i < s.size()) {
        const auto c = static_cast<unsigned char>(s[i]);
        const std::size_t n = c < 0x80 ? 0 : (c >> 5) == 0x6 ? 1 : (c >> 4) == 0xE ? 2 : (c >> 3) == 0x1E ? 3 : 4;
        if (n == 4 || i + n >= s.size()) return false;  // invalid lead byte or truncated
        std::uint32_t cp = n == 0 ? c : n == 1 ? c & 0x1Fu : n == 2 ? c & 0x0Fu : c & 0x07u;
        for (std::size_t k = 1; k <= n; ++k) {
            const auto cc = static_cast<unsigned char>(s[i + k]);
            if ((cc & 0xC0) != 0x80) return false;
            cp = (cp << 6) | (cc & 0x3Fu);
        }
        // Overlong forms, surrogates and values past U+10FFFF are not UTF-8.
        if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
            (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
            return false;
        i += n + 1;
    }
    return true;
}

Result<std::string> message_content_type(const net::Request& req) {
    auto ct = req.header("Content-Type");
    std::string type = ct ? media_type(*ct) : "text/plain";
    if (type != "text/plain" && type != "text/html")
        return Error{415, "UnsupportedMediaType", "", "a message is text/plain or text/html"};
    if (req.body.empty()) return bad_request("MissingBody", "the message is empty");
    if (!valid_utf8(req.body)) return bad_request("InvalidParameter", "the message is not UTF-8 text");
    return type;
}

}  // namespace carebridge::platform::api
