// Resources of the UCWA side: the visitor's anonymous application and the agents'.
#include "platform/views/resources.hpp"

namespace carebridge::platform {

json::object render_me(const View& v, const UcwaApp& app) {
    json::object links;
    add_link(links, "self", v.href("/me"));
    if (app.kind == UcwaKind::agent) {
        add_link(links, "makeMeAvailable", v.href("/me/makeMeAvailable"));
        add_link(links, "reportMyActivity", v.href("/me/reportMyActivity"));
        add_link(links, "presence", v.href("/me/presence"));  // Online / Away (agent consoles)
    }
    json::object o;
    o["name"] = app.display_name;
    o["uri"] = app.uri;
    if (app.kind == UcwaKind::agent) o["availability"] = app.available ? "Online" : "Offline";
    o["_links"] = std::move(links);
    o["rel"] = "me";
    return o;
}

json::object render_ucwa_communication(const View& v, const UcwaApp& app) {
    json::object links;
    add_link(links, "self", v.href("/communication"));
    add_link(links, "conversations", v.href("/communication/conversations"));
    if (app.kind == UcwaKind::visitor)
        add_link(links, "startMessaging", v.href("/communication/messagingInvitations"));
    json::object o;
    o["_links"] = std::move(links);
    o["rel"] = "communication";
    return o;
}

json::object render_ucwa_application(const View& v, const UcwaApp& app) {
    json::object links;
    add_link(links, "self", v.href(""));
    add_link(links, "events", v.href("/events", "ack=1"));
    json::object embedded;
    embedded["me"] = render_me(v, app);
    embedded["communication"] = render_ucwa_communication(v, app);
    json::object o;
    o["id"] = app.id;
    if (!app.endpoint_id.empty()) o["endpointId"] = app.endpoint_id;
    o["_links"] = std::move(links);
    o["_embedded"] = std::move(embedded);
    o["rel"] = "application";
    return o;
}

json::object render_outgoing_invitation(const View& v, const Conversation& chat,
                                        const std::string& to_name) {
    const std::string path = "/communication/messagingInvitations/" + chat.invitation_id;
    json::object links;
    add_link(links, "self", v.href(path));
    add_link(links, "conversation", v.href(conversation_path(chat.id)));
    add_link(links, "messaging", v.href(messaging_path(chat.id)));
    add_link(links, "to", v.href(conversation_path(chat.id) + "/participants/" +
                                 participant_key(chat.to)),
             to_name);
    if (chat.invitation_state == InvitationState::connecting)
        add_link(links, "cancel", v.href(messaging_path(chat.id) + "/terminate"));
    json::object o;
    o["direction"] = "Outgoing";
    o["state"] = to_string(chat.invitation_state);
    if (!chat.invitation_operation_id.empty()) o["operationId"] = chat.invitation_operation_id;
    o["importance"] = "Normal";
    o["subject"] = chat.subject;
    o["to"] = chat.to;
    o["_links"] = std::move(links);
    o["rel"] = "messagingInvitation";
    return o;
}

json::object render_agent_invitation(const View& v, const ParticipantInvitation& inv,
                                     const Conversation& meeting, const std::string& from_name) {
    const std::string path = "/communication/onlineMeetingInvitations/" + inv.id;
    json::object links;
    add_link(links, "self", v.href(path));
    add_link(links, "conversation", v.href(conversation_path(meeting.id)));
    add_link(links, "from", v.href(conversation_path(meeting.id) + "/participants/" +
                                   participant_key(meeting.endpoint)),
             from_name);
    if (inv.state == InvitationState::connecting) {
        add_link(links, "accept", v.href(path + "/accept"));
        add_link(links, "decline", v.href(path + "/decline"));
    }
    json::object o;
    o["direction"] = "Incoming";
    o["state"] = to_string(inv.state);
    o["importance"] = "Normal";
    o["subject"] = meeting.subject;
    o["onlineMeetingUri"] = meeting.online_meeting_uri;
    o["_links"] = std::move(links);
    o["rel"] = "onlineMeetingInvitation";
    return o;
}

json::object render_typing_participants(const View& v, const std::string& conversation_id,
                                        const std::vector<Typing>& typing,
                                        const std::string& except_uri, std::int64_t now) {
    json::object links;
    add_link(links, "self", v.href(messaging_path(conversation_id) + "/typingParticipants"));
    json::array items;
    for (const auto& t : typing)
        if (t.uri != except_uri && t.until > now)
            items.push_back(render_participant(v, conversation_id, t.uri, t.name));
    json::object embedded;
    embedded[v.rel("participant")] = std::move(items);
    json::object o;
    o["_links"] = std::move(links);
    o["_embedded"] = std::move(embedded);
    o["rel"] = v.rel("typingParticipants");
    return o;
}

}  // namespace carebridge::platform
