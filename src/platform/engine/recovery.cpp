// Start-up from the store (every live chat comes back: applications, conversations, event
// streams with their positions, unacknowledged callbacks), transcripts kept after a meeting
// ends, and housekeeping (compaction of read events, expiry of old transcripts).
#include "common/log.hpp"

#include <boost/json.hpp>

#include "platform/engine/engine_impl.hpp"
#include "platform/engine/persistence.hpp"

namespace carebridge::platform {

namespace {
constexpr std::size_t kChunk = 4096;
}  // namespace

void Platform::Impl::save_transcript_info(const TranscriptInfo& t) {
    if (!store) return;
    boost::json::object o{{"meeting", t.meeting_id}, {"app", t.trusted_app_id}, {"subject", t.subject},
                          {"created", t.created}, {"ended", t.ended}};
    extra.puts.push_back({persist::kTranscript, t.meeting_id, boost::json::serialize(o)});
}

void Platform::restore() {
    if (!impl_->store) return;
    store::Store& st = *impl_->store;
    for (const auto& s : st.load(persist::kUcwaApp))
        if (auto a = persist::decode_ucwa_app(s.data)) {
            auto app = std::make_unique<UcwaApp>(std::move(*a));
            app->events = EventStream(persist::ucwa_stream(app->id));
            if (app->kind == UcwaKind::visitor) impl_->visitor_by_token[app->owner] = app->id;
            else impl_->index_agent_app(*app);
            impl_->ucwa_apps.emplace(app->id, std::move(app));
        }
    for (const auto& s : st.load(persist::kConversation))
        if (auto c = persist::decode_conversation(s.data)) {
            auto conv = std::make_unique<Conversation>(std::move(*c));
            if (!conv->invitation_id.empty()) impl_->chat_by_invitation[conv->invitation_id] = conv->id;
            if (!conv->meeting_invitation_id.empty()) impl_->meeting_by_invitation[conv->meeting_invitation_id] = conv->id;
            if (!conv->app_messaging_invitation_id.empty()) impl_->meeting_by_invitation[conv->app_messaging_invitation_id] = conv->id;
            if (!conv->online_meeting_uri.empty()) impl_->meeting_by_uri[conv->online_meeting_uri] = conv->id;
            if (conv->kind == ConversationKind::meeting && !conv->operation_id.empty())
                impl_->meeting_by_operation[Impl::operation_key(*conv)] = conv->id;
            impl_->add_conversation(std::move(conv));
        }
    for (const auto& s : st.load(persist::kParticipantInvitation))
        if (auto i = persist::decode_participant_invitation(s.data))
            impl_->add_invitation(std::make_unique<ParticipantInvitation>(std::move(*i)));
    for (const auto& s : st.load(persist::kTranscript)) {
        boost::system::error_code ec;
        auto v = boost::json::parse(s.data, ec);
        if (ec || !v.is_object()) continue;
        const auto& o = v.as_object();
        TranscriptInfo t{s.key, std::string(o.at("app").as_string()), std::string(o.at("subject").as_string()),
                         o.at("created").to_number<Millis>(), o.at("ended").to_number<Millis>()};
        impl_->transcripts[s.key] = t;
    }

    // Which callbacks each queue has delivered (stored_queues), and its CallbackContext.
    for (const auto& s : st.load(persist::kCallbackQueue)) {
        auto q = persist::decode_callback_queue(s.data);
        if (!q) continue;
        const Conversation* c = conversation(s.key);
        impl_->stored_queues[s.key] = {c && q->app.empty() ? c->trusted_app_id : q->app, q->delivered};
        if (!q->context.empty()) callbacks_.set_context(s.key, q->context);
    }

    auto delivered_through = [&](const std::string& queue) -> std::uint64_t {
        const auto it = impl_->stored_queues.find(queue);
        return it == impl_->stored_queues.end() ? 0 : it->second.delivered;
    };

    // Event streams, with their positions: clients resume with the `next` they hold.
    for (const auto& [name, last] : st.streams()) {
        EventStream* stream = impl_->stream_by_name(name);
        if (name.rfind("transcript:", 0) == 0) {
            Conversation* m = conversation(name.substr(11));
            if (!m) continue;
            for (std::uint64_t from = 1; from <= last;) {
                auto records = st.read(name, from, kChunk);
                if (records.empty()) break;
                for (const auto& r : records)
                    if (auto msg = persist::decode_message(r.data)) m->transcript.push_back(std::move(*msg));
                from = records.back().position + 1;
            }
            // The snapshot is not rewritten for each message (persist::without_counter).
            m->next_message = std::max(m->next_message, last + 1);
            continue;
        }
        if (!stream) continue;
        TrustedApp* app = name.rfind("app:", 0) == 0 ? trusted_app(name.substr(4)) : nullptr;
        for (std::uint64_t from = 0; from <= last;) {
            auto records = st.read(name, from, kChunk);
            if (records.empty()) break;
            for (const auto& r : records) {
                auto rec = persist::decode_event(r.position, r.data);
                if (!rec) continue;
                stream->restore(std::move(rec->event));
                // Callbacks the Service Application has not acknowledged go out again, in
                // order, with the same positions (their ids).
                if (app && !rec->queue.empty() && r.position > delivered_through(rec->queue))
                    callbacks_.enqueue(*app, rec->queue, rec->url, r.position);
            }
            from = records.back().position + 1;
        }
    }

    // Queues of conversations that ended: dropped once they have sent what is left (their
    // context was restored above only for that).
    for (const auto& [queue, q] : impl_->stored_queues)
        if (!conversation(queue)) callbacks_.forget(queue);

    // Timers of pending invitations resume with what is left of their time.
    for (auto& [id, c] : impl_->conversations)
        if (c->kind == ConversationKind::visitor_chat && c->invitation_state == InvitationState::connecting)
            impl_->arm_invitation_timeout(id, c->created + config_.invitation_timeout * 1000);
    for (auto& [id, i] : impl_->participant_invitations)
        if (i->state == InvitationState::connecting)
            impl_->arm_participant_invitation_timeout(id, i->created + config_.invitation_timeout * 1000);
    log::info("restored from the store", {{"applications", std::to_string(impl_->ucwa_apps.size())},
                                          {"conversations", std::to_string(impl_->conversations.size())},
                                          {"undelivered_callback_events", std::to_string(callbacks_.pending())}});
}

const Platform::TranscriptInfo* Platform::transcript_info(const std::string& meeting_id) const {
    auto it = impl_->transcripts.find(meeting_id);
    return it == impl_->transcripts.end() ? nullptr : &it->second;
}

std::vector<Message> Platform::transcript_messages(const std::string& meeting_id) {
    if (Conversation* m = conversation(meeting_id)) return m->transcript;
    if (!impl_->store) {
        auto it = impl_->memory_transcripts.find(meeting_id);
        return it == impl_->memory_transcripts.end() ? std::vector<Message>{} : it->second;
    }
    std::vector<Message> out;
    const std::string stream = persist::transcript_stream(meeting_id);
    for (std::uint64_t from = 1;;) {
        auto records = impl_->store->read(stream, from, kChunk);
        if (records.empty()) break;
        for (const auto& r : records)
            if (auto msg = persist::decode_message(r.data)) out.push_back(std::move(*msg));
        from = records.back().position + 1;
    }
    return out;
}

void Platform::delete_transcript(const std::string& meeting_id) {
    FlushOnExit flush{*impl_};
    impl_->transcripts.erase(meeting_id);
    impl_->memory_transcripts.erase(meeting_id);
    if (Conversation* m = conversation(meeting_id)) {
        m->transcript.clear();
        // Its nextMessage can no longer be read from the transcript after a restart: write it.
        impl_->saved_snapshots.erase(std::string(persist::kConversation) + "/" + meeting_id);
        impl_->touch(*m);
    }
    impl_->extra.erases.emplace_back(persist::kTranscript, meeting_id);
    impl_->extra.dropped_streams.push_back(persist::transcript_stream(meeting_id));
}

void Platform::housekeeping() {
    FlushOnExit flush{*impl_};
    const Millis now = now_ms();
    const Millis keep_events_since = now - config_.event_retention * 1000;
    auto compact = [&](EventStream& s, std::uint64_t read_by_all) {
        std::uint64_t bound = std::min(read_by_all, s.unsaved_from());
        // Keep events younger than the retention even if read: a client may re-read them.
        for (const auto* e : s.read_all(s.first_position(), bound))
            if (e->time > keep_events_since) {
                bound = e->position;
                break;
            }
        if (bound > s.first_position()) s.compact_before(bound);
        // Memory may already have dropped read events (read_events.cpp): the store follows.
        if (impl_->store && s.first_position() > s.stored_from()) {
            impl_->extra.truncations.emplace_back(s.name(), s.first_position());
            s.set_stored_from(s.first_position());
        }
    };
    for (auto& [id, app] : impl_->ucwa_apps) {
        compact(app->events, app->acked);
        // acked is not written with every read (see persist::without_counter): now it is.
        if (impl_->store)
            if (std::string data = persist::encode(*app); impl_->snapshot_changed(persist::kUcwaApp, id, data, true))
                impl_->extra.puts.push_back({persist::kUcwaApp, id, std::move(data)});
    }
    // Delivered callbacks' events also leave memory here: the trim after deliveries
    // (on_callback_delivered) runs only while callbacks flow.
    impl_->trim_service_streams();
    for (auto& [id, app] : impl_->trusted_apps) compact(app->events, callbacks_.first_pending(*app));
    if (impl_->store) impl_->erase_finished_callback_queues();

    const Millis expired_before = now - config_.transcript_retention * 1000;
    std::vector<std::string> expired;
    for (const auto& [id, t] : impl_->transcripts)
        if (t.ended != 0 && t.ended < expired_before) expired.push_back(id);
    for (const auto& id : expired) delete_transcript(id);
}

}  // namespace carebridge::platform
