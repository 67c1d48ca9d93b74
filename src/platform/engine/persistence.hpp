#pragma once
// How the engine's state maps onto the store's records and snapshots (see store/store.hpp):
//   snapshots  "ucwa_app"/<id>, "conversation"/<id>, "participant_invitation"/<id>,
//              "callback_queue"/<conversation id>  (delivered position + CallbackContext),
//              "transcript"/<meeting id>          (who/what/when of a kept transcript)
//   streams    "ucwa:<app id>", "app:<trusted app id>"  (event streams, positions = ack)
//              "transcript:<meeting id>"               (messages, position = message number)
#include <optional>
#include <string>

#include <boost/json/object.hpp>

#include "platform/events/event_stream.hpp"
#include "platform/model/entities.hpp"

namespace carebridge::platform::persist {

namespace json = boost::json;

inline const char* kUcwaApp = "ucwa_app";
inline const char* kConversation = "conversation";
inline const char* kParticipantInvitation = "participant_invitation";
inline const char* kCallbackQueue = "callback_queue";
inline const char* kTranscript = "transcript";

inline std::string ucwa_stream(const std::string& app_id) { return "ucwa:" + app_id; }
inline constexpr std::string_view kServiceStreamPrefix = "app:";
inline std::string service_stream(const std::string& app_id) { return std::string(kServiceStreamPrefix) + app_id; }
inline std::string transcript_stream(const std::string& meeting_id) { return "transcript:" + meeting_id; }

std::string encode(const UcwaApp& app);
// A UCWA application's and a conversation's encodings end with a counter that moves with
// traffic (its `acked`, its `nextMessage`); the rest changes only with its state. A snapshot
// whose rest is unchanged is not written again (Impl::snapshot_changed): the counters are
// recovered otherwise (nextMessage from the transcript stream; acked only bounds compaction and
// is saved by housekeeping).
std::string_view without_counter(std::string_view encoded);
std::optional<UcwaApp> decode_ucwa_app(std::string_view data);
std::string encode(const Conversation& conv);  // without transcript and typing
std::optional<Conversation> decode_conversation(std::string_view data);
std::string encode(const ParticipantInvitation& inv);
std::optional<ParticipantInvitation> decode_participant_invitation(std::string_view data);
std::string encode(const Message& m);
std::optional<Message> decode_message(std::string_view data);

// A conversation's callback progress ("callback_queue" snapshot): the last position the
// Service Application acknowledged, its CallbackContext, and the trusted application whose
// stream holds the events (empty in snapshots of earlier versions).
struct CallbackQueueState {
    std::uint64_t delivered = 0;
    std::string context;
    std::string app;
};
std::string encode(const CallbackQueueState& q);
std::optional<CallbackQueueState> decode_callback_queue(std::string_view data);

// An event record; for a Service Application's stream also the callback queue and URL.
struct EventRecord {
    StoredEvent event;
    std::string queue;  // conversation id of the callback queue
    std::string url;
};
std::string encode(const StoredEvent& e, const std::string& queue, const std::string& url);
std::optional<EventRecord> decode_event(std::uint64_t position, std::string_view data);

}  // namespace carebridge::platform::persist
