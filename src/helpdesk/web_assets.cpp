// Serving the embedded web/ files (see web_assets.hpp).
#include "helpdesk/web_assets.hpp"

#include <algorithm>
#include <string>

namespace carebridge::helpdesk {

namespace {

std::string_view content_type(std::string_view path) {
    static constexpr std::pair<std::string_view, std::string_view> kTypes[] = {
        {".html", "text/html; charset=utf-8"},  {".js", "text/javascript; charset=utf-8"},
        {".css", "text/css; charset=utf-8"},    {".svg", "image/svg+xml"},
        {".json", "application/json; charset=utf-8"}, {".png", "image/png"},
        {".ico", "image/x-icon"},               {".txt", "text/plain; charset=utf-8"},
    };
    for (const auto& [ext, type] : kTypes)
        if (path.size() >= ext.size() && path.substr(path.size() - ext.size()) == ext) return type;
    return "application/octet-stream";
}

const WebAsset* find(std::string_view path) {
    const auto& all = web_assets();
    auto it = std::lower_bound(all.begin(), all.end(), path,
                               [](const WebAsset& a, std::string_view p) { return a.path < p; });
    return it != all.end() && it->path == path ? &*it : nullptr;
}

bool etag_matches(std::string_view if_none_match, std::string_view etag) {
    // "*" or a list of (possibly weak) tags: W/"x", "y"
    return if_none_match == "*" || if_none_match.find(etag) != std::string_view::npos;
}

net::Response not_found() {
    net::Response r;
    r.status = 404;
    r.set_header("Content-Type", "application/json; charset=utf-8");
    r.body = R"({"code":"NotFound","message":"no such page or file"})";
    return r;
}

}  // namespace

std::optional<net::Response> serve_web(const net::Request& req) {
    std::string_view path = req.path;
    if (path == "/agent") {
        net::Response r;
        r.status = 301;
        r.set_header("Location", "/agent/");
        return r;
    }
    std::string file;
    if (path == "/" || path == "/index.html") file = "/demo/index.html";
    else if (path == "/agent/") file = "/agent/index.html";
    else if (path.starts_with("/visitor/") || path.starts_with("/agent/") || path.starts_with("/shared/") ||
             path.starts_with("/demo/"))
        file = path;
    else return std::nullopt;
    if (req.method != "GET" && req.method != "HEAD") {
        net::Response r;
        r.status = 405;
        r.set_header("Allow", "GET, HEAD");
        r.set_header("Content-Type", "application/json; charset=utf-8");
        r.body = R"({"code":"MethodNotAllowed","message":"method not allowed"})";
        return r;
    }
    const WebAsset* asset = find(file);
    if (!asset) return not_found();
    net::Response r;
    r.set_header("ETag", std::string(asset->etag));
    r.set_header("Cache-Control", "no-cache");
    r.set_header("Access-Control-Allow-Origin", "*");
    r.set_header("X-Content-Type-Options", "nosniff");
    if (auto inm = req.header("If-None-Match"); inm && etag_matches(*inm, asset->etag)) {
        r.status = 304;
        return r;
    }
    r.set_header("Content-Type", std::string(content_type(asset->path)));
    if (req.method == "GET") r.body = std::string(asset->body);
    return r;
}

}  // namespace carebridge::helpdesk
