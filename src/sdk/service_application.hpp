#pragma once
// Typed operations of the call flow, from the Service Application's side. Each takes the
// resource that carries the operation's link and follows it by relation name; none builds a
// path. Steps refer to the seed's call flow.
#include <string>

#include "sdk/client.hpp"

namespace carebridge::sdk {

struct AnonToken {
    std::string token;         // "psat=..."
    std::string expiry_time;   // ISO 8601
    std::string discover_url;  // absolute: what the visitor's page starts from
};

struct MeetingStarted {
    std::string online_meeting_uri;
    std::string conversation_href;  // the meeting conversation (ms:rtc:saas:conversation)
    Resource invitation;            // the onlineMeetingInvitation as answered
};

struct BridgedParticipantRequest {
    std::string display_name;   // what the visitor sees
    std::string participant_uri;
    bool message_filter = false;  // messageFilterState Enabled: nothing passes to/from the visitor
};

class ServiceApplication {
public:
    explicit ServiceApplication(Client& client) : client_(client) {}
    Client& client() { return client_; }

    // Step 3, on the application resource: a token for one visitor page session.
    void anon_application_token(const std::string& session_id, const std::string& allowed_origins,
                                Callback<AnonToken> done);
    // Step 8, on the incoming messagingInvitation (or communication): a new ad-hoc meeting.
    void start_adhoc_meeting(const Resource& invitation, const std::string& subject,
                             const std::string& callback_url, const std::string& operation_id,
                             Callback<MeetingStarted> done);
    // Step 8, on the meeting's messaging resource: the application joins its messaging.
    void add_messaging(const Resource& messaging, const std::string& operation_id, Callback<Resource> done);
    // Step 9, on the incoming messagingInvitation: bridge it into the meeting.
    void accept_and_bridge(const Resource& invitation, const std::string& online_meeting_uri,
                           const std::string& display_name, Callback<Resource> done);
    // On the incoming messagingInvitation: refuse it (the visitor's invitation fails).
    void decline(const Resource& invitation, Callback<Done> done);
    // Step 11, on the conversationBridge.
    void add_bridged_participant(const Resource& bridge, const BridgedParticipantRequest& who,
                                 Callback<Resource> done);
    // Step 12, on a connected messaging resource: sends text/plain; yields the message's href.
    void send_message(const Resource& messaging, const std::string& text, const std::string& operation_id,
                      Callback<std::string> done);
    // Step 14, on the meeting conversation: invite a participant (an agent).
    void add_participant(const Resource& meeting, const std::string& to, const std::string& operation_id,
                         Callback<Resource> done);
    // Step 22, on the meeting conversation: end it. A meeting already gone counts as ended.
    void terminate(const Resource& meeting, Callback<Done> done);
    // Any resource by href (fresh links after a state change).
    void get(const std::string& href, Callback<Resource> done);

private:
    Client& client_;
};

}  // namespace carebridge::sdk
