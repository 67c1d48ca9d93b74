#include "platform/api/router.hpp"

#include "platform/api/http_util.hpp"

namespace carebridge::platform::api {

namespace {

// The non-empty segments of a path, as views into it.
template <class Segment>
std::vector<Segment> split(std::string_view path) {
    std::vector<Segment> out;
    out.reserve(8);
    std::size_t i = 0;
    while (i < path.size()) {
        if (path[i] == '/') {
            ++i;
            continue;
        }
        auto j = path.find('/', i);
        if (j == std::string_view::npos) j = path.size();
        out.emplace_back(path.substr(i, j - i));
        i = j;
    }
    return out;
}

}  // namespace

std::vector<std::string> split_path(std::string_view path) { return split<std::string>(path); }
std::vector<std::string_view> path_segments(std::string_view path) { return split<std::string_view>(path); }

void Router::add(std::string method, std::string_view pattern, RouteHandler handler) {
    routes_.push_back({std::move(method), split_path(pattern), std::move(handler), std::string(pattern)});
}

std::vector<Router::RouteInfo> Router::routes() const {
    std::vector<RouteInfo> out;
    for (const auto& r : routes_) {
        std::string pattern;
        for (const auto& s : r.segments) pattern += "/" + s;
        out.push_back({r.method, pattern.empty() ? "/" : pattern});
    }
    return out;
}

void Router::dispatch(net::Request& req, net::Responder& respond, std::string* route) const {
    // Views into req.path (which outlives the dispatch): a request's path is split once per
    // request, and copying its segments was most of routing.
    const auto segments = path_segments(req.path);
    // HEAD is GET without a body (RFC 9110 9.3.2); the server drops the body.
    const std::string_view method = req.method == "HEAD" ? std::string_view("GET") : std::string_view(req.method);
    std::string allowed;  // for a 405's Allow header
    bool path_known = false;
    for (const auto& r : routes_) {
        if (r.segments.size() != segments.size()) continue;
        Params params;
        bool match = true;
        for (std::size_t i = 0; i < segments.size() && match; ++i) {
            if (r.segments[i] == "{}") params.emplace_back(segments[i]);
            else match = r.segments[i] == segments[i];
        }
        if (!match) continue;
        path_known = true;
        if (route) *route = r.pattern;
        if (r.method != method) {
            if (allowed.find(r.method) == std::string::npos) allowed += (allowed.empty() ? "" : ", ") + r.method;
            if (r.method == "GET" && allowed.find("HEAD") == std::string::npos) allowed += ", HEAD";
            continue;
        }
        r.handler(req, params, respond);
        return;
    }
    if (path_known) {
        auto res = error_response({405, "MethodNotAllowed", "", "method not allowed on this resource"});
        res.set_header("Allow", allowed);
        respond(std::move(res));
    }
    else
        respond(error_response(not_found("no such resource")));
}

}  // namespace carebridge::platform::api
