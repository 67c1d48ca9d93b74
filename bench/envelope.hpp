#pragma once
// An event channel's envelope as the simulated clients read it: parsed in one pass by
// boost::json's SAX parser into the few fields they act on, with no JSON tree built. Building
// the tree (objects, their hash indexes, a string per value) was a third of the generator's
// work per message, and the generator shares the cores with the platform it measures. The
// whole text is still parsed: invalid JSON is an error, as before.
#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace bench {

// One event of the envelope: its link, type, and the first embedded resource's fields.
struct EnvelopeEvent {
    std::string sender_href;  // the href of the sender group it came in
    std::string rel, type;    // link.rel, type
    bool embedded = false;    // whether it embeds a resource (the first one is read)
    std::string direction, state, uri, operation_id;
    std::vector<std::pair<std::string, std::string>> links;  // the resource's _links: rel, href

    std::string_view link(std::string_view rel) const;  // "" if absent
    void clear();  // empties every field, keeping the strings' capacity
};

struct Envelope {
    std::string next;  // _links.next.href
    std::vector<EnvelopeEvent> events;  // only the first `count` are this envelope's
    std::size_t count = 0;
};

// Reads `text` into `out` (reused from call to call: its strings keep their capacity).
// False when the text is not valid JSON.
bool parse_envelope(std::string_view text, Envelope& out);

// The text of a message resource's plainMessage data: URI ("" for none or html).
std::string message_text(const EnvelopeEvent& e);

}  // namespace bench
