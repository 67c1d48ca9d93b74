#pragma once
// Routing is a table: {method, path template, handler}. Templates are split on '/', and a
// segment "{}" matches any one segment, captured in order.
#include <functional>
#include <string>
#include <vector>

#include "net/http_types.hpp"

namespace carebridge::platform::api {

using Params = std::vector<std::string>;
using RouteHandler = std::function<void(net::Request&, const Params&, net::Responder&)>;

class Router {
public:
    void add(std::string method, std::string_view pattern, RouteHandler handler);
    // Finds the route; answers 404 (unknown path) or 405 (known path, other method) itself.
    // `route`, when given, is set to the matched template before the handler runs (metrics).
    void dispatch(net::Request& req, net::Responder& respond, std::string* route = nullptr) const;

    // The table as {method, template} ("{}" for each captured segment), for tools and for the
    // authorization test that must reach every route.
    struct RouteInfo {
        std::string method;
        std::string pattern;
    };
    std::vector<RouteInfo> routes() const;

private:
    struct Route {
        std::string method;
        std::vector<std::string> segments;
        RouteHandler handler;
        std::string pattern;
    };
    std::vector<Route> routes_;
};

std::vector<std::string> split_path(std::string_view path);
// The same segments as views into `path` (no copies; valid while `path` is).
std::vector<std::string_view> path_segments(std::string_view path);

}  // namespace carebridge::platform::api
