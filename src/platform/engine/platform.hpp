#pragma once
// The engine: holds every live application, conversation and invitation, applies the call
// flow's operations and emits the events each one causes to the right streams (UCWA channels)
// and callback queues (Service Applications). Single-threaded: all calls on the io thread.
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>

#include "app/config.hpp"
#include "common/histogram.hpp"
#include "common/result.hpp"
#include "net/scheduler.hpp"
#include "platform/auth/tokens.hpp"
#include "platform/events/callback_dispatcher.hpp"
#include "platform/model/entities.hpp"
#include "platform/views/resources.hpp"
#include "store/store.hpp"

namespace carebridge::platform {

// Who performs a messaging operation.
struct Actor {
    enum class Kind { application, visitor, agent } kind = Kind::application;
    std::string uri;
    std::string name;
    UcwaApp* app = nullptr;  // visitor / agent
};

struct MessageInput {
    std::string content_type;  // "text/plain" or "text/html"
    std::string text;
    std::string operation_id;
};

class Platform {
public:
    // With a store, every change is durable before it is acknowledged or published; call
    // restore() once before serving to load what the store holds.
    Platform(const app::PlatformConfig& config, net::Scheduler& scheduler,
             CallbackDispatcher& callbacks, store::Store* store = nullptr);
    void restore();

    // --- durability ---
    // Calls fn(true) once everything done so far is durable (at once without a store), or
    // fn(false) if the store failed to write it.
    void when_durable(std::function<void(bool ok)> fn);
    bool store_healthy() const;
    // The callback dispatcher acknowledged events of a queue up to `last`.
    void on_callback_delivered(const std::string& queue, std::uint64_t last, const std::string& context);
    // Dead letters in the store (kind "dead_letter"), so the list survives a restart: saved when
    // given up (with the queue's progress past it), erased when replayed or trimmed, and put
    // back into the dispatcher by restore_dead_letters() (after restore()). See dead_letters.cpp.
    void save_dead_letter(const DeadLetter& d, const std::string& context);
    void erase_dead_letter(std::uint64_t id);
    void restore_dead_letters();
    // Background housekeeping: compacts read events, deletes expired transcripts.
    void housekeeping();
    // A UCWA client asked for its events from ack: it holds everything before. Past the newest
    // config.read_events_kept, its read events leave memory now (read_events.cpp).
    void events_read(UcwaApp& app, std::uint64_t ack);

    // --- operations: figures for /metrics and the shutdown drain ---
    struct OpsStats {
        std::size_t live_chats = 0, live_meetings = 0, visitor_apps = 0, agent_apps = 0;
        std::size_t batches_in_flight = 0;  // handed to the store, not yet published
        std::uint64_t chats_timed_out = 0;
        const Histogram* commit_latency = nullptr;  // null without a store
        std::optional<store::Store::Stats> store;    // empty without a store
    };
    OpsStats ops_stats() const;
    // A visitor's event channel request started (parked = +1) or was answered (-1): a channel
    // nobody polls for ops.visitor_poll_grace seconds counts as the visitor having left.
    void visitor_channel_used(const std::string& visitor_app_id, int parked_delta);
    const CallbackDispatcher& callbacks() const { return callbacks_; }
    CallbackDispatcher& callbacks() { return callbacks_; }

    // --- transcripts (kept after the meeting ends, for config.transcript_retention) ---
    struct TranscriptInfo {
        std::string meeting_id;
        std::string trusted_app_id;
        std::string subject;
        Millis created = 0;
        Millis ended = 0;  // 0 while the meeting is live
    };
    const TranscriptInfo* transcript_info(const std::string& meeting_id) const;
    std::vector<Message> transcript_messages(const std::string& meeting_id);
    void delete_transcript(const std::string& meeting_id);
    ~Platform();

    const app::PlatformConfig& config() const { return config_; }
    Millis now_ms() const;

    // --- lookups (nullptr when absent) ---
    TrustedApp* trusted_app(const std::string& id);
    TrustedApp* trusted_app_by_client(const std::string& client_id);
    const app::AgentConfig* agent_by_username(const std::string& username) const;
    const app::AgentConfig* agent_by_uri(const std::string& uri) const;
    UcwaApp* ucwa_app(const std::string& id);
    Conversation* conversation(const std::string& id);
    Conversation* chat_by_invitation(const std::string& invitation_id);
    Conversation* meeting_by_invitation(const std::string& invitation_id);
    Conversation* meeting_by_uri(const std::string& online_meeting_uri);
    ParticipantInvitation* participant_invitation(const std::string& id);
    // The conversation a visitor's chat talks into (the meeting once bridged).
    Conversation* room_of(Conversation& conv);

    // --- visitor (anonymous UCWA) ---
    UcwaApp& create_visitor_app(const auth::AnonGrant& grant, const std::string& display_name);
    Result<Conversation*> start_messaging(UcwaApp& visitor, const std::string& to,
                                          const std::string& subject,
                                          const std::string& custom_content,
                                          const std::string& operation_id);  // step 6
    Status end_chat(Conversation& chat, const char* reason);                    // step 20

    // --- Service Application ---
    Result<Conversation*> start_adhoc_meeting(TrustedApp& app, const std::string& endpoint,
                                              const std::string& subject,
                                              const std::string& callback_url,
                                              const std::string& operation_id);  // step 8
    Status add_app_messaging(Conversation& meeting, const std::string& operation_id);
    Status accept_and_bridge(Conversation& chat, Conversation& meeting,
                             const std::string& impersonated_name);  // step 9
    Status decline(Conversation& chat);
    Result<const BridgedParticipant*> add_bridged_participant(Conversation& meeting,
                                                              const std::string& display_name,
                                                              const std::string& uri,
                                                              bool filter_enabled);  // step 11
    Result<ParticipantInvitation*> add_participant(Conversation& meeting, const std::string& to,
                                                   const std::string& operation_id);  // step 14
    Status terminate_meeting(Conversation& meeting);                                  // step 22

    // --- agents (UCWA for users) ---
    UcwaApp& create_agent_app(const app::AgentConfig& agent, const std::string& endpoint_id,
                              bool& created);
    void set_available(UcwaApp& agent, bool available);
    Status accept_invitation(UcwaApp& agent, ParticipantInvitation& inv);
    Status decline_invitation(UcwaApp& agent, ParticipantInvitation& inv);
    Status agent_add_messaging(UcwaApp& agent, Conversation& meeting);
    Status agent_leave(UcwaApp& agent, Conversation& meeting);
    void delete_ucwa_app(UcwaApp& app);

    // --- messaging, any side (steps 12, 16-19) ---
    Result<Message> send_message(const Actor& actor, Conversation& conv, MessageInput input);
    Status set_typing(const Actor& actor, Conversation& conv);

    // Who is in a conversation as a side sees it: {uri, shown name}. The visitor sees the
    // meeting through the bridge (impersonated names, filtered participants hidden).
    std::vector<std::pair<std::string, std::string>> participants(Conversation& conv, Side side);

    // Callback URL of a conversation (its own, else the application's default).
    const std::string& callback_url(const Conversation& conv) const;

    struct Impl;  // engine_impl.hpp: private to the engine's files

private:
    friend struct Impl;
    const app::PlatformConfig& config_;
    net::Scheduler& scheduler_;
    CallbackDispatcher& callbacks_;
    std::unique_ptr<Impl> impl_;
};

}  // namespace carebridge::platform
