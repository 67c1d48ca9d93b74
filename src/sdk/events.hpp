#pragma once
// Typed events from the protocol's one envelope (callbacks and event channels alike):
// {"_links": {self, next}, "sender": [{rel, href, events: [{link, in?, _embedded?, status?,
// reason?, type}]}], "baseuri"?}. Each event gets its position in the application's stream —
// its stable id, used to drop duplicates.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sdk/error.hpp"
#include "sdk/resource.hpp"

namespace carebridge::sdk {

enum class EventType { added, updated, deleted, started, completed, other };

// What an event is about: the relation of its link, prefix removed.
enum class Subject {
    messaging_invitation,
    online_meeting_invitation,
    participant_invitation,
    conversation,
    conversation_bridge,
    bridged_participant,
    participant,
    participant_messaging,
    messaging,
    message,
    online_meeting,
    other,
};

struct Event {
    std::uint64_t position = 0;  // in the application's event stream; 0 if unknown
    std::string sender_rel;      // e.g. "ms:rtc:saas:communication"
    std::string sender_href;
    Subject subject = Subject::other;
    std::string rel;             // the link's relation as received
    std::string href;            // the link's href
    std::string title;           // the link's title, if any
    std::string in_rel, in_href; // the collection it was added to / deleted from, if any
    EventType type = EventType::other;
    std::string status;          // "Success" / "Failure" on completed operations
    std::optional<Error> reason; // on Failure
    std::optional<Resource> resource;  // the embedded resource, if any
    std::string digest;          // a hash of the event's JSON, see DuplicateFilter

    bool failed() const { return status == "Failure"; }
    // The embedded resource's operationId (as the original echoed it), or "".
    std::string operation_id() const { return resource ? resource->str("operationId") : std::string(); }
};

struct EventBatch {
    std::uint64_t first = 0;     // position of events[0]; 0 when the envelope carries none
    std::string self_href, next_href;
    std::string baseuri;
    std::vector<Event> events;
};

Subject subject_of(std::string_view rel);
EventType event_type_of(std::string_view type);

// "ack=N" of an href, 0 if absent.
std::uint64_t ack_of(std::string_view href);

// Parses an envelope. Positions come from `first_position` when given (a callback's
// X-Carebridge-Event-Positions), else from the envelope's self link (ack=N).
Result<EventBatch> parse_envelope(std::string_view body, std::optional<std::uint64_t> first_position = {});

// "first-last" -> {first, last}; nullopt if malformed.
std::optional<std::pair<std::uint64_t, std::uint64_t>> parse_positions(std::string_view header);

// X-Carebridge-Event-Positions: one range, or several ("4-6,9-9") when the platform batches
// conversations into one POST -> every position, in order. nullopt if malformed, if the ranges
// do not ascend, or if they name more than `max` positions.
std::optional<std::vector<std::uint64_t>> parse_position_list(std::string_view header, std::size_t max = 4096);

}  // namespace carebridge::sdk
