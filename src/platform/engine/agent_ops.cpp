// Agents ("SfB online users"): their UCWA application, the invitation into a meeting
// (steps 14-15), joining its messaging, and leaving.
#include <algorithm>

#include "platform/engine/capacity.hpp"
#include "platform/engine/engine_impl.hpp"
#include "platform/engine/persistence.hpp"

namespace carebridge::platform {

UcwaApp& Platform::create_agent_app(const app::AgentConfig& agent, const std::string& endpoint_id,
                                    bool& created) {
    // The same EndpointId gets the same application back (a restarted client resumes).
    if (auto known = impl_->agent_apps_by_uri.find(agent.uri); known != impl_->agent_apps_by_uri.end())
        for (const auto& id : known->second)
            if (UcwaApp* app = ucwa_app(id); app && app->owner == agent.uri && app->endpoint_id == endpoint_id) {
                created = false;
                return *app;
            }
    auto app = std::make_unique<UcwaApp>();
    app->id = impl_->new_id();
    app->kind = UcwaKind::agent;
    app->events = EventStream(persist::ucwa_stream(app->id));
    app->display_name = agent.display_name;
    app->uri = agent.uri;
    app->owner = agent.uri;
    app->endpoint_id = endpoint_id;
    UcwaApp& ref = *app;
    FlushOnExit flush{*impl_};
    impl_->touch(ref);
    impl_->index_agent_app(ref);
    impl_->ucwa_apps.emplace(app->id, std::move(app));
    created = true;
    return ref;
}

void Platform::set_available(UcwaApp& agent, bool available) {
    FlushOnExit flush{*impl_};
    agent.available = available;
    impl_->touch(agent);
}

Result<ParticipantInvitation*> Platform::add_participant(Conversation& m, const std::string& to,
                                                         const std::string& operation_id) {
    FlushOnExit flush{*impl_};
    // A repeated operation (a retry) gets the invitation it already made.
    if (!operation_id.empty())
        for (auto* known : impl_->invitations_of(m.id))
            if (known->operation_id == operation_id && known->to == to) return known;
    if (m.participant(to)) return conflict("AlreadyExists", "that participant is already in the meeting");
    if (meeting_headcount(*impl_, m) >= config_.limits.participants_per_meeting)
        return meeting_full(config_.limits.participants_per_meeting);
    auto owned = std::make_unique<ParticipantInvitation>();
    ParticipantInvitation& inv = *owned;
    inv.id = impl_->new_id();
    inv.meeting_id = m.id;
    inv.trusted_app_id = m.trusted_app_id;
    inv.to = to;
    inv.operation_id = operation_id;
    inv.created = now_ms();
    impl_->add_invitation(std::move(owned));
    impl_->touch(inv);

    const View v = impl_->service_view(m);
    impl_->to_service(m, "", Ev(v, "participantInvitation",
                                v.href("/communication/participantInvitations/" + inv.id), "started")
                                 .embed(render_participant_invitation(v, inv)));

    // The most recently created available application of that agent gets the invitation.
    UcwaApp* target = nullptr;
    if (auto known = impl_->agent_apps_by_uri.find(to); known != impl_->agent_apps_by_uri.end())
        for (auto id = known->second.rbegin(); id != known->second.rend() && !target; ++id)
            if (UcwaApp* app = ucwa_app(*id); app && app->kind == UcwaKind::agent && app->available) target = app;
    if (!target) {
        impl_->fail_participant_invitation(
            inv, {480, "RemoteFailure", "TemporarilyUnavailable",
                  agent_by_uri(to) ? "the agent is not available" : "no such user"});
        return &inv;
    }
    inv.agent_app_id = target->id;
    impl_->touch(inv);
    const View av = View::agent(target->id);
    impl_->to_ucwa(*target, "", Ev(av, "onlineMeetingInvitation",
                                   av.href("/communication/onlineMeetingInvitations/" + inv.id), "started")
                                    .embed(render_agent_invitation(av, inv, m, m.impersonated_name)));
    impl_->arm_participant_invitation_timeout(inv.id, inv.created + config_.invitation_timeout * 1000);
    return &inv;
}

void Platform::Impl::arm_participant_invitation_timeout(const std::string& inv_id, Millis due) {
    const auto delay = std::max<Millis>(0, due - self.now_ms());
    timers["pinv:" + inv_id] = self.scheduler_.after(std::chrono::milliseconds(delay), [this, inv_id] {
        FlushOnExit flush{*this};
        ParticipantInvitation* i = self.participant_invitation(inv_id);
        if (i && i->state == InvitationState::connecting)
            fail_participant_invitation(*i, {408, "Timeout", "NoAnswer", "the agent did not answer"});
    });
}

void Platform::Impl::fail_participant_invitation(ParticipantInvitation& inv, const Error& reason) {
    inv.state = InvitationState::failed;
    touch(inv);
    timers.erase("pinv:" + inv.id);
    Conversation* m = self.conversation(inv.meeting_id);
    if (!m) return;
    const View v = service_view(*m);
    to_service(*m, "", Ev(v, "participantInvitation",
                          v.href("/communication/participantInvitations/" + inv.id), "completed")
                           .failure(reason)
                           .embed(render_participant_invitation(v, inv)));
    if (UcwaApp* agent = self.ucwa_app(inv.agent_app_id)) {
        const View av = View::agent(agent->id);
        to_ucwa(*agent, "", Ev(av, "onlineMeetingInvitation",
                               av.href("/communication/onlineMeetingInvitations/" + inv.id), "completed")
                                .failure(reason)
                                .embed(render_agent_invitation(av, inv, *m, m->impersonated_name)));
    }
}

Status Platform::accept_invitation(UcwaApp& agent, ParticipantInvitation& inv) {
    FlushOnExit flush{*impl_};
    if (inv.state != InvitationState::connecting)
        return conflict("InvalidState", "the invitation is no longer pending");
    Conversation* m = conversation(inv.meeting_id);
    if (!m) return {Error{410, "Gone", "ConversationEnded", "the meeting has ended"}};
    if (m->participant(agent.uri)) return conflict("AlreadyExists", "already in the meeting");
    impl_->timers.erase("pinv:" + inv.id);
    inv.state = InvitationState::connected;
    impl_->touch(inv);
    m->participants.push_back({agent.uri, agent.display_name, agent.id, false});
    agent.conversations.push_back(m->id);

    const View av = View::agent(agent.id);
    impl_->to_ucwa(agent, "", Ev(av, "conversation", av.href(conversation_path(m->id)), "added")
                                  .embed(render_conversation(av, *m, "Conferenced")));
    impl_->to_ucwa(agent, "", Ev(av, "onlineMeetingInvitation",
                                 av.href("/communication/onlineMeetingInvitations/" + inv.id), "completed")
                                  .success()
                                  .embed(render_agent_invitation(av, inv, *m, m->impersonated_name)));
    impl_->to_ucwa(agent, m->id, Ev(av, "messaging", av.href(messaging_path(m->id)), "updated")
                                     .embed(render_messaging(av, *m, false)));
    auto agent_sees = [&](const std::string& uri, const std::string& name) {
        impl_->to_ucwa(agent, m->id,
                       Ev(av, "participant",
                          av.href(conversation_path(m->id) + "/participants/" + participant_key(uri)), "added")
                           .embed(render_participant(av, m->id, uri, name)));
    };
    agent_sees(m->endpoint, impl_->app_name(*m));
    UcwaApp* visitor = nullptr;
    if (Conversation* chat = conversation(m->bridged_chat_id)) {
        visitor = ucwa_app(chat->visitor_app_id);
        if (visitor) agent_sees(visitor->uri, visitor->display_name);
    }
    for (const auto& p : m->participants) {
        if (p.uri == agent.uri) continue;
        agent_sees(p.uri, p.name);
        if (UcwaApp* other = ucwa_app(p.ucwa_app_id)) {
            const View ov = View::agent(other->id);
            impl_->to_ucwa(*other, m->id,
                           Ev(ov, "participant",
                              ov.href(conversation_path(m->id) + "/participants/" + participant_key(agent.uri)),
                              "added")
                               .embed(render_participant(ov, m->id, agent.uri, agent.display_name)));
        }
    }
    const View sv = impl_->service_view(*m);
    impl_->to_service(*m, "", Ev(sv, "participantInvitation",
                                 sv.href("/communication/participantInvitations/" + inv.id), "completed")
                                  .success()
                                  .embed(render_participant_invitation(sv, inv)));
    impl_->to_service(*m, m->id,
                      Ev(sv, "participant",
                         sv.href(conversation_path(m->id) + "/participants/" + participant_key(agent.uri)),
                         "added")
                          .in(sv, "participants", sv.href(conversation_path(m->id) + "/participants"))
                          .embed(render_participant(sv, m->id, agent.uri, agent.display_name)));
    if (visitor && !impl_->filtered(*m, agent.uri)) {
        const View vv = View::visitor(visitor->id);
        const std::string& chat_id = m->bridged_chat_id;
        impl_->to_ucwa(*visitor, chat_id,
                       Ev(vv, "participant",
                          vv.href(conversation_path(chat_id) + "/participants/" + participant_key(agent.uri)),
                          "added")
                           .in(vv, "participants", vv.href(conversation_path(chat_id) + "/participants"))
                           .embed(render_participant(vv, chat_id, agent.uri,
                                                     impl_->shown_to_visitor(*m, agent.uri, agent.display_name))));
    }
    return Ok{};
}

Status Platform::decline_invitation(UcwaApp&, ParticipantInvitation& inv) {
    FlushOnExit flush{*impl_};
    if (inv.state != InvitationState::connecting)
        return conflict("InvalidState", "the invitation is no longer pending");
    impl_->fail_participant_invitation(inv, {403, "RemoteFailure", "Declined", "the agent declined"});
    return Ok{};
}

Status Platform::agent_add_messaging(UcwaApp& agent, Conversation& m) {
    FlushOnExit flush{*impl_};
    auto it = std::find_if(m.participants.begin(), m.participants.end(),
                           [&](const MeetingParticipant& p) { return p.uri == agent.uri; });
    if (it == m.participants.end()) return not_found("not a participant of this meeting");
    if (it->messaging) return conflict("InvalidState", "messaging is already connected");
    it->messaging = true;
    const View av = View::agent(agent.id);
    impl_->to_ucwa(agent, m.id, Ev(av, "messaging", av.href(messaging_path(m.id)), "updated")
                                    .embed(render_messaging(av, m, true)));
    const View sv = impl_->service_view(m);
    const std::string p = conversation_path(m.id) + "/participants/" + participant_key(agent.uri);
    impl_->to_service(m, m.id, Ev(sv, "participantMessaging", sv.href(p + "/messaging"), "added")
                                   .in(sv, "participant", sv.href(p))
                                   .embed(render_participant_messaging(sv, m.id, agent.uri, agent.display_name)));
    return Ok{};
}

Status Platform::agent_leave(UcwaApp& agent, Conversation& m) {
    FlushOnExit flush{*impl_};
    auto it = std::find_if(m.participants.begin(), m.participants.end(),
                           [&](const MeetingParticipant& p) { return p.uri == agent.uri; });
    if (it == m.participants.end()) return not_found("not a participant of this meeting");
    const bool had_messaging = it->messaging;
    m.participants.erase(it);
    impl_->clear_typing(m, agent.uri);
    auto& convs = agent.conversations;
    convs.erase(std::remove(convs.begin(), convs.end(), m.id), convs.end());

    const View av = View::agent(agent.id);
    if (had_messaging)
        impl_->to_ucwa(agent, m.id, Ev(av, "messaging", av.href(messaging_path(m.id)), "updated")
                                        .embed(render_messaging(av, m, false)));
    impl_->to_ucwa(agent, "", Ev(av, "conversation", av.href(conversation_path(m.id)), "deleted"));
    const std::string key = "/participants/" + participant_key(agent.uri);
    const View sv = impl_->service_view(m);
    if (had_messaging)
        impl_->to_service(m, m.id, Ev(sv, "participantMessaging",
                                      sv.href(conversation_path(m.id) + key + "/messaging"), "deleted")
                                       .in(sv, "participant", sv.href(conversation_path(m.id) + key)));
    impl_->to_service(m, m.id, Ev(sv, "participant", sv.href(conversation_path(m.id) + key), "deleted")
                                   .in(sv, "participants", sv.href(conversation_path(m.id) + "/participants")));
    for (const auto& p : m.participants)
        if (UcwaApp* other = ucwa_app(p.ucwa_app_id)) {
            const View ov = View::agent(other->id);
            impl_->to_ucwa(*other, m.id, Ev(ov, "participant", ov.href(conversation_path(m.id) + key), "deleted")
                                             .title(agent.display_name));
        }
    if (Conversation* chat = conversation(m.bridged_chat_id); chat && !impl_->filtered(m, agent.uri))
        if (UcwaApp* visitor = ucwa_app(chat->visitor_app_id)) {
            const View vv = View::visitor(visitor->id);
            impl_->to_ucwa(*visitor, chat->id,
                           Ev(vv, "participant", vv.href(conversation_path(chat->id) + key), "deleted")
                               .title(impl_->shown_to_visitor(m, agent.uri, agent.display_name)));
        }
    return Ok{};
}

void Platform::delete_ucwa_app(UcwaApp& app) {
    const std::string id = app.id;
    const auto convs = app.conversations;
    for (const auto& cid : convs) {
        Conversation* c = conversation(cid);
        if (!c) continue;
        if (app.kind == UcwaKind::visitor) (void)end_chat(*c, "deleted");
        else (void)agent_leave(app, *c);
    }
    auto it = impl_->ucwa_apps.find(id);
    if (it == impl_->ucwa_apps.end()) return;
    auto owned = std::move(it->second);
    impl_->ucwa_apps.erase(it);
    if (owned->kind == UcwaKind::agent) impl_->unindex_agent_app(*owned);
    FlushOnExit flush{*impl_};
    impl_->touch(*owned);
    impl_->extra.dropped_streams.push_back(owned->events.name());
    if (owned->kind == UcwaKind::visitor) impl_->visitor_by_token.erase(owned->owner);
    impl_->visitor_polls.erase(id);
    impl_->dirty.erase(&owned->events);
    owned->events.wake();  // parked polls find the application gone
}

void Platform::Impl::unindex_agent_app(const UcwaApp& a) {
    auto it = agent_apps_by_uri.find(a.uri);
    if (it == agent_apps_by_uri.end()) return;
    std::erase(it->second, a.id);
    if (it->second.empty()) agent_apps_by_uri.erase(it);
}

}  // namespace carebridge::platform
