#pragma once
// The domain of the customer-chat-care call flow as plain data: who talks (trusted
// applications, visitors, agents), where (the visitor's chat, the ad-hoc meeting) and what
// was said. No I/O here; the engine mutates these and the views render them.
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "app/config.hpp"
#include "platform/events/event_stream.hpp"

namespace carebridge::platform {

using Millis = std::int64_t;  // unix time in milliseconds

// A Service Application registered in the config (the company's bot / orchestrator).
struct TrustedApp {
    app::TrustedAppConfig config;
    EventStream events;  // every event of the application, in order; callbacks carry positions
    bool has_endpoint(const std::string& uri) const;
};

enum class UcwaKind { visitor, agent };

// A UCWA application: the anonymous visitor's, or a signed-in agent's.
struct UcwaApp {
    std::string id;
    UcwaKind kind = UcwaKind::visitor;
    std::string display_name;
    std::string uri;           // visitor: generated anonymous uri; agent: its sip uri
    std::string owner;         // visitor: anonymous token id (jti); agent: agent uri
    std::string endpoint_id;   // agent: client-chosen EndpointId (same id -> same application)
    // Visitor only: what the anonymous token allowed.
    std::string trusted_app_id;
    std::string trusted_endpoint;
    std::vector<std::string> allowed_origins;
    bool available = false;    // agent: makeMeAvailable was called
    std::uint64_t acked = 1;   // highest `ack` the client has asked for: it holds all before
    // UCWA `medium` aggregation interval, seconds: remembered from the last GET events that
    // named it (default 5, bounds 5-1800, as UCWA has them).
    std::int64_t medium_hold_s = 5;
    EventStream events;
    std::vector<std::string> conversations;  // ids of conversations this application sees
};

enum class ConversationKind { visitor_chat, meeting };
enum class InvitationState { connecting, connected, failed };
const char* to_string(InvitationState s);

struct Message {
    std::uint64_t number = 0;     // per conversation, from 1
    std::string sender_uri;
    std::string sender_name;
    std::string content_type;     // "text/plain" or "text/html"
    std::string text;
    Millis time = 0;
    std::string operation_id;
};

struct BridgedParticipant {
    std::string id;
    std::string display_name;
    std::string uri;
    bool filter_enabled = false;  // messageFilterState Enabled: no traffic with the visitor
};

// A signed-in agent in a meeting.
struct MeetingParticipant {
    std::string uri;
    std::string name;
    std::string ucwa_app_id;
    bool messaging = false;       // joined the messaging modality (addMessaging)
};

struct Typing {
    std::string uri;
    std::string name;
    Millis until = 0;
};

// One conversation: the visitor's chat (bridged into a meeting) or the ad-hoc meeting itself.
struct Conversation {
    std::string id;
    ConversationKind kind = ConversationKind::visitor_chat;
    std::string trusted_app_id;
    std::string endpoint;          // the application endpoint acting in it
    std::string subject;
    std::string operation_id;      // of the request that created it
    std::string callback_url;      // where this conversation's callbacks go
    Millis created = 0;
    std::vector<Message> transcript;
    std::uint64_t next_message = 1;
    std::vector<Typing> typing;

    // visitor_chat
    std::string visitor_app_id;
    std::string invitation_id;
    InvitationState invitation_state = InvitationState::connecting;
    std::string invitation_operation_id;  // the visitor's operationId
    std::string to;
    std::string custom_content;
    std::string meeting_id;        // set once accepted and bridged

    // meeting
    std::string online_meeting_id;
    std::string online_meeting_uri;
    std::string meeting_invitation_id;  // the startAdhocMeeting onlineMeetingInvitation
    bool app_messaging = false;          // the application joined messaging (addMessaging)
    std::string app_messaging_invitation_id;
    std::string app_messaging_operation_id;
    std::vector<MeetingParticipant> participants;
    std::string bridged_chat_id;         // the visitor chat bridged into this meeting
    std::string impersonated_name;       // how the application appears to the visitor
    std::vector<BridgedParticipant> bridged_participants;
    std::uint64_t next_bridged_participant = 1;

    const MeetingParticipant* participant(const std::string& uri) const;
    const BridgedParticipant* bridged(const std::string& uri) const;
};

// addParticipant: an invitation of an agent into a meeting.
struct ParticipantInvitation {
    std::string id;
    std::string meeting_id;
    std::string trusted_app_id;
    std::string to;                // agent uri
    std::string agent_app_id;      // the agent application that was offered it
    std::string operation_id;
    InvitationState state = InvitationState::connecting;
    Millis created = 0;
};

}  // namespace carebridge::platform
