// Resources of the Service Application side ("ms:rtc:saas:" relations, endpointId-scoped).
#include "platform/views/resources.hpp"

namespace carebridge::platform {

json::object render_sa_communication(const View& v) {
    json::object links;
    add_link(links, "self", v.href("/communication"));
    add_link(links, v.rel("startAdhocMeeting"),
             v.href("/communication/onlineMeetingInvitations/startAdhocMeeting"));
    json::object o;
    o["_links"] = std::move(links);
    o["rel"] = v.rel("communication");
    return o;
}

json::object render_application(const TrustedApp& app, const View& v) {
    json::object links;
    add_link(links, "self", v.href(""));
    add_link(links, v.rel("anonApplicationTokens"), v.href("/anonApplicationTokens"));
    add_link(links, v.rel("events"), v.href("/events", "ack=1"));
    json::object embedded;
    embedded[v.rel("communication")] = render_sa_communication(v);
    json::object o;
    o["id"] = app.config.id;
    o["name"] = app.config.name;
    o["endpointId"] = v.endpoint;
    o["_links"] = std::move(links);
    o["_embedded"] = std::move(embedded);
    o["rel"] = v.rel("application");
    return o;
}

json::object render_incoming_invitation(const View& v, const Conversation& chat,
                                        const UcwaApp* visitor, const TrustedApp& app) {
    const std::string path = "/communication/messagingInvitations/" + chat.invitation_id;
    json::object links;
    add_link(links, "self", v.href(path));
    add_link(links, v.rel("conversation"), v.href(conversation_path(chat.id)));
    if (chat.invitation_state == InvitationState::connecting) {
        add_link(links, v.rel("decline"), v.href(path + "/decline"));
        add_link(links, v.rel("startAdhocMeeting"),
                 v.href("/communication/onlineMeetingInvitations/startAdhocMeeting"));
        add_link(links, v.rel("acceptAndBridge"), v.href(path + "/acceptAndBridge"));
    }
    if (!chat.custom_content.empty())
        add_link(links, "customContent", data_uri("text/plain", chat.custom_content));

    json::object embedded;
    embedded[v.rel("application")] = render_application(app, v);
    if (visitor)
        embedded[v.rel("from")] = [&] {
            auto p = render_participant(v, chat.id, visitor->uri, visitor->display_name);
            p.erase("rel");
            p["rel"] = v.rel("participant");
            return p;
        }();

    json::object o;
    o["direction"] = "Incoming";
    o["state"] = to_string(chat.invitation_state);
    if (!chat.invitation_operation_id.empty()) o["operationId"] = chat.invitation_operation_id;
    o["importance"] = "Normal";
    o["threadId"] = chat.id;
    o["subject"] = chat.subject;
    o["to"] = chat.to;
    o["_links"] = std::move(links);
    o["_embedded"] = std::move(embedded);
    o["rel"] = v.rel("messagingInvitation");
    return o;
}

json::object render_meeting_invitation(const View& v, const Conversation& meeting,
                                       InvitationState state) {
    json::object links;
    add_link(links, "self",
             v.href("/communication/onlineMeetingInvitations/" + meeting.meeting_invitation_id));
    add_link(links, v.rel("conversation"), v.href(conversation_path(meeting.id)));
    json::object o;
    o["onlineMeetingUri"] = meeting.online_meeting_uri;
    o["direction"] = "Outgoing";
    o["state"] = to_string(state);
    if (!meeting.operation_id.empty()) o["operationId"] = meeting.operation_id;
    o["importance"] = "Normal";
    o["subject"] = meeting.subject;
    o["_links"] = std::move(links);
    o["rel"] = v.rel("onlineMeetingInvitation");
    return o;
}

json::object render_online_meeting(const View& v, const Conversation& meeting) {
    json::object links;
    add_link(links, "self", v.href(conversation_path(meeting.id) + "/onlineMeeting"));
    add_link(links, v.rel("conversation"), v.href(conversation_path(meeting.id)));
    json::object o;
    o["onlineMeetingId"] = meeting.online_meeting_id;
    o["onlineMeetingUri"] = meeting.online_meeting_uri;
    o["subject"] = meeting.subject;
    o["_links"] = std::move(links);
    o["rel"] = v.rel("onlineMeeting");
    return o;
}

json::object render_bridge(const View& v, const Conversation& meeting) {
    const std::string path = conversation_path(meeting.id) + "/conversationBridge";
    json::object links;
    add_link(links, "self", v.href(path));
    add_link(links, v.rel("bridgedParticipants"), v.href(path + "/bridgedParticipants"));
    json::object o;
    o["onlineMeetingUri"] = meeting.online_meeting_uri;
    o["_links"] = std::move(links);
    o["rel"] = v.rel("conversationBridge");
    return o;
}

json::object render_bridged_participant(const View& v, const Conversation& meeting,
                                        const BridgedParticipant& bp) {
    json::object links;
    add_link(links, "self", v.href(conversation_path(meeting.id) +
                                   "/conversationBridge/bridgedParticipants/" + bp.id));
    json::object o;
    o["displayName"] = bp.display_name;
    o["participantUri"] = bp.uri;
    o["messageFilterState"] = bp.filter_enabled ? "Enabled" : "Disabled";
    o["_links"] = std::move(links);
    o["rel"] = v.rel("bridgedParticipant");
    return o;
}

json::object render_bridged_participants(const View& v, const Conversation& meeting) {
    json::object links;
    add_link(links, "self",
             v.href(conversation_path(meeting.id) + "/conversationBridge/bridgedParticipants"));
    json::array items;
    for (const auto& bp : meeting.bridged_participants)
        items.push_back(render_bridged_participant(v, meeting, bp));
    json::object embedded;
    embedded[v.rel("bridgedParticipant")] = std::move(items);
    json::object o;
    o["_links"] = std::move(links);
    o["_embedded"] = std::move(embedded);
    o["rel"] = v.rel("bridgedParticipants");
    return o;
}

json::object render_participant_invitation(const View& v, const ParticipantInvitation& inv) {
    json::object links;
    add_link(links, "self", v.href("/communication/participantInvitations/" + inv.id));
    add_link(links, v.rel("conversation"), v.href(conversation_path(inv.meeting_id)));
    json::object o;
    o["direction"] = "Outgoing";
    o["state"] = to_string(inv.state);
    if (!inv.operation_id.empty()) o["operationId"] = inv.operation_id;
    o["importance"] = "Normal";
    o["to"] = inv.to;
    o["_links"] = std::move(links);
    o["rel"] = v.rel("participantInvitation");
    return o;
}

json::object render_add_messaging_invitation(const View& v, const Conversation& meeting,
                                             InvitationState state) {
    json::object links;
    add_link(links, "self",
             v.href("/communication/messagingInvitations/" + meeting.app_messaging_invitation_id));
    add_link(links, v.rel("conversation"), v.href(conversation_path(meeting.id)));
    add_link(links, v.rel("messaging"), v.href(messaging_path(meeting.id)));
    json::object o;
    o["direction"] = "Outgoing";
    o["state"] = to_string(state);
    if (!meeting.app_messaging_operation_id.empty())
        o["operationId"] = meeting.app_messaging_operation_id;
    o["importance"] = "Normal";
    o["subject"] = meeting.subject;
    o["_links"] = std::move(links);
    o["rel"] = v.rel("messagingInvitation");
    return o;
}

}  // namespace carebridge::platform
