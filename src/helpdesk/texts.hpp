#pragma once
// Small text helpers: filling the configured message templates, and reading the visitor page's
// customContent ("queue=billing;order=42" or "queue=billing&topic=x").
#include <map>
#include <string>
#include <string_view>

namespace carebridge::helpdesk {

// Replaces every {key} whose key is in values; unknown placeholders stay as written.
std::string fill(std::string_view text, const std::map<std::string, std::string>& values);

// key=value pairs separated by ';' or '&', keys lower-cased, values trimmed. A content without
// '=' is kept as {"": content}.
std::map<std::string, std::string> parse_custom_content(std::string_view content);

}  // namespace carebridge::helpdesk
