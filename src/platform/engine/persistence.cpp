#include "platform/engine/persistence.hpp"

#include <boost/json.hpp>

#include "platform/events/json_text.hpp"

namespace carebridge::platform::persist {

namespace {
std::string str(const json::object& o, const char* k) {
    auto* v = o.if_contains(k);
    return v && v->is_string() ? std::string(v->as_string()) : std::string();
}
std::int64_t num(const json::object& o, const char* k) {
    auto* v = o.if_contains(k);
    if (!v) return 0;
    if (v->is_int64()) return v->as_int64();
    if (v->is_uint64()) return static_cast<std::int64_t>(v->as_uint64());
    return 0;
}
bool flag(const json::object& o, const char* k) {
    auto* v = o.if_contains(k);
    return v && v->is_bool() && v->as_bool();
}
void strings(JsonText& out, const std::vector<std::string>& xs) {
    out.begin_array();
    for (const auto& x : xs) out.string(x);
    out.end_array();
}
std::vector<std::string> strings(const json::object& o, const char* k) {
    std::vector<std::string> out;
    if (auto* v = o.if_contains(k); v && v->is_array())
        for (const auto& x : v->as_array())
            if (x.is_string()) out.emplace_back(x.as_string());
    return out;
}
std::optional<json::object> parse(std::string_view data) {
    boost::system::error_code ec;
    auto v = json::parse(data, ec);
    if (ec || !v.is_object()) return std::nullopt;
    return std::move(v.as_object());
}
}  // namespace

std::string encode(const UcwaApp& a) {
    JsonText o;
    o.begin_object()
        .field("id", a.id)
        .field("kind", a.kind == UcwaKind::agent ? "agent" : "visitor")
        .field("name", a.display_name)
        .field("uri", a.uri)
        .field("owner", a.owner)
        .field("endpointId", a.endpoint_id)
        .field("app", a.trusted_app_id)
        .field("endpoint", a.trusted_endpoint);
    strings(o.key("origins"), a.allowed_origins);
    o.field("available", a.available);
    strings(o.key("conversations"), a.conversations);
    o.field("acked", a.acked);  // last: the counter (without_counter)
    return o.end_object().take();
}

std::string_view without_counter(std::string_view encoded) {
    // The counter is the last member and a number, so its key starts at the last `,"`.
    const auto at = encoded.rfind(",\"");
    return at == std::string_view::npos ? encoded : encoded.substr(0, at);
}

std::optional<UcwaApp> decode_ucwa_app(std::string_view data) {
    auto o = parse(data);
    if (!o) return std::nullopt;
    UcwaApp a;
    a.id = str(*o, "id");
    a.kind = str(*o, "kind") == "agent" ? UcwaKind::agent : UcwaKind::visitor;
    a.display_name = str(*o, "name");
    a.uri = str(*o, "uri");
    a.owner = str(*o, "owner");
    a.endpoint_id = str(*o, "endpointId");
    a.trusted_app_id = str(*o, "app");
    a.trusted_endpoint = str(*o, "endpoint");
    a.allowed_origins = strings(*o, "origins");
    a.available = flag(*o, "available");
    a.conversations = strings(*o, "conversations");
    a.acked = static_cast<std::uint64_t>(num(*o, "acked"));
    return a;
}

std::string encode(const Conversation& c) {
    JsonText o(1024);
    o.begin_object()
        .field("id", c.id)
        .field("kind", c.kind == ConversationKind::meeting ? "meeting" : "chat")
        .field("app", c.trusted_app_id)
        .field("endpoint", c.endpoint)
        .field("subject", c.subject)
        .field("operationId", c.operation_id)
        .field("callbackUrl", c.callback_url)
        .field("created", c.created)
        .field("visitorApp", c.visitor_app_id)
        .field("invitation", c.invitation_id)
        .field("invitationState", static_cast<int>(c.invitation_state))
        .field("invitationOperationId", c.invitation_operation_id)
        .field("to", c.to)
        .field("customContent", c.custom_content)
        .field("meeting", c.meeting_id)
        .field("onlineMeetingId", c.online_meeting_id)
        .field("onlineMeetingUri", c.online_meeting_uri)
        .field("meetingInvitation", c.meeting_invitation_id)
        .field("appMessaging", c.app_messaging)
        .field("appMessagingInvitation", c.app_messaging_invitation_id)
        .field("appMessagingOperationId", c.app_messaging_operation_id);
    o.key("participants").begin_array();
    for (const auto& p : c.participants)
        o.begin_object()
            .field("uri", p.uri)
            .field("name", p.name)
            .field("app", p.ucwa_app_id)
            .field("messaging", p.messaging)
            .end_object();
    o.end_array().field("bridgedChat", c.bridged_chat_id).field("impersonatedName", c.impersonated_name);
    o.key("bridged").begin_array();
    for (const auto& b : c.bridged_participants)
        o.begin_object()
            .field("id", b.id)
            .field("name", b.display_name)
            .field("uri", b.uri)
            .field("filter", b.filter_enabled)
            .end_object();
    o.end_array()
        .field("nextBridged", c.next_bridged_participant)
        .field("nextMessage", c.next_message);  // last: the counter (without_counter)
    return o.end_object().take();
}

std::optional<Conversation> decode_conversation(std::string_view data) {
    auto o = parse(data);
    if (!o) return std::nullopt;
    Conversation c;
    c.id = str(*o, "id");
    c.kind = str(*o, "kind") == "meeting" ? ConversationKind::meeting : ConversationKind::visitor_chat;
    c.trusted_app_id = str(*o, "app");
    c.endpoint = str(*o, "endpoint");
    c.subject = str(*o, "subject");
    c.operation_id = str(*o, "operationId");
    c.callback_url = str(*o, "callbackUrl");
    c.created = num(*o, "created");
    c.next_message = static_cast<std::uint64_t>(num(*o, "nextMessage"));
    c.visitor_app_id = str(*o, "visitorApp");
    c.invitation_id = str(*o, "invitation");
    c.invitation_state = static_cast<InvitationState>(num(*o, "invitationState"));
    c.invitation_operation_id = str(*o, "invitationOperationId");
    c.to = str(*o, "to");
    c.custom_content = str(*o, "customContent");
    c.meeting_id = str(*o, "meeting");
    c.online_meeting_id = str(*o, "onlineMeetingId");
    c.online_meeting_uri = str(*o, "onlineMeetingUri");
    c.meeting_invitation_id = str(*o, "meetingInvitation");
    c.app_messaging = flag(*o, "appMessaging");
    c.app_messaging_invitation_id = str(*o, "appMessagingInvitation");
    c.app_messaging_operation_id = str(*o, "appMessagingOperationId");
    if (auto* ps = o->if_contains("participants"); ps && ps->is_array())
        for (const auto& p : ps->as_array())
            if (p.is_object())
                c.participants.push_back({str(p.as_object(), "uri"), str(p.as_object(), "name"),
                                          str(p.as_object(), "app"), flag(p.as_object(), "messaging")});
    c.bridged_chat_id = str(*o, "bridgedChat");
    c.impersonated_name = str(*o, "impersonatedName");
    if (auto* bs = o->if_contains("bridged"); bs && bs->is_array())
        for (const auto& b : bs->as_array())
            if (b.is_object())
                c.bridged_participants.push_back({str(b.as_object(), "id"), str(b.as_object(), "name"),
                                                  str(b.as_object(), "uri"), flag(b.as_object(), "filter")});
    c.next_bridged_participant = static_cast<std::uint64_t>(num(*o, "nextBridged"));
    return c;
}

std::string encode(const ParticipantInvitation& i) {
    JsonText o;
    return o.begin_object()
        .field("id", i.id)
        .field("meeting", i.meeting_id)
        .field("app", i.trusted_app_id)
        .field("to", i.to)
        .field("agentApp", i.agent_app_id)
        .field("operationId", i.operation_id)
        .field("state", static_cast<int>(i.state))
        .field("created", i.created)
        .end_object()
        .take();
}

std::optional<ParticipantInvitation> decode_participant_invitation(std::string_view data) {
    auto o = parse(data);
    if (!o) return std::nullopt;
    ParticipantInvitation i;
    i.id = str(*o, "id");
    i.meeting_id = str(*o, "meeting");
    i.trusted_app_id = str(*o, "app");
    i.to = str(*o, "to");
    i.agent_app_id = str(*o, "agentApp");
    i.operation_id = str(*o, "operationId");
    i.state = static_cast<InvitationState>(num(*o, "state"));
    i.created = num(*o, "created");
    return i;
}

std::string encode(const Message& m) {
    JsonText o(160 + m.text.size());
    return o.begin_object()
        .field("number", m.number)
        .field("uri", m.sender_uri)
        .field("name", m.sender_name)
        .field("type", m.content_type)
        .field("text", m.text)
        .field("time", m.time)
        .field("operationId", m.operation_id)
        .end_object()
        .take();
}

std::optional<Message> decode_message(std::string_view data) {
    auto o = parse(data);
    if (!o) return std::nullopt;
    Message m;
    m.number = static_cast<std::uint64_t>(num(*o, "number"));
    m.sender_uri = str(*o, "uri");
    m.sender_name = str(*o, "name");
    m.content_type = str(*o, "type");
    m.text = str(*o, "text");
    m.time = num(*o, "time");
    m.operation_id = str(*o, "operationId");
    return m;
}

std::string encode(const CallbackQueueState& q) {
    JsonText o;
    return o.begin_object().field("delivered", q.delivered).field("context", q.context).field("app", q.app).end_object().take();
}

std::optional<CallbackQueueState> decode_callback_queue(std::string_view data) {
    auto o = parse(data);
    if (!o) return std::nullopt;
    CallbackQueueState q;
    q.delivered = static_cast<std::uint64_t>(std::max<std::int64_t>(0, num(*o, "delivered")));
    q.context = str(*o, "context");
    q.app = str(*o, "app");
    return q;
}

// A record is a one-line JSON header, a newline, then the event's JSON as rendered: storing the
// event as a JSON string escaped every quote in it (a fifth more bytes) and cost a serialize on
// write and a full parse on restore. (Serialized JSON never holds a raw newline, so the first
// one ends the header.) Records of earlier versions are one JSON object with the event inside.
std::string encode(const StoredEvent& e, const std::string& queue, const std::string& url) {
    JsonText o(96 + e.sender_href.size() + queue.size() + url.size());
    o.begin_object().field("rel", e.sender_rel).field("href", e.sender_href).field("time", e.time);
    if (!queue.empty()) o.field("queue", queue).field("url", url);
    std::string out = o.end_object().take();
    out.reserve(out.size() + 1 + e.json.size());
    out += '\n';
    out += e.json;
    return out;
}

std::optional<EventRecord> decode_event(std::uint64_t position, std::string_view data) {
    const auto newline = data.find('\n');
    auto o = parse(data.substr(0, newline));
    if (!o) return std::nullopt;
    EventRecord r;
    r.event.position = position;
    r.event.time = num(*o, "time");
    r.event.sender_rel = str(*o, "rel");
    r.event.sender_href = str(*o, "href");
    r.event.json = newline == std::string_view::npos ? str(*o, "event") : std::string(data.substr(newline + 1));
    r.queue = str(*o, "queue");
    r.url = str(*o, "url");
    return r;
}

}  // namespace carebridge::platform::persist
