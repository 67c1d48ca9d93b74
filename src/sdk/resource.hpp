#pragma once
// A HAL-style resource of the protocol: its own fields, `_links` (rel -> {href, title?}) and
// `_embedded` (rel -> resource). Clients reach the next step through link relations only; the
// helpers here never build a path.
#include <optional>
#include <string>
#include <string_view>

#include <boost/json/object.hpp>

#include "sdk/error.hpp"

namespace carebridge::sdk {

// The prefix of every Service Application relation ("ms:rtc:saas:conversation").
inline constexpr std::string_view kSaasPrefix = "ms:rtc:saas:";

class Resource {
public:
    Resource() = default;
    explicit Resource(boost::json::object json) : json_(std::move(json)) {}
    // A JSON object body, or a protocol error.
    static Result<Resource> parse(std::string_view body);

    // The href of relation `rel`; `rel` may omit the "ms:rtc:saas:" prefix, which is tried
    // second, so callers can name relations as the seed does ("addParticipant").
    std::optional<std::string> link(std::string_view rel) const;
    std::optional<std::string> link_title(std::string_view rel) const;
    // As link(), or a protocol error naming the missing relation and this resource's rel.
    Result<std::string> require_link(std::string_view rel) const;
    std::optional<Resource> embedded(std::string_view rel) const;

    // A string field, or "" when absent or not a string.
    std::string str(std::string_view field) const;
    const boost::json::object& json() const { return json_; }
    bool empty() const { return json_.empty(); }

private:
    const boost::json::value* find_rel(const char* section, std::string_view rel) const;
    boost::json::object json_;
};

// Without a leading UTF-8 byte order mark (some recorded bodies of the original service have one).
std::string_view strip_bom(std::string_view body);

// The value of a data: URI ("data:text/plain;charset=utf-8,Hello%20there" -> "Hello there").
std::string data_uri_text(std::string_view uri);

}  // namespace carebridge::sdk
