#pragma once
// The few URL operations a link-following client needs: resolve a host-relative href against
// the platform's base, take an origin, set one query parameter the protocol defines
// (endpointId, operationId). Over Boost.URL so encodings are right.
#include <optional>
#include <string>
#include <string_view>

namespace carebridge::sdk {

// "https://h:1/a?b" -> "https://h:1"; nullopt if not an absolute http(s) URL.
std::optional<std::string> origin_of(std::string_view absolute_url);
// An absolute href is returned as it is; "/x" is resolved against base's origin.
std::string resolve(std::string_view base, std::string_view href);
// Sets (replaces) query parameter key=value, percent-encoding value.
std::string with_query(std::string_view href, std::string_view key, std::string_view value);
// The path of an href without its query, for comparing hrefs rendered with different queries.
std::string href_path(std::string_view href);

}  // namespace carebridge::sdk
