// Durable before acknowledged: every operation's changes (entity snapshots, new events,
// transcript messages) go to the store as one batch; its events become visible to long-polls
// and its callbacks are queued only once the batch is committed, in submission order. HTTP
// answers to writes wait for the same commit (when_durable).
#include <cstdlib>
#include <string_view>

#include "common/log.hpp"

#include "platform/engine/engine_impl.hpp"
#include "platform/engine/persistence.hpp"

namespace carebridge::platform {

namespace {
// Tests run the real binary with CAREBRIDGE_AUDIT_SNAPSHOTS=1 (tests/CMakeLists.txt): every
// flush then checks that no application or conversation changed without being marked (touch),
// which would leave its stored snapshot stale after a restart (operations that mark none, such
// as a message, rely on this: SnapshotsUnchanged). It encodes every live entity: tests only.
bool audit_snapshots() {
    static const bool on = [] {
        const char* v = std::getenv("CAREBRIDGE_AUDIT_SNAPSHOTS");
        return v != nullptr && *v != '\0' && std::string_view(v) != "0";
    }();
    return on;
}
}  // namespace

void Platform::Impl::audit_unmarked_snapshots() const {
    const std::hash<std::string_view> hash;
    auto check = [&](const char* kind, const std::string& id, const std::string& data) {
        const auto it = saved_snapshots.find(std::string(kind) + "/" + id);
        if (it == saved_snapshots.end() || it->second.without_counter == hash(persist::without_counter(data))) return;
        log::error("snapshot changed without being marked (it would be stale after a restart)",
                   {{"kind", kind}, {"id", id}});
        std::abort();
    };
    for (const auto& [id, app] : ucwa_apps)
        if (!dirty_apps.contains(id)) check(persist::kUcwaApp, id, persist::encode(*app));
    for (const auto& [id, c] : conversations)
        if (!dirty_conversations.contains(id)) check(persist::kConversation, id, persist::encode(*c));
}

EventStream* Platform::Impl::stream_by_name(const std::string& name) {
    if (name.rfind("ucwa:", 0) == 0) {
        UcwaApp* a = self.ucwa_app(name.substr(5));
        return a ? &a->events : nullptr;
    }
    if (name.rfind("app:", 0) == 0) {
        TrustedApp* a = self.trusted_app(name.substr(4));
        return a ? &a->events : nullptr;
    }
    return nullptr;
}

bool Platform::Impl::snapshot_changed(const char* kind, const std::string& id, const std::string& data,
                                      bool counter_too) {
    const std::hash<std::string_view> hash;
    const SavedSnapshot now{hash(persist::without_counter(data)), hash(data)};
    auto [it, fresh] = saved_snapshots.try_emplace(std::string(kind) + "/" + id, now);
    if (fresh) return true;
    if (it->second.without_counter == now.without_counter && (!counter_too || it->second.whole == now.whole))
        return false;
    it->second = now;
    return true;
}

store::Batch Platform::Impl::collect() {
    if (audit_snapshots()) audit_unmarked_snapshots();
    store::Batch b = std::exchange(extra, {});
    // Callback routing of the Service Application's new events goes with them. An operation
    // queues a few callbacks at most: a scan finds an event's (no map of string keys built
    // per operation).
    auto routing = [&](const std::string& stream, std::uint64_t position) -> const PendingCallback* {
        const std::string_view prefix = persist::kServiceStreamPrefix;
        if (stream.compare(0, prefix.size(), prefix) != 0) return nullptr;
        const std::string_view app = std::string_view(stream).substr(prefix.size());
        for (const auto& c : pending_callbacks)
            if (c.position == position && c.app_id == app) return &c;
        return nullptr;
    };
    static const std::string kNone;
    for (EventStream* s : dirty) {
        for (const StoredEvent* e : s->read_all(s->unsaved_from(), s->next_position())) {
            const PendingCallback* c = routing(s->name(), e->position);
            b.appends.push_back({s->name(), e->position, persist::encode(*e, c ? c->queue : kNone, c ? c->url : kNone)});
        }
        s->mark_saved();
    }
    // Every event touches its receiver's application and conversation, but most change only
    // their counter: those are not written again (a put of each per message was a fifth of
    // the bytes written and dirtied pages all over the snapshots table).
    auto put_if_changed = [&](const char* kind, const std::string& id, const auto* entity) {
        if (entity) {
            if (std::string data = persist::encode(*entity); snapshot_changed(kind, id, data, false))
                b.puts.push_back({kind, id, std::move(data)});
        } else {
            saved_snapshots.erase(std::string(kind) + "/" + id);
            b.erases.emplace_back(kind, id);
        }
    };
    for (const auto& id : std::exchange(dirty_apps, {})) put_if_changed(persist::kUcwaApp, id, self.ucwa_app(id));
    for (const auto& id : std::exchange(dirty_conversations, {}))
        put_if_changed(persist::kConversation, id, self.conversation(id));
    for (const auto& id : std::exchange(dirty_invitations, {})) {
        if (auto* i = self.participant_invitation(id)) b.puts.push_back({persist::kParticipantInvitation, id, persist::encode(*i)});
        else b.erases.emplace_back(persist::kParticipantInvitation, id);
    }
    return b;
}

void Platform::Impl::flush() {
    if (!store) {
        // In memory only: nothing to encode (it cost a tenth of the CPU per message), publish now.
        std::vector<std::pair<std::string, std::uint64_t>> publish;
        for (EventStream* s : std::exchange(dirty, {})) {
            s->mark_saved();
            publish.emplace_back(s->name(), s->next_position());
        }
        // By name: a woken reader may end what owns another stream.
        for (const auto& [name, end] : publish)
            if (EventStream* s = stream_by_name(name)) {
                s->publish_through(end);
                s->wake();
            }
        extra = {};
        dirty_apps.clear();
        dirty_conversations.clear();
        dirty_invitations.clear();
        for (const auto& c : std::exchange(pending_callbacks, {}))
            if (TrustedApp* app = self.trusted_app(c.app_id)) self.callbacks_.enqueue(*app, c.queue, c.url, c.position);
        for (const auto& q : std::exchange(pending_forgets, {})) self.callbacks_.forget(q);
        return;
    }
    InFlight f;
    for (EventStream* s : dirty) f.publish.emplace_back(s->name(), s->next_position());
    store::Batch batch = collect();
    const bool nothing_to_store = batch.empty();
    f.batch = std::make_shared<const store::Batch>(std::move(batch));
    dirty.clear();
    f.callbacks = std::exchange(pending_callbacks, {});
    f.forgets = std::exchange(pending_forgets, {});
    if (!store || nothing_to_store) {
        // Nothing to make durable (or no store): publish at once, behind earlier batches.
        if (in_flight.empty()) {
            for (const auto& [name, end] : f.publish)
                if (EventStream* s = stream_by_name(name)) {
                    s->publish_through(end);
                    s->wake();
                }
            for (const auto& c : f.callbacks)
                if (TrustedApp* app = self.trusted_app(c.app_id)) self.callbacks_.enqueue(*app, c.queue, c.url, c.position);
            for (const auto& q : f.forgets) self.callbacks_.forget(q);
            return;
        }
        f.done = true;
    }
    f.ticket = next_ticket++;
    in_flight.push_back(std::move(f));
    if (!in_flight.back().done) submit(in_flight.back());
}

void Platform::Impl::submit(InFlight& f) {
    ++f.attempts;
    f.submitted = std::chrono::steady_clock::now();
    const std::uint64_t ticket = f.ticket;
    // The store calls back on its writer thread; hop to ours.
    store->commit(f.batch, [this, ticket](const std::string& error) {
        self.scheduler_.post([this, ticket, error] { on_committed(ticket, error); });
    });
}

void Platform::Impl::on_committed(std::uint64_t ticket, const std::string& error) {
    auto it = std::find_if(in_flight.begin(), in_flight.end(), [&](const InFlight& f) { return f.ticket == ticket; });
    if (it == in_flight.end()) return;
    if (!error.empty()) {
        if (healthy) log::error("store write failed, answering 503 to writes until it recovers", {{"error", error}});
        healthy = false;
        it->failed = true;
        for (auto& w : std::exchange(it->waiters, {})) w(false);
        // Keep the batch and retry: memory already holds its effects, the disk must follow.
        if (!retry_timer)
            retry_timer = self.scheduler_.after(std::chrono::milliseconds(1000), [this] {
                retry_timer.reset();
                for (auto& f : in_flight)
                    if (!f.done) submit(f);
            });
        return;
    }
    it->done = true;
    it->failed = false;
    commit_latency.observe(std::chrono::duration<double>(std::chrono::steady_clock::now() - it->submitted).count());
    // Healthy again only once no failed batch is left: a later small batch may fit where a
    // failed one did not.
    const bool all_ok = std::none_of(in_flight.begin(), in_flight.end(), [](const InFlight& f) { return f.failed; });
    if (!healthy && all_ok) log::info("store writes recovered");
    healthy = all_ok;
    for (auto& w : std::exchange(it->waiters, {})) w(true);
    publish_ready();
}

void Platform::Impl::publish_ready() {
    while (!in_flight.empty() && in_flight.front().done) {
        InFlight f = std::move(in_flight.front());
        in_flight.pop_front();
        for (auto& w : f.waiters) w(true);
        for (const auto& [name, end] : f.publish)
            if (EventStream* s = stream_by_name(name)) {
                s->publish_through(end);
                s->wake();
            }
        for (const auto& c : f.callbacks)
            if (TrustedApp* app = self.trusted_app(c.app_id)) self.callbacks_.enqueue(*app, c.queue, c.url, c.position);
        for (const auto& q : f.forgets) self.callbacks_.forget(q);
    }
}

void Platform::when_durable(std::function<void(bool ok)> fn) {
    // Batches commit in order, so waiting for the newest one covers this request's writes.
    for (auto it = impl_->in_flight.rbegin(); it != impl_->in_flight.rend(); ++it)
        if (!it->done) {
            it->waiters.push_back(std::move(fn));
            return;
        }
    fn(true);
}

void Platform::Impl::save_callback_progress(const std::string& queue, std::uint64_t delivered,
                                            const std::string& context) {
    StoredQueue& stored = stored_queues[queue];
    // Delivery goes on after a conversation ends (its last events): the application is known
    // from when it was live.
    if (const Conversation* c = self.conversation(queue)) stored.app = c->trusted_app_id;
    stored.delivered = delivered;
    extra.puts.push_back({persist::kCallbackQueue, queue, persist::encode(persist::CallbackQueueState{delivered, context, stored.app})});
}

void Platform::Impl::erase_finished_callback_queues() {
    // Safe to forget a queue's progress once nothing it covered is left in the store: after a
    // restart, a queue without a snapshot starts from position 0, which re-sends nothing that
    // is truncated. Its CallbackContext is needed only while it has callbacks to send.
    auto truncated_through = [&](const StoredQueue& q) {
        if (const TrustedApp* app = self.trusted_app(q.app)) return app->events.stored_from() > q.delivered;
        if (!q.app.empty()) return true;  // the application itself is gone
        // Written before the application was kept: every stream must be past it.
        for (const auto& [id, app] : trusted_apps)
            if (app->events.stored_from() <= q.delivered) return false;
        return true;
    };
    for (auto it = stored_queues.begin(); it != stored_queues.end();) {
        if (!self.conversation(it->first) && !self.callbacks_.has_queue(it->first) && truncated_through(it->second)) {
            // A batch applies its puts after its erases: a mark still waiting would bring it back.
            std::erase_if(extra.puts, [&](const store::Snapshot& s) {
                return s.key == it->first && s.kind == persist::kCallbackQueue;
            });
            extra.erases.emplace_back(persist::kCallbackQueue, it->first);
            it = stored_queues.erase(it);
        } else {
            ++it;
        }
    }
}

bool Platform::store_healthy() const { return impl_->healthy; }

Platform::OpsStats Platform::ops_stats() const {
    OpsStats s;
    for (const auto& [id, c] : impl_->conversations)
        ++(c->kind == ConversationKind::visitor_chat ? s.live_chats : s.live_meetings);
    for (const auto& [id, a] : impl_->ucwa_apps) ++(a->kind == UcwaKind::visitor ? s.visitor_apps : s.agent_apps);
    s.batches_in_flight = impl_->in_flight.size();
    s.chats_timed_out = impl_->chats_timed_out;
    if (impl_->store) {
        s.commit_latency = &impl_->commit_latency;
        s.store = impl_->store->stats();
    }
    return s;
}

void Platform::on_callback_delivered(const std::string& queue, std::uint64_t last, const std::string& context) {
    // What was delivered to every queue leaves memory once a second (first_pending is a scan).
    if (!impl_->trim_timer)
        impl_->trim_timer = scheduler_.after(std::chrono::seconds(1), [this] {
            impl_->trim_timer.reset();
            impl_->trim_service_streams();
        });
    if (!impl_->store) return;
    impl_->save_callback_progress(queue, last, context);
    // A progress mark (losing it only means a callback is sent again): it rides with the next
    // batch, or goes alone shortly; a commit per delivered callback doubled the commits.
    if (!impl_->delivered_timer)
        impl_->delivered_timer = scheduler_.after(std::chrono::milliseconds(50), [this] {
            impl_->delivered_timer.reset();
            impl_->flush();
        });
}

}  // namespace carebridge::platform
