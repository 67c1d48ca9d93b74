// Resources both sides share: conversation, messaging, participant, message.
#include "platform/views/resources.hpp"

#include "platform/events/json_text.hpp"

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

namespace {

void write_link(JsonText& o, std::string_view rel, std::string_view href) {
    o.key(rel).begin_object().field("href", href).end_object();
}

// The same resource as render_participant, as text (tested to match).
void write_participant(JsonText& o, const View& v, const std::string& conversation_id,
                       const std::string& uri, const std::string& name) {
    const std::string path = conversation_path(conversation_id) + "/participants/" +
                             participant_key(uri);
    o.begin_object().field("uri", uri).field("name", name).key("_links").begin_object();
    write_link(o, "self", v.href(path));
    write_link(o, v.rel("conversation"), v.href(conversation_path(conversation_id)));
    write_link(o, v.rel("participantMessaging"), v.href(path + "/messaging"));
    o.end_object().field("rel", v.rel("participant")).end_object();
}

}  // namespace

// Written as text directly: two or three are rendered per message, one per receiver's view,
// and building them as json trees was the largest part of sending a message.
std::string render_message(const View& v, const std::string& conversation_id, const Message& m,
                           bool outgoing, const std::string& shown_name) {
    const std::string path = messaging_path(conversation_id) + "/messages/" +
                             std::to_string(m.number);
    JsonText o(1024 + m.text.size() * 3);
    o.begin_object().field("direction", outgoing ? "Outgoing" : "Incoming").field("timeStamp", iso8601(m.time));
    if (!m.operation_id.empty() && outgoing) o.field("operationId", m.operation_id);
    o.key("_links").begin_object();
    write_link(o, "self", v.href(path));
    write_link(o, v.rel("messaging"), v.href(messaging_path(conversation_id)));
    if (!outgoing) {
        const std::string participant = conversation_path(conversation_id) + "/participants/" +
                                        participant_key(m.sender_uri);
        o.key(v.rel("participant")).begin_object().field("href", v.href(participant)).field("title", shown_name).end_object();
        const bool html = m.content_type == "text/html";
        write_link(o, html ? "htmlMessage" : "plainMessage", data_uri(m.content_type, m.text));
    }
    o.end_object();
    if (!outgoing) {
        o.key("_embedded").begin_object().key(v.rel("senderParticipant")).begin_array();
        write_participant(o, v, conversation_id, m.sender_uri, shown_name);
        o.end_array().end_object();
    }
    return o.field("rel", v.rel("message")).end_object().take();
}

}  // namespace carebridge::platform
