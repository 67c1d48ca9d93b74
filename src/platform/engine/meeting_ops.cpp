// The Service Application's meeting: start it (step 8), join its messaging, bridge the
// visitor into it (steps 9-11) and tear it down (step 22).
#include <algorithm>
#include <cctype>

#include "platform/engine/capacity.hpp"
#include "platform/engine/engine_impl.hpp"
#include "platform/engine/persistence.hpp"

namespace carebridge::platform {

namespace {
std::string domain_of(const std::string& sip_uri) {
    auto at = sip_uri.find('@');
    return at == std::string::npos ? "carebridge.invalid" : sip_uri.substr(at + 1);
}
}  // namespace

Result<Conversation*> Platform::start_adhoc_meeting(TrustedApp& app, const std::string& endpoint,
                                                    const std::string& subject,
                                                    const std::string& callback_url,
                                                    const std::string& operation_id) {
    FlushOnExit flush{*impl_};
    // Idempotent by operationId (UCWA's operationId identifies one operation of the client).
    if (!operation_id.empty())
        if (auto it = impl_->meeting_by_operation.find(app.config.id + "\n" + operation_id);
            it != impl_->meeting_by_operation.end())
            if (Conversation* known = conversation(it->second)) return known;
    auto owned = std::make_unique<Conversation>();
    Conversation& m = *owned;
    m.id = impl_->new_id();
    m.kind = ConversationKind::meeting;
    m.trusted_app_id = app.config.id;
    m.endpoint = endpoint;
    m.subject = subject;
    m.operation_id = operation_id;
    m.callback_url = callback_url;
    m.created = now_ms();
    m.online_meeting_id = impl_->new_id().substr(0, 8);
    for (auto& ch : m.online_meeting_id) ch = static_cast<char>(std::toupper(ch));
    m.online_meeting_uri = "sip:" + app.config.id + "-meet@" + domain_of(endpoint) +
                           ";gruu;opaque=app:conf:focus:id:" + m.online_meeting_id;
    m.meeting_invitation_id = impl_->new_id();
    m.impersonated_name = app.config.name;
    impl_->add_conversation(std::move(owned));
    impl_->meeting_by_invitation[m.meeting_invitation_id] = m.id;
    impl_->meeting_by_uri[m.online_meeting_uri] = m.id;
    if (!operation_id.empty()) impl_->meeting_by_operation[Impl::operation_key(m)] = m.id;
    auto& t = impl_->transcripts[m.id];
    t = {m.id, app.config.id, subject, m.created, 0};
    impl_->save_transcript_info(t);

    const View v = impl_->service_view(m);
    const std::string inv_href = v.href("/communication/onlineMeetingInvitations/" +
                                        m.meeting_invitation_id);
    impl_->to_service(m, "", Ev(v, "onlineMeetingInvitation", inv_href, "started")
                                 .embed(render_meeting_invitation(v, m, InvitationState::connecting)));
    impl_->to_service(m, "", Ev(v, "conversation", v.href(conversation_path(m.id)), "added")
                                 .embed(render_conversation(v, m, "Conferenced")));
    impl_->to_service(m, m.id, Ev(v, "onlineMeeting", v.href(conversation_path(m.id) + "/onlineMeeting"), "added")
                                   .embed(render_online_meeting(v, m)));
    impl_->to_service(m, m.id, Ev(v, "messaging", v.href(messaging_path(m.id)), "updated")
                                   .embed(render_messaging(v, m, false)));
    impl_->to_service(m, "", Ev(v, "onlineMeetingInvitation", inv_href, "completed")
                                 .success()
                                 .embed(render_meeting_invitation(v, m, InvitationState::connected)));
    return &m;
}

Status Platform::add_app_messaging(Conversation& m, const std::string& operation_id) {
    FlushOnExit flush{*impl_};
    if (m.app_messaging) {
        // The same operation again (a retry) succeeds again; another one is a conflict.
        if (!operation_id.empty() && operation_id == m.app_messaging_operation_id) return Ok{};
        return conflict("InvalidState", "messaging is already connected");
    }
    m.app_messaging = true;
    m.app_messaging_invitation_id = impl_->new_id();
    m.app_messaging_operation_id = operation_id;
    impl_->meeting_by_invitation[m.app_messaging_invitation_id] = m.id;
    const View v = impl_->service_view(m);
    const std::string href = v.href("/communication/messagingInvitations/" +
                                    m.app_messaging_invitation_id);
    impl_->to_service(m, "", Ev(v, "messagingInvitation", href, "started")
                                 .embed(render_add_messaging_invitation(v, m, InvitationState::connecting)));
    impl_->to_service(m, m.id, Ev(v, "messaging", v.href(messaging_path(m.id)), "updated")
                                   .embed(render_messaging(v, m, true)));
    impl_->to_service(m, "", Ev(v, "messagingInvitation", href, "completed")
                                 .success()
                                 .embed(render_add_messaging_invitation(v, m, InvitationState::connected)));
    return Ok{};
}

Status Platform::accept_and_bridge(Conversation& chat, Conversation& m,
                                   const std::string& impersonated_name) {
    FlushOnExit flush{*impl_};
    if (chat.invitation_state != InvitationState::connecting)
        return conflict("InvalidState", "the invitation is no longer pending");
    // A meeting bridges one live chat; once that chat has ended another may be bridged in.
    if (!m.bridged_chat_id.empty() && conversation(m.bridged_chat_id))
        return conflict("InvalidState", "the meeting already bridges a conversation");
    UcwaApp* visitor = ucwa_app(chat.visitor_app_id);
    TrustedApp* app = trusted_app(chat.trusted_app_id);
    if (!visitor || !app) return not_found("the visitor has gone");

    impl_->timers.erase("inv:" + chat.id);
    chat.invitation_state = InvitationState::connected;
    chat.meeting_id = m.id;
    m.bridged_chat_id = chat.id;
    if (!impersonated_name.empty()) m.impersonated_name = impersonated_name;

    // The application: the invitation completed, the bridge exists, the visitor is in.
    const View sv = impl_->service_view(chat);
    impl_->to_service(chat, "",
                      Ev(sv, "messagingInvitation",
                         sv.href("/communication/messagingInvitations/" + chat.invitation_id),
                         "completed")
                          .success()
                          .embed(render_incoming_invitation(sv, chat, visitor, *app)));
    const View mv = impl_->service_view(m);
    impl_->to_service(m, m.id, Ev(mv, "conversationBridge",
                                  mv.href(conversation_path(m.id) + "/conversationBridge"), "added")
                                   .in(mv, "conversation", mv.href(conversation_path(m.id)))
                                   .embed(render_bridge(mv, m)));
    impl_->to_service(m, m.id, Ev(mv, "participant",
                                  mv.href(conversation_path(m.id) + "/participants/" +
                                          participant_key(visitor->uri)),
                                  "added")
                                   .in(mv, "participants", mv.href(conversation_path(m.id) + "/participants"))
                                   .embed(render_participant(mv, m.id, visitor->uri, visitor->display_name)));
    const std::string vp = conversation_path(m.id) + "/participants/" + participant_key(visitor->uri);
    impl_->to_service(m, m.id, Ev(mv, "participantMessaging", mv.href(vp + "/messaging"), "added")
                                   .in(mv, "participant", mv.href(vp))
                                   .embed(render_participant_messaging(mv, m.id, visitor->uri, visitor->display_name)));

    // The visitor: connected, talking to the application under its impersonated name.
    const View vv = View::visitor(visitor->id);
    impl_->to_ucwa(*visitor, "",
                   Ev(vv, "messagingInvitation",
                      vv.href("/communication/messagingInvitations/" + chat.invitation_id),
                      "completed")
                       .success()
                       .embed(render_outgoing_invitation(vv, chat, m.impersonated_name)));
    impl_->to_ucwa(*visitor, chat.id, Ev(vv, "conversation", vv.href(conversation_path(chat.id)), "updated")
                                          .embed(render_conversation(vv, chat, "Connected")));
    impl_->to_ucwa(*visitor, chat.id, Ev(vv, "messaging", vv.href(messaging_path(chat.id)), "updated")
                                          .embed(render_messaging(vv, chat, true)));
    auto visitor_sees = [&](const std::string& uri, const std::string& name) {
        impl_->to_ucwa(*visitor, chat.id,
                       Ev(vv, "participant",
                          vv.href(conversation_path(chat.id) + "/participants/" + participant_key(uri)),
                          "added")
                           .in(vv, "participants", vv.href(conversation_path(chat.id) + "/participants"))
                           .embed(render_participant(vv, chat.id, uri,
                                                     impl_->shown_to_visitor(m, uri, name))));
    };
    visitor_sees(m.endpoint, m.impersonated_name);
    for (const auto& p : m.participants) {
        if (!impl_->filtered(m, p.uri)) visitor_sees(p.uri, p.name);
        if (UcwaApp* agent = ucwa_app(p.ucwa_app_id)) {
            const View av = View::agent(agent->id);
            impl_->to_ucwa(*agent, m.id,
                           Ev(av, "participant",
                              av.href(conversation_path(m.id) + "/participants/" +
                                      participant_key(visitor->uri)),
                              "added")
                               .embed(render_participant(av, m.id, visitor->uri, visitor->display_name)));
        }
    }
    return Ok{};
}

Status Platform::decline(Conversation& chat) {
    FlushOnExit flush{*impl_};
    if (chat.invitation_state != InvitationState::connecting)
        return conflict("InvalidState", "the invitation is no longer pending");
    const Error reason{403, "Forbidden", "Declined", "the service application declined the chat"};
    impl_->close_chat(chat, &reason);
    return Ok{};
}

Result<const BridgedParticipant*> Platform::add_bridged_participant(Conversation& m,
                                                                    const std::string& display_name,
                                                                    const std::string& uri,
                                                                    bool filter_enabled) {
    FlushOnExit flush{*impl_};
    if (m.bridged_chat_id.empty()) return not_found("the meeting has no conversation bridge");
    if (m.bridged(uri)) return conflict("AlreadyExists", "that participant is already bridged");
    if (meeting_headcount(*impl_, m) >= config_.limits.participants_per_meeting)
        return meeting_full(config_.limits.participants_per_meeting);
    m.bridged_participants.push_back(
        {std::to_string(m.next_bridged_participant++), display_name, uri, filter_enabled});
    const auto& bp = m.bridged_participants.back();
    const View v = impl_->service_view(m);
    const std::string base = conversation_path(m.id) + "/conversationBridge/bridgedParticipants";
    impl_->to_service(m, m.id, Ev(v, "bridgedParticipant", v.href(base + "/" + bp.id), "added")
                                   .in(v, "bridgedParticipants", v.href(base))
                                   .embed(render_bridged_participant(v, m, bp)));
    return &bp;
}

Status Platform::terminate_meeting(Conversation& m) {
    FlushOnExit flush{*impl_};
    const std::string meeting_id = m.id;
    if (Conversation* chat = conversation(m.bridged_chat_id)) impl_->close_chat(*chat, nullptr);
    Conversation* meeting = conversation(meeting_id);
    if (!meeting) return Ok{};
    for (auto* inv : impl_->invitations_of(meeting_id))
        if (inv->state == InvitationState::connecting)
            impl_->fail_participant_invitation(*inv, {410, "Gone", "ConversationEnded", "the meeting has ended"});
    for (const auto& p : meeting->participants) {
        UcwaApp* agent = ucwa_app(p.ucwa_app_id);
        if (!agent) continue;
        const View av = View::agent(agent->id);
        if (p.messaging)
            impl_->to_ucwa(*agent, meeting_id, Ev(av, "messaging", av.href(messaging_path(meeting_id)), "updated")
                                                   .embed(render_messaging(av, *meeting, false)));
        impl_->to_ucwa(*agent, "", Ev(av, "conversation", av.href(conversation_path(meeting_id)), "deleted"));
        auto& convs = agent->conversations;
        convs.erase(std::remove(convs.begin(), convs.end(), meeting_id), convs.end());
    }
    const View v = impl_->service_view(*meeting);
    impl_->to_service(*meeting, "", Ev(v, "conversation", v.href(conversation_path(meeting_id)), "deleted"));
    for (auto* inv : impl_->invitations_of(meeting_id)) {
        impl_->touch(*inv);
        const std::string id = inv->id;  // erasing destroys inv
        impl_->timers.erase("pinv:" + id);
        impl_->participant_invitations.erase(id);
    }
    impl_->invitations_by_meeting.erase(meeting_id);
    if (auto t = impl_->transcripts.find(meeting_id); t != impl_->transcripts.end()) {
        t->second.ended = now_ms();
        impl_->save_transcript_info(t->second);
        if (!impl_->store) impl_->memory_transcripts[meeting_id] = meeting->transcript;
    }
    impl_->remove_conversation(meeting_id);
    return Ok{};
}

}  // namespace carebridge::platform
