#pragma once
// Private state of the engine and the helpers every operation uses to emit events.
#include <deque>
#include <set>
#include <unordered_map>

#include <boost/json.hpp>

#include "platform/engine/platform.hpp"
#include "store/store.hpp"

namespace carebridge::platform {

// One event object: {"link", "in"?, "_embedded"?, "status"?, "reason"?, "type"}, written as
// JSON text once, when it is appended to its receiver's stream.
class Ev {
public:
    Ev(const View& v, std::string_view rel, std::string href, const char* type);
    Ev& title(std::string t) &;
    Ev& in(const View& v, std::string_view rel, std::string href) &;
    Ev& embed(const json::object& resource) &;                   // serialized here, once
    Ev& embed(std::string_view rel, std::string resource_json) &;  // already JSON text
    Ev& success() &;
    Ev& failure(const Error& reason) &;
    Ev& reason(const Error& why) &;  // why something ended, without a status (inactivity)
    // Medium urgency (event_stream.hpp): held on a UCWA channel to ride with the next event.
    Ev& medium() & { urgency_ = Urgency::medium; return *this; }
    // On a temporary (`to_ucwa(..., Ev(...).embed(r))`) the chain stays an rvalue, so the event
    // is moved into its receiver, not copied (a json::object copy per event was 3% of a chat's
    // set-up).
    Ev&& title(std::string t) && { return std::move(title(std::move(t))); }
    Ev&& in(const View& v, std::string_view rel, std::string href) && { return std::move(in(v, rel, std::move(href))); }
    Ev&& embed(const json::object& resource) && { return std::move(embed(resource)); }
    Ev&& embed(std::string_view rel, std::string resource_json) && {
        return std::move(embed(rel, std::move(resource_json)));
    }
    Ev&& success() && { return std::move(success()); }
    Ev&& failure(const Error& why) && { return std::move(failure(why)); }
    Ev&& reason(const Error& why) && { return std::move(reason(why)); }
    Ev&& medium() && { return std::move(medium()); }
    std::string render() const;
    Urgency urgency() const { return urgency_; }

private:
    std::string link_rel_, link_href_, link_title_;
    bool has_title_ = false;
    std::string in_rel_, in_href_;  // empty: no "in"
    std::string embedded_rel_, embedded_;  // empty: nothing embedded
    const char* status_ = nullptr;
    bool has_reason_ = false;
    Error reason_;
    const char* type_;
    Urgency urgency_ = Urgency::high;
};

struct Platform::Impl {
    explicit Impl(Platform& p) : self(p) {}
    Platform& self;

    std::map<std::string, std::unique_ptr<TrustedApp>> trusted_apps;
    std::unordered_map<std::string, std::unique_ptr<UcwaApp>> ucwa_apps;
    std::unordered_map<std::string, std::string> visitor_by_token;  // jti -> app id
    // Agent uri -> its applications' ids, oldest first: inviting an agent and resuming a console
    // looked at every application (visitors too), which made set-up O(chats^2).
    std::unordered_map<std::string, std::vector<std::string>> agent_apps_by_uri;
    void index_agent_app(const UcwaApp& a) { agent_apps_by_uri[a.uri].push_back(a.id); }
    void unindex_agent_app(const UcwaApp& a);
    std::unordered_map<std::string, std::unique_ptr<Conversation>> conversations;
    std::unordered_map<std::string, std::string> chat_by_invitation;       // -> chat id
    std::unordered_map<std::string, std::string> meeting_by_invitation;    // -> meeting id
    std::unordered_map<std::string, std::string> meeting_by_uri;           // -> meeting id
    // "<application id>\n<operationId>" -> meeting id: a repeated startAdhocMeeting (a client
    // retrying after a lost answer) gets the meeting it already started.
    std::unordered_map<std::string, std::string> meeting_by_operation;
    static std::string operation_key(const Conversation& m) { return m.trusted_app_id + "\n" + m.operation_id; }
    std::unordered_map<std::string, std::unique_ptr<ParticipantInvitation>> participant_invitations;
    // Meeting id -> its invitations' ids, and application id -> its visitor chats not ended:
    // adding an agent and starting a chat used to scan every invitation / conversation, which
    // made set-up slow down with the number of open chats.
    std::unordered_map<std::string, std::vector<std::string>> invitations_by_meeting;
    std::vector<ParticipantInvitation*> invitations_of(const std::string& meeting_id) const;
    void add_invitation(std::unique_ptr<ParticipantInvitation> inv);
    std::unordered_map<std::string, std::size_t> live_chats_by_app;
    void add_conversation(std::unique_ptr<Conversation> c);
    std::unordered_map<std::string, net::TimerPtr> timers;  // invitation / typing timeouts
    std::map<std::string, TranscriptInfo> transcripts;      // by meeting id
    std::map<std::string, std::vector<Message>> memory_transcripts;  // ended ones, no store
    void save_transcript_info(const TranscriptInfo& t);
    void arm_invitation_timeout(const std::string& chat_id, Millis due);
    void arm_participant_invitation_timeout(const std::string& inv_id, Millis due);

    // --- what the current operation changed, saved and published by flush() ---
    store::Store* store = nullptr;            // null: in memory only
    std::set<EventStream*> dirty;             // streams with new events
    std::set<std::string> dirty_apps, dirty_conversations, dirty_invitations;  // ids (gone: erase)
    store::Batch extra;                       // transcript records, erases, truncations
    // Hashes of the last written snapshot of each UCWA application and conversation ("kind/id"):
    // of its encoding without the counter, and of all of it.
    struct SavedSnapshot {
        std::size_t without_counter = 0, whole = 0;
    };
    std::unordered_map<std::string, SavedSnapshot> saved_snapshots;
    // The "callback_queue" snapshots the store holds, by conversation id: which application's
    // stream the queue's events are in and how far they were delivered. Housekeeping erases
    // one once its conversation and queue are gone and its events truncated
    // (erase_finished_callback_queues); before, one stayed for every conversation ever.
    struct StoredQueue {
        std::string app;
        std::uint64_t delivered = 0;
    };
    std::unordered_map<std::string, StoredQueue> stored_queues;
    void save_callback_progress(const std::string& queue, std::uint64_t delivered, const std::string& context);
    void erase_finished_callback_queues();
    // Whether data differs from what was last written for it (counters included, or not),
    // remembering data as written if so.
    bool snapshot_changed(const char* kind, const std::string& id, const std::string& data, bool counter_too);
    void audit_unmarked_snapshots() const;  // aborts on a change no touch() marked (tests)
    struct PendingCallback {
        std::string app_id, queue, url;
        std::uint64_t position = 0;
    };
    std::vector<PendingCallback> pending_callbacks;
    std::vector<std::string> pending_forgets;  // callback queues of ended conversations

    // --- batches handed to the store, published in order once durable ---
    struct InFlight {
        std::uint64_t ticket = 0;
        std::shared_ptr<const store::Batch> batch;  // kept to retry after a failure
        std::vector<std::pair<std::string, std::uint64_t>> publish;  // stream name -> end
        std::vector<PendingCallback> callbacks;
        std::vector<std::string> forgets;
        std::vector<std::function<void(bool)>> waiters;
        bool done = false;
        bool failed = false;  // its last commit failed; retried until it succeeds
        int attempts = 0;
        std::chrono::steady_clock::time_point submitted;  // of the last attempt (metrics)
    };
    std::deque<InFlight> in_flight;
    std::uint64_t next_ticket = 1;
    bool healthy = true;
    net::TimerPtr retry_timer;
    net::TimerPtr delivered_timer;     // flushes callback progress marks nothing else carried
    net::TimerPtr trim_timer;          // drops delivered events of the applications' streams
    // Forgets read events before read_by_all but the newest config.read_events_kept (at least
    // that many again are dropped at a time, so it runs once per so many events).
    void trim_read_events(EventStream& s, std::uint64_t read_by_all);
    void trim_service_streams();
    Histogram commit_latency;          // submit -> commit, successful attempts
    std::uint64_t chats_timed_out = 0;

    // Emitters. `conversation_id` empty: the sender is "communication".
    void to_ucwa(UcwaApp& app, const std::string& conversation_id, Ev ev);
    void to_service(const Conversation& queue_conv, const std::string& conversation_id, Ev ev);
    // Above zero while an operation emits events that change no snapshot (a message, typing):
    // to_ucwa / to_service then leave their receivers unmarked, which collect() would otherwise
    // encode only to find unchanged (most of a message's durability work). SnapshotsUnchanged
    // sets it.
    int snapshots_unchanged = 0;
    void touch(const Conversation& c) { dirty_conversations.insert(c.id); }
    void touch(const UcwaApp& a) { dirty_apps.insert(a.id); }
    void touch(const ParticipantInvitation& i) { dirty_invitations.insert(i.id); }
    void flush();
    store::Batch collect();
    void submit(InFlight& f);
    void on_committed(std::uint64_t ticket, const std::string& error);
    void publish_ready();
    EventStream* stream_by_name(const std::string& name);

    View service_view(const Conversation& c) const { return View::service(c.trusted_app_id, c.endpoint); }
    std::string new_id() const;
    const std::string& app_name(const Conversation& c);
    void remove_conversation(const std::string& id);
    // The visitor's chat ends (any cause); emits to visitor and application. `ended` (the
    // platform ended it, e.g. inactivity) is carried as `reason` by the ending events.
    void close_chat(Conversation& chat, const Error* failure, const Error* ended = nullptr);

    // --- inactivity (inactivity.cpp) ---
    struct VisitorPolls {
        int parked = 0;     // event channel requests waiting now
        Millis last = 0;    // last time a request started or ended
    };
    std::unordered_map<std::string, Millis> chat_activity;      // chat id -> last message (or start)
    std::unordered_map<std::string, VisitorPolls> visitor_polls; // visitor app id -> channel use
    net::TimerPtr inactivity_timer;
    void arm_inactivity_sweep();
    void sweep_inactive();
    void fail_participant_invitation(ParticipantInvitation& inv, const Error& reason);
    // Name the visitor sees for a meeting participant; empty when filtered from the visitor.
    bool filtered(const Conversation& meeting, const std::string& agent_uri) const;
    std::string shown_to_visitor(const Conversation& meeting, const std::string& uri,
                                 const std::string& name) const;
    void clear_typing(Conversation& room, const std::string& uri);
    void emit_typing(Conversation& room, const std::string& uri, const std::string& name,
                     bool added);
};

// Marks an operation whose events change no snapshot (see snapshots_unchanged).
struct SnapshotsUnchanged {
    explicit SnapshotsUnchanged(Platform::Impl& i) : impl(i) { ++impl.snapshots_unchanged; }
    ~SnapshotsUnchanged() { --impl.snapshots_unchanged; }
    SnapshotsUnchanged(const SnapshotsUnchanged&) = delete;
    SnapshotsUnchanged& operator=(const SnapshotsUnchanged&) = delete;
    Platform::Impl& impl;
};

// Wakes the streams an operation touched when it goes out of scope.
struct FlushOnExit {
    Platform::Impl& impl;
    ~FlushOnExit() { impl.flush(); }
};

}  // namespace carebridge::platform
