// Resources both sides share: conversation, messaging, participant, message.
#include "platform/views/resources.hpp"

namespace carebridge::platform {

std::string conversation_path(const std::string& conversation_id) {
    return "/communication/conversations/" + conversation_id;
}
std::string messaging_path(const std::string& conversation_id) {
    return conversation_path(conversation_id) + "/messaging";
}

json::object render_conversation(const View& v, const Conversation& conv, const char* state) {
    const std::string path = conversation_path(conv.id);
    json::object links;
    add_link(links, "self", v.href(path));
    add_link(links, v.rel("messaging"), v.href(path + "/messaging"));
    add_link(links, v.rel("participants"), v.href(path + "/participants"));
    const bool meeting = conv.kind == ConversationKind::meeting;
    if (meeting) {
        add_link(links, v.rel("onlineMeeting"), v.href(path + "/onlineMeeting"));
        if (v.side == Side::service_app) {
            add_link(links, v.rel("addParticipant"),
                     v.href("/communication/participantInvitations", "conversationId=" + conv.id));
            if (!conv.bridged_chat_id.empty())
                add_link(links, v.rel("conversationBridge"), v.href(path + "/conversationBridge"));
            // carebridge extension: the durable transcript, kept after the meeting ends.
            add_link(links, v.rel("transcript"), v.href(path + "/transcript"));
        }
    }
    json::object o;
    o["state"] = state;
    o["importance"] = "Normal";
    o["threadId"] = conv.id;
    o["subject"] = conv.subject;
    json::array modalities;
    if (std::string_view(state) != "Disconnected") modalities.emplace_back("Messaging");
    o["activeModalities"] = std::move(modalities);
    if (meeting) o["onlineMeetingLobbyStatus"] = "None";
    o["_links"] = std::move(links);
    o["rel"] = v.rel("conversation");
    return o;
}

json::object render_messaging(const View& v, const Conversation& conv, bool connected) {
    const std::string path = messaging_path(conv.id);
    json::object links;
    add_link(links, "self", v.href(path));
    add_link(links, v.rel("conversation"), v.href(conversation_path(conv.id)));
    if (connected) {
        add_link(links, v.rel("sendMessage"), v.href(path + "/messages"));
        add_link(links, v.rel("setIsTyping"), v.href(path + "/typing"));
        add_link(links, v.rel("typingParticipants"), v.href(path + "/typingParticipants"));
        add_link(links, v.rel("stopMessaging"), v.href(path + "/terminate"));
    } else if (conv.kind == ConversationKind::meeting) {
        // The diagram's addMessaging: a messagingInvitation into the meeting conversation.
        if (v.side == Side::service_app)
            add_link(links, v.rel("addMessaging"),
                     v.href("/communication/messagingInvitations", "conversationId=" + conv.id));
        else
            add_link(links, v.rel("addMessaging"), v.href(path + "/messagingInvitations"));
    }
    json::object o;
    o["state"] = connected ? "Connected" : "Disconnected";
    if (connected) o["negotiatedMessageFormats"] = json::array{"Html", "Plain"};
    o["_links"] = std::move(links);
    o["rel"] = v.rel("messaging");
    return o;
}

json::object render_participant(const View& v, const std::string& conversation_id,
                                const std::string& uri, const std::string& name) {
    const std::string path = conversation_path(conversation_id) + "/participants/" +
                             participant_key(uri);
    json::object links;
    add_link(links, "self", v.href(path));
    add_link(links, v.rel("conversation"), v.href(conversation_path(conversation_id)));
    add_link(links, v.rel("participantMessaging"), v.href(path + "/messaging"));
    json::object o;
    o["uri"] = uri;
    o["name"] = name;
    o["_links"] = std::move(links);
    o["rel"] = v.rel("participant");
    return o;
}

json::object render_participant_messaging(const View& v, const std::string& conversation_id,
                                          const std::string& uri, const std::string& name) {
    const std::string path = conversation_path(conversation_id) + "/participants/" +
                             participant_key(uri);
    json::object links;
    add_link(links, "self", v.href(path + "/messaging"));
    add_link(links, v.rel("participant"), v.href(path), name);
    json::object o;
    o["_links"] = std::move(links);
    o["rel"] = v.rel("participantMessaging");
    return o;
}

json::object render_message(const View& v, const std::string& conversation_id, const Message& m,
                            bool outgoing, const std::string& shown_name) {
    const std::string path = messaging_path(conversation_id) + "/messages/" +
                             std::to_string(m.number);
    json::object links;
    add_link(links, "self", v.href(path));
    add_link(links, v.rel("messaging"), v.href(messaging_path(conversation_id)));
    json::object o;
    o["direction"] = outgoing ? "Outgoing" : "Incoming";
    o["timeStamp"] = iso8601(m.time);
    if (!m.operation_id.empty() && outgoing) o["operationId"] = m.operation_id;
    if (!outgoing) {
        const std::string participant = conversation_path(conversation_id) + "/participants/" +
                                        participant_key(m.sender_uri);
        add_link(links, v.rel("participant"), v.href(participant), shown_name);
        const bool html = m.content_type == "text/html";
        add_link(links, html ? "htmlMessage" : "plainMessage", data_uri(m.content_type, m.text));
        json::object embedded;
        json::array senders;
        senders.push_back(render_participant(v, conversation_id, m.sender_uri, shown_name));
        embedded[v.rel("senderParticipant")] = std::move(senders);
        o["_links"] = std::move(links);
        o["_embedded"] = std::move(embedded);
    } else {
        o["_links"] = std::move(links);
    }
    o["rel"] = v.rel("message");
    return o;
}

}  // namespace carebridge::platform
