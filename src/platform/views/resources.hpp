#pragma once
// HAL JSON of every resource of the call flow, as each side sees it (see view.hpp).
// Shapes follow ../shared/protocol/fixtures: same relation names, fields and nesting.
#include <string>

#include <boost/json/object.hpp>

#include "platform/model/entities.hpp"
#include "platform/views/view.hpp"

namespace carebridge::platform {

namespace json = boost::json;

// Paths under an application, shared by views and the router.
std::string conversation_path(const std::string& conversation_id);
std::string messaging_path(const std::string& conversation_id);

// --- Service Application side -------------------------------------------------------------
json::object render_application(const TrustedApp& app, const View& v);
json::object render_sa_communication(const View& v);
// The visitor's invitation, as the application receives it (step 7).
json::object render_incoming_invitation(const View& v, const Conversation& chat,
                                        const UcwaApp* visitor, const TrustedApp& app);
json::object render_meeting_invitation(const View& v, const Conversation& meeting,
                                       InvitationState state);
json::object render_online_meeting(const View& v, const Conversation& meeting);
json::object render_bridge(const View& v, const Conversation& meeting);
json::object render_bridged_participants(const View& v, const Conversation& meeting);
json::object render_bridged_participant(const View& v, const Conversation& meeting,
                                        const BridgedParticipant& bp);
json::object render_participant_invitation(const View& v, const ParticipantInvitation& inv);
// addMessaging's messagingInvitation (the application joins the meeting's messaging).
json::object render_add_messaging_invitation(const View& v, const Conversation& meeting,
                                             InvitationState state);

// --- UCWA side (visitor and agent) ----------------------------------------------------------
json::object render_ucwa_application(const View& v, const UcwaApp& app);
json::object render_me(const View& v, const UcwaApp& app);
json::object render_ucwa_communication(const View& v, const UcwaApp& app);
json::object render_outgoing_invitation(const View& v, const Conversation& chat,
                                        const std::string& to_name);
json::object render_agent_invitation(const View& v, const ParticipantInvitation& inv,
                                     const Conversation& meeting, const std::string& from_name);
json::object render_typing_participants(const View& v, const std::string& conversation_id,
                                        const std::vector<Typing>& typing,
                                        const std::string& except_uri, std::int64_t now);

// --- Both sides -----------------------------------------------------------------------------
// state: "Conferenced", "Connected", "Connecting", "Incoming", "Disconnected".
json::object render_conversation(const View& v, const Conversation& conv, const char* state);
// connected: the viewer has joined messaging; can_add: offer addMessaging when not connected.
json::object render_messaging(const View& v, const Conversation& conv, bool connected);
json::object render_participant(const View& v, const std::string& conversation_id,
                                const std::string& uri, const std::string& name);
json::object render_participant_messaging(const View& v, const std::string& conversation_id,
                                          const std::string& uri, const std::string& name);
// JSON text (hot: rendered for each receiver of every message).
std::string render_message(const View& v, const std::string& conversation_id, const Message& m,
                           bool outgoing, const std::string& shown_name);

}  // namespace carebridge::platform
