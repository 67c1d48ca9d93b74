#include "net/response_head.hpp"

#include <boost/beast/http/status.hpp>
#include <iostream>

namespace carebridge::net::detail {

namespace {

void append_header(std::string& out, std::string_view name, std::string_view value) {
    out.append(name).append(": ").append(value).append("\r\n");
}

}  // namespace

ResponseHead write_response_head(Response res, unsigned version, bool keep_alive, bool head_request) {
    if (res.status < 200 || res.status > 599) {
        std::cerr << "carebridge net: handler returned invalid status " << res.status << '\n';
        res = Response{500, {{"Content-Type", "application/json"}},
                       R"({"code":"ServiceFailure","message":"internal error"})"};
    }
    ResponseHead out;
    std::string& h = out.head;
    h.reserve(160 + res.headers.size() * 48);
    h.append(version >= 11 ? "HTTP/1.1 " : "HTTP/1.0 ").append(std::to_string(res.status)).append(" ");
    h.append(boost::beast::http::obsolete_reason(static_cast<boost::beast::http::status>(res.status)));
    h.append("\r\n");
    bool has_server = false;
    for (const auto& [name, value] : res.headers) {
        if (name.empty() || !header_safe(name) || !header_safe(value) ||
            iequals(name, "Content-Length") || iequals(name, "Transfer-Encoding"))
            continue;
        if (iequals(name, "Connection")) {
            if (iequals(value, "close")) keep_alive = false;
            continue;
        }
        has_server = has_server || iequals(name, "Server");
        append_header(h, name, value);
    }
    if (!has_server) append_header(h, "Server", "carebridge");
    if (res.status != 204 && res.status != 304) {
        append_header(h, "Content-Length", std::to_string(res.body.size()));
        if (!head_request) out.body = std::move(res.body);
    }
    // HTTP/1.1 stays open unless told; HTTP/1.0 closes unless told.
    if (version >= 11 && !keep_alive) append_header(h, "Connection", "close");
    if (version < 11 && keep_alive) append_header(h, "Connection", "keep-alive");
    h.append("\r\n");
    out.keep_alive = keep_alive;
    return out;
}

}  // namespace carebridge::net::detail
