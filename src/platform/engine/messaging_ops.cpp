// Messages and typing between everyone in a meeting (steps 12-13, 16-19), honouring the
// bridged participants' messageFilterState.
#include <algorithm>

#include "platform/engine/engine_impl.hpp"
#include "platform/engine/html_sanitizer.hpp"
#include "platform/engine/persistence.hpp"

namespace carebridge::platform {

namespace {
// Checks the actor may talk in conv and returns the meeting the words go to.
Result<Conversation*> room_for(Platform& p, const Actor& actor, Conversation& conv) {
    const Error not_connected = conflict("InvalidState", "messaging is not connected");
    if (conv.kind == ConversationKind::visitor_chat) {
        if (actor.kind != Actor::Kind::visitor || conv.invitation_state != InvitationState::connected)
            return not_connected;
        Conversation* room = p.room_of(conv);
        if (!room) return not_connected;
        return room;
    }
    if (actor.kind == Actor::Kind::application) {
        if (!conv.app_messaging) return not_connected;
    } else {
        const auto* part = conv.participant(actor.uri);
        if (!part || !part->messaging) return not_connected;
    }
    return &conv;
}
}  // namespace

Result<Message> Platform::send_message(const Actor& actor, Conversation& conv, MessageInput input) {
    FlushOnExit flush{*impl_};
    auto room_r = room_for(*this, actor, conv);
    if (!room_r) return room_r.error();
    Conversation& m = **room_r;
    // A repeated operation (a retry after a lost answer) is the message already sent, not a
    // second one; retries come soon, so the recent messages are enough to look at.
    if (!input.operation_id.empty()) {
        constexpr std::size_t kRecent = 256;
        const auto& t = m.transcript;
        for (std::size_t i = t.size(); i > 0 && t.size() - i < kRecent; --i)
            if (t[i - 1].operation_id == input.operation_id && t[i - 1].sender_uri == actor.uri) return t[i - 1];
    }
    // HTML is cut down to the allowlist before it is stored, delivered or called back.
    if (input.content_type == "text/html") {
        input.text = sanitize_html(input.text);
        if (input.text.empty())
            return bad_request("InvalidParameter", "the HTML message has no allowed content");
    }
    // A message changes no snapshot: the transcript is a stream of its own, and nextMessage is
    // read back from it at start (typing is not kept at all).
    SnapshotsUnchanged unchanged{*impl_};
    impl_->clear_typing(m, actor.uri);

    Message msg;
    msg.number = m.next_message++;
    msg.sender_uri = actor.uri;
    msg.sender_name = actor.name;
    msg.content_type = std::move(input.content_type);
    msg.text = std::move(input.text);
    msg.time = now_ms();
    msg.operation_id = std::move(input.operation_id);
    m.transcript.push_back(msg);
    if (m.kind == ConversationKind::visitor_chat) impl_->chat_activity[m.id] = msg.time;
    else if (!m.bridged_chat_id.empty()) impl_->chat_activity[m.bridged_chat_id] = msg.time;
    if (impl_->store)
        impl_->extra.appends.push_back({persist::transcript_stream(m.id), msg.number, persist::encode(msg)});

    const std::string msg_path = messaging_path(m.id) + "/messages/" + std::to_string(msg.number);
    const bool from_visitor = actor.kind == Actor::Kind::visitor;
    const bool from_agent = actor.kind == Actor::Kind::agent;
    Conversation* chat = conversation(m.bridged_chat_id);
    UcwaApp* visitor = chat ? ucwa_app(chat->visitor_app_id) : nullptr;
    const bool sender_filtered = from_agent && impl_->filtered(m, actor.uri);

    // The application: its own message started/completed, or everyone else's as incoming.
    const View sv = impl_->service_view(m);
    if (actor.kind == Actor::Kind::application) {
        // started and completed embed the same resource: rendered once.
        std::string own = render_message(sv, m.id, msg, true, actor.name);
        impl_->to_service(m, m.id, Ev(sv, "message", sv.href(msg_path), "started").embed(sv.rel("message"), own));
        impl_->to_service(m, m.id, Ev(sv, "message", sv.href(msg_path), "completed")
                                       .success()
                                       .embed(sv.rel("message"), std::move(own)));
    } else {
        impl_->to_service(m, m.id, Ev(sv, "message", sv.href(msg_path), "completed")
                                       .success()
                                       .embed(sv.rel("message"), render_message(sv, m.id, msg, false, actor.name)));
    }

    // A sender's own message is one medium-urgency "completed" on its UCWA channel: the sender
    // has the 201 already and our clients show a message when they send it, so the echo rides
    // with the next incoming event instead of costing a long-poll round trip of its own. UCWA
    // lists an incoming message as high and leaves the outgoing echo's urgency unsaid: this is
    // our choice within its aggregation rules, which also let an operation that completes at
    // once show only "completed" (as an incoming message does here). Held at most the client's
    // `medium` interval. The application keeps started + completed (its callbacks, step 12).

    // The visitor, through the bridge, unless the sender is filtered from it.
    if (chat && visitor && chat->invitation_state == InvitationState::connected && !sender_filtered) {
        const View vv = View::visitor(visitor->id);
        const std::string path = messaging_path(chat->id) + "/messages/" + std::to_string(msg.number);
        if (from_visitor) {
            impl_->to_ucwa(*visitor, chat->id, Ev(vv, "message", vv.href(path), "completed")
                                                   .success()
                                                   .embed(vv.rel("message"), render_message(vv, chat->id, msg, true, actor.name))
                                                   .medium());
        } else {
            const std::string shown = impl_->shown_to_visitor(m, actor.uri, actor.name);
            impl_->to_ucwa(*visitor, chat->id, Ev(vv, "message", vv.href(path), "completed")
                                                   .success()
                                                   .embed(vv.rel("message"), render_message(vv, chat->id, msg, false, shown)));
        }
    }

    // Every agent that joined messaging (the visitor's words skip filtered agents).
    for (const auto& p : m.participants) {
        if (!p.messaging) continue;
        if (from_visitor && impl_->filtered(m, p.uri)) continue;
        UcwaApp* agent = ucwa_app(p.ucwa_app_id);
        if (!agent) continue;
        const View av = View::agent(agent->id);
        const bool own = p.uri == actor.uri;
        std::string rendered = render_message(av, m.id, msg, own, actor.name);
        Ev ev = Ev(av, "message", av.href(msg_path), "completed").success().embed(av.rel("message"), std::move(rendered));
        impl_->to_ucwa(*agent, m.id, own ? std::move(ev).medium() : std::move(ev));
    }
    return msg;
}

Status Platform::set_typing(const Actor& actor, Conversation& conv) {
    FlushOnExit flush{*impl_};
    auto room_r = room_for(*this, actor, conv);
    if (!room_r) return room_r.error();
    Conversation& m = **room_r;
    const Millis until = now_ms() + config_.typing_timeout * 1000;
    auto it = std::find_if(m.typing.begin(), m.typing.end(),
                           [&](const Typing& t) { return t.uri == actor.uri; });
    if (it == m.typing.end()) {
        m.typing.push_back({actor.uri, actor.name, until});
        impl_->emit_typing(m, actor.uri, actor.name, true);
    } else {
        it->until = until;
    }
    const std::string meeting_id = m.id, uri = actor.uri;
    impl_->timers["typing:" + m.id + ":" + uri] = scheduler_.after(
        std::chrono::seconds(config_.typing_timeout), [this, meeting_id, uri] {
            FlushOnExit flush{*impl_};
            if (Conversation* c = conversation(meeting_id)) impl_->clear_typing(*c, uri);
        });
    return Ok{};
}

void Platform::Impl::clear_typing(Conversation& room, const std::string& uri) {
    auto it = std::find_if(room.typing.begin(), room.typing.end(),
                           [&](const Typing& t) { return t.uri == uri; });
    if (it == room.typing.end()) return;
    const std::string name = it->name;
    room.typing.erase(it);
    timers.erase("typing:" + room.id + ":" + uri);
    emit_typing(room, uri, name, false);
}

// UCWA typing: a participant link "in" typingParticipants, added then deleted.
void Platform::Impl::emit_typing(Conversation& m, const std::string& uri, const std::string& name,
                                 bool added) {
    const char* type = added ? "added" : "deleted";
    SnapshotsUnchanged unchanged{*this};  // typing is not kept in any snapshot
    const bool typer_filtered = filtered(m, uri);
    Conversation* chat = self.conversation(m.bridged_chat_id);
    UcwaApp* visitor = chat ? self.ucwa_app(chat->visitor_app_id) : nullptr;
    const bool typer_is_visitor = visitor && visitor->uri == uri;
    if (visitor && !typer_is_visitor && !typer_filtered) {
        const View vv = View::visitor(visitor->id);
        const std::string shown = shown_to_visitor(m, uri, name);
        to_ucwa(*visitor, chat->id,
                Ev(vv, "participant",
                   vv.href(conversation_path(chat->id) + "/participants/" + participant_key(uri)), type)
                    .title(shown)
                    .in(vv, "typingParticipants", vv.href(messaging_path(chat->id) + "/typingParticipants")));
    }
    for (const auto& p : m.participants) {
        if (p.uri == uri || !p.messaging) continue;
        if (typer_is_visitor && filtered(m, p.uri)) continue;
        UcwaApp* agent = self.ucwa_app(p.ucwa_app_id);
        if (!agent) continue;
        const View av = View::agent(agent->id);
        to_ucwa(*agent, m.id,
                Ev(av, "participant",
                   av.href(conversation_path(m.id) + "/participants/" + participant_key(uri)), type)
                    .title(name)
                    .in(av, "typingParticipants", av.href(messaging_path(m.id) + "/typingParticipants")));
    }
}

}  // namespace carebridge::platform
