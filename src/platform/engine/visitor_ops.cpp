// The visitor's side of the call flow: anonymous application, messaging invitation to the
// helpdesk endpoint (step 6-7) and the end of the chat (steps 20-21).
#include <algorithm>

#include "platform/engine/capacity.hpp"
#include "platform/engine/engine_impl.hpp"
#include "platform/engine/persistence.hpp"

namespace carebridge::platform {

UcwaApp& Platform::create_visitor_app(const auth::AnonGrant& grant,
                                      const std::string& display_name) {
    // One application per anonymous token: a page reload gets its application back.
    if (auto it = impl_->visitor_by_token.find(grant.token_id); it != impl_->visitor_by_token.end())
        if (auto* existing = ucwa_app(it->second)) return *existing;
    auto app = std::make_unique<UcwaApp>();
    app->id = impl_->new_id();
    app->kind = UcwaKind::visitor;
    app->events = EventStream(persist::ucwa_stream(app->id));
    app->display_name = display_name;
    app->uri = "sip:anonymous-" + app->id + "@anonymous.invalid";
    app->owner = grant.token_id;
    app->trusted_app_id = grant.app_id;
    app->trusted_endpoint = grant.endpoint;
    app->allowed_origins = grant.origins;
    UcwaApp& ref = *app;
    FlushOnExit flush{*impl_};
    impl_->touch(ref);
    impl_->visitor_by_token[grant.token_id] = app->id;
    impl_->ucwa_apps.emplace(app->id, std::move(app));
    return ref;
}

Result<Conversation*> Platform::start_messaging(UcwaApp& visitor, const std::string& to,
                                                const std::string& subject,
                                                const std::string& custom_content,
                                                const std::string& operation_id) {
    FlushOnExit flush{*impl_};
    TrustedApp* app = trusted_app(visitor.trusted_app_id);
    if (!app || !app->has_endpoint(to))
        return forbidden("InvalidDestination",
                         "'to' must be an endpoint of the application that issued the token");
    for (const auto& id : visitor.conversations)
        if (conversation(id))
            return conflict("ConversationExists", "this application already has a live chat");
    if (live_chats(*impl_, app->config.id) >= config_.limits.chats_per_application)
        return too_many_chats(config_.limits.chats_per_application);

    auto owned = std::make_unique<Conversation>();
    Conversation& chat = *owned;
    chat.id = impl_->new_id();
    chat.kind = ConversationKind::visitor_chat;
    chat.trusted_app_id = app->config.id;
    chat.endpoint = to;
    chat.subject = subject;
    chat.created = now_ms();
    chat.visitor_app_id = visitor.id;
    chat.invitation_id = impl_->new_id();
    chat.invitation_operation_id = operation_id;
    chat.to = to;
    chat.custom_content = custom_content;
    impl_->add_conversation(std::move(owned));
    impl_->chat_by_invitation[chat.invitation_id] = chat.id;
    visitor.conversations.push_back(chat.id);

    const View vv = View::visitor(visitor.id);
    impl_->to_ucwa(visitor, "",
                   Ev(vv, "messagingInvitation",
                      vv.href("/communication/messagingInvitations/" + chat.invitation_id),
                      "started")
                       .embed(render_outgoing_invitation(vv, chat, app->config.name)));
    impl_->to_ucwa(visitor, "",
                   Ev(vv, "conversation", vv.href(conversation_path(chat.id)), "added")
                       .embed(render_conversation(vv, chat, "Connecting")));

    // Step 7: the application learns of the invitation, with startAdhocMeeting and
    // acceptAndBridge links and the visitor's customContent.
    const View sv = impl_->service_view(chat);
    impl_->to_service(chat, "",
                      Ev(sv, "messagingInvitation",
                         sv.href("/communication/messagingInvitations/" + chat.invitation_id),
                         "started")
                          .embed(render_incoming_invitation(sv, chat, &visitor, *app)));

    impl_->arm_invitation_timeout(chat.id, chat.created + config_.invitation_timeout * 1000);
    impl_->chat_activity[chat.id] = chat.created;
    impl_->visitor_polls[visitor.id].last = chat.created;  // the channel's grace starts now
    return &chat;
}

void Platform::Impl::arm_invitation_timeout(const std::string& chat_id, Millis due) {
    const auto delay = std::max<Millis>(0, due - self.now_ms());
    timers["inv:" + chat_id] = self.scheduler_.after(std::chrono::milliseconds(delay), [this, chat_id] {
        FlushOnExit flush{*this};
        Conversation* c = self.conversation(chat_id);
        if (!c || c->invitation_state != InvitationState::connecting) return;
        const Error reason{408, "Timeout", "NoAnswer", "the service application did not answer in time"};
        close_chat(*c, &reason);
    });
}

void Platform::Impl::close_chat(Conversation& chat, const Error* failure, const Error* ended) {
    const std::string chat_id = chat.id;
    UcwaApp* visitor = self.ucwa_app(chat.visitor_app_id);
    TrustedApp* app = self.trusted_app(chat.trusted_app_id);
    const View sv = service_view(chat);
    const bool was_connecting = chat.invitation_state == InvitationState::connecting;
    if (was_connecting) {
        chat.invitation_state = InvitationState::failed;
        const Error reason = failure ? *failure
                             : ended ? *ended
                                     : Error{410, "Gone", "Cancelled",
                                             "the visitor ended the chat"};
        if (visitor) {
            const View vv = View::visitor(visitor->id);
            to_ucwa(*visitor, "",
                    Ev(vv, "messagingInvitation",
                       vv.href("/communication/messagingInvitations/" + chat.invitation_id),
                       "completed")
                        .failure(reason)
                        .embed(render_outgoing_invitation(vv, chat, app ? app->config.name : "")));
        }
        if (app)
            to_service(chat, "",
                       Ev(sv, "messagingInvitation",
                          sv.href("/communication/messagingInvitations/" + chat.invitation_id),
                          "completed")
                           .failure(reason)
                           .embed(render_incoming_invitation(sv, chat, visitor, *app)));
    } else {
        auto with_reason = [ended](Ev ev) { return ended ? std::move(ev.reason(*ended)) : std::move(ev); };
        if (visitor) {
            const View vv = View::visitor(visitor->id);
            to_ucwa(*visitor, chat.id,
                    with_reason(Ev(vv, "messaging", vv.href(messaging_path(chat.id)), "updated")
                                    .embed(render_messaging(vv, chat, false))));
        }
        to_service(chat, chat.id,
                   with_reason(Ev(sv, "messaging", sv.href(messaging_path(chat.id)), "updated")
                                   .embed(render_messaging(sv, chat, false))));
        // The visitor leaves the meeting it was bridged into.
        if (Conversation* meeting = self.conversation(chat.meeting_id); meeting && visitor) {
            const View mv = service_view(*meeting);
            const std::string p = conversation_path(meeting->id) + "/participants/" +
                                  participant_key(visitor->uri);
            to_service(*meeting, meeting->id,
                       Ev(mv, "participantMessaging", mv.href(p + "/messaging"), "deleted")
                           .in(mv, "participant", mv.href(p)));
            to_service(*meeting, meeting->id,
                       Ev(mv, "participant", mv.href(p), "deleted")
                           .in(mv, "participants",
                               mv.href(conversation_path(meeting->id) + "/participants")));
            for (const auto& part : meeting->participants)
                if (UcwaApp* agent = self.ucwa_app(part.ucwa_app_id)) {
                    const View av = View::agent(agent->id);
                    to_ucwa(*agent, meeting->id,
                            Ev(av, "participant", av.href(conversation_path(meeting->id) +
                                                          "/participants/" +
                                                          participant_key(visitor->uri)),
                               "deleted")
                                .title(visitor->display_name));
                }
            clear_typing(*meeting, visitor->uri);
        }
    }
    if (visitor) {
        const View vv = View::visitor(visitor->id);
        Ev deleted(vv, "conversation", vv.href(conversation_path(chat.id)), "deleted");
        if (ended) deleted.reason(*ended);
        to_ucwa(*visitor, "", std::move(deleted));
        auto& convs = visitor->conversations;
        convs.erase(std::remove(convs.begin(), convs.end(), chat_id), convs.end());
    }
    Ev deleted(sv, "conversation", sv.href(conversation_path(chat.id)), "deleted");
    if (ended) deleted.reason(*ended);
    to_service(chat, "", std::move(deleted));
    chat_activity.erase(chat_id);
    remove_conversation(chat_id);
}

Status Platform::end_chat(Conversation& chat, const char* /*reason*/) {
    FlushOnExit flush{*impl_};
    impl_->close_chat(chat, nullptr);
    return Ok{};
}

}  // namespace carebridge::platform
