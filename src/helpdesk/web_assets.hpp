#pragma once
// The browser pages (web/), compiled into the binary at build time (cmake/embed_web.cmake),
// and how the helpdesk serves them.
#include <optional>
#include <string_view>
#include <vector>

#include "net/http_types.hpp"

namespace carebridge::helpdesk {

struct WebAsset {
    std::string_view path;  // "/visitor/widget.js": the file's path under web/
    std::string_view body;
    std::string_view etag;  // quoted, from the content's SHA-1
};

// Every embedded file, sorted by path (generated web_assets_data.cpp).
const std::vector<WebAsset>& web_assets();

// Answers a GET/HEAD for a page or file of web/, or nullopt when the path is not one:
//   /                -> /demo/index.html (a company page embedding the widget)
//   /agent, /agent/  -> /agent/index.html (redirect to /agent/ first)
//   /visitor/*, /agent/*, /shared/*, /demo/*  -> that file
// The path is only looked up in the embedded table, so nothing outside web/ can be reached.
// Files carry their Content-Type, an ETag (If-None-Match answers 304) and "no-cache" (always
// revalidate, so an upgraded binary's files are used at once), and CORS "*" so a company page
// on another origin can load the widget's ES modules.
std::optional<net::Response> serve_web(const net::Request& request);

}  // namespace carebridge::helpdesk
