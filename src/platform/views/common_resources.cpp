// Resources both sides share: conversation, messaging, participant, message.
#include "platform/views/resources.hpp"

#include <array>
#include <charconv>
#include <initializer_list>

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

constexpr std::string_view kConversations = "/communication/conversations/";

void write_link(JsonText& o, std::string_view rel, std::string_view href) {
    o.key(rel).begin_object().field("href", href).end_object();
}

// v.href(<the path pieces joined>), written straight into o: a message is rendered once per
// receiver, and its hrefs, built as strings and then copied in, were most of the work.
void write_href(JsonText& o, const View& v, std::initializer_list<std::string_view> path) {
    o.begin_string().chars(v.prefix()).chars(v.app_id);
    for (std::string_view piece : path) o.chars(piece);
    o.chars(v.endpoint_query()).chars(v.side == Side::service_app ? std::string_view(v.endpoint) : "").end_string();
}

// The key of a link whose relation is v's spelling of `name` (rel_prefix + name).
JsonText& link_key(JsonText& o, const View& v, std::string_view name) { return o.key(v.rel_prefix(), name); }

std::string_view participant_key_view(std::string_view uri) {  // as participant_key
    if (uri.substr(0, 4) == "sip:") uri.remove_prefix(4);
    return uri;
}

// The same resource as render_participant, as text (tested to match).
void write_participant(JsonText& o, const View& v, std::string_view conversation_id,
                       const std::string& uri, const std::string& name) {
    const std::string_view key = participant_key_view(uri);
    o.begin_object().field("uri", uri).field("name", name).key("_links").begin_object();
    o.key("self").begin_object().key("href");
    write_href(o, v, {kConversations, conversation_id, "/participants/", key});
    o.end_object();
    link_key(o, v, "conversation").begin_object().key("href");
    write_href(o, v, {kConversations, conversation_id});
    o.end_object();
    link_key(o, v, "participantMessaging").begin_object().key("href");
    write_href(o, v, {kConversations, conversation_id, "/participants/", key, "/messaging"});
    o.end_object();
    o.end_object().key("rel").begin_string().chars(v.rel_prefix()).chars("participant").end_string().end_object();
}

}  // namespace

// Written as text directly: two or three are rendered per message, one per receiver's view,
// and building them as json trees was the largest part of sending a message.
std::string render_message(const View& v, const std::string& conversation_id, const Message& m,
                           bool outgoing, const std::string& shown_name) {
    std::array<char, 24> digits;
    const std::string_view number(digits.data(),
                                  static_cast<std::size_t>(std::to_chars(digits.data(), digits.data() + digits.size(), m.number).ptr - digits.data()));
    JsonText o(1024 + m.text.size() * 3);
    o.begin_object().field("direction", outgoing ? "Outgoing" : "Incoming").field("timeStamp", iso8601(m.time));
    if (!m.operation_id.empty() && outgoing) o.field("operationId", m.operation_id);
    o.key("_links").begin_object();
    o.key("self").begin_object().key("href");
    write_href(o, v, {kConversations, conversation_id, "/messaging/messages/", number});
    o.end_object();
    link_key(o, v, "messaging").begin_object().key("href");
    write_href(o, v, {kConversations, conversation_id, "/messaging"});
    o.end_object();
    if (!outgoing) {
        link_key(o, v, "participant").begin_object().key("href");
        write_href(o, v, {kConversations, conversation_id, "/participants/", participant_key_view(m.sender_uri)});
        o.field("title", shown_name).end_object();
        const bool html = m.content_type == "text/html";
        write_link(o, html ? "htmlMessage" : "plainMessage", data_uri(m.content_type, m.text));
    }
    o.end_object();
    if (!outgoing) {
        o.key("_embedded").begin_object();
        link_key(o, v, "senderParticipant").begin_array();
        write_participant(o, v, conversation_id, m.sender_uri, shown_name);
        o.end_array().end_object();
    }
    return o.key("rel").begin_string().chars(v.rel_prefix()).chars("message").end_string().end_object().take();
}

}  // namespace carebridge::platform
