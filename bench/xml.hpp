#pragma once
// Just enough XML for BOSH/XMPP answers: one element tree with attributes, character data,
// entity and character references, CDATA; comments and processing instructions skipped.
// No DTDs. Names keep their prefix in attributes; elements are matched by local name.
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace bench {

struct XmlNode {
    std::string name;  // local name ("stream:features" -> "features")
    std::vector<std::pair<std::string, std::string>> attrs;
    std::vector<XmlNode> children;
    std::string text;  // character data directly inside, unescaped
    std::string_view attr(std::string_view n) const;  // "" if absent
    const XmlNode* child(std::string_view local_name) const;
};

// One element (e.g. a BOSH <body/>), optionally after an XML declaration; nullopt if the
// text is not a well-formed element.
std::optional<XmlNode> parse_xml(std::string_view doc);
// For attribute values and character data.
std::string xml_escape(std::string_view s);

}  // namespace bench
