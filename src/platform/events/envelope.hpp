#pragma once
// The one event envelope of the protocol, for callbacks and event channels alike:
// {"_links": {self, next}, "sender": [{rel, href, events: [...]}, ...], "baseuri"?}.
// Consecutive events from the same sender share one "sender" entry.
#include <string>
#include <string_view>
#include <vector>

#include "platform/events/event_stream.hpp"

namespace carebridge::platform {

std::string render_envelope(const std::vector<const StoredEvent*>& events,
                            std::string_view self_href, std::string_view next_href,
                            std::string_view baseuri);

}  // namespace carebridge::platform
