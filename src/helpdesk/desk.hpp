#pragma once
// The helpdesk's imperative shell around the pure parts: it turns the platform's callback
// events into inputs of each chat's state machine (Chat), runs the commands the machines emit
// (remote ones through the SDK, in order, one at a time per chat; local ones against the
// Router), and offers waiting chats to agents whenever that may help.
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "helpdesk/chat.hpp"
#include "helpdesk/live_chat.hpp"
#include "helpdesk/router.hpp"
#include "helpdesk/settings.hpp"
#include "net/scheduler.hpp"
#include "sdk/events.hpp"
#include "sdk/service_application.hpp"
#include "store/store.hpp"

namespace carebridge::helpdesk {

using Log = std::function<void(const std::string&)>;

class Desk {
public:
    // With a store, every chat's state is saved as it changes and the chats saved by an earlier
    // run are loaded here (resume() goes on with them once the platform is reachable).
    Desk(const Settings& settings, sdk::ServiceApplication& sa, net::Scheduler& scheduler, Log log,
         store::Store* store = nullptr);
    ~Desk();
    Desk(const Desk&) = delete;
    Desk& operator=(const Desk&) = delete;

    // Fresh callback events, in order (the CallbackReceiver's sink).
    void on_events(std::vector<sdk::Event> events);

    // Runs the restored chats' unfinished work, once, when the SDK is connected.
    void resume();
    // done(ok) once every change made so far is stored (at once without a store): the callback
    // receiver acknowledges a callback only then, so a crash cannot lose what it told us.
    void when_saved(std::function<void(bool ok)> done);

    std::size_t live_chats() const { return chats_.size(); }
    const Router& router() const { return router_; }
    // The chat whose meeting has this onlineMeetingUri (what an agent's invitation names), for
    // the agent console (desk_lookup.cpp); nullopt if none.
    struct MeetingInfo {
        ChatInfo info;
        std::string transcript;  // href of the meeting's ms:rtc:saas:transcript, or ""
        sdk::Resource meeting;   // the meeting conversation (to terminate it)
        std::string agent;       // the agent invited to or serving the chat, or ""
    };
    std::optional<MeetingInfo> chat_by_meeting(const std::string& meeting_uri) const;
    // The agent serving (or invited to) the chat of that meeting hands it to another queue;
    // false when there is no such chat of that agent's or no such queue.
    bool transfer(const std::string& meeting_uri, const std::string& agent, const std::string& queue);

private:
    using Live = LiveChat;

    void on_event(const sdk::Event& e);
    void new_chat(const sdk::Event& e);
    Live* find(const std::string& id);
    std::string chat_of_href(const std::string& href) const;
    void index(const std::string& href, const std::string& id);

    // desk_store.cpp: saving and restoring chats.
    void restore();
    void save(const std::string& id);
    void flush();

    void feed(const std::string& id, Input in);
    void apply(const std::string& id, std::vector<Command> commands);
    void pump(const std::string& id);
    void dispatch();
    void schedule_tick();
    void tick();
    TimePoint now() const { return scheduler_.now(); }

    // desk_steps.cpp: one remote command through the SDK; done(ok) exactly once.
    void execute(const std::string& id, Live& chat, const Command& c, std::function<void(bool)> done);
    void start_meeting(const std::string& id, Live& chat, const std::string& op, std::function<void(bool)> done);
    void bridge(const std::string& id, Live& chat, std::function<void(bool)> done);
    void add_bridged(const std::string& id, std::size_t next, std::function<void(bool)> done);
    // Wraps a step's continuation so it runs only while the Desk and the chat exist.
    template <class T>
    std::function<void(sdk::Result<T>)> step(const std::string& id, const char* what,
                                             std::function<void(bool)> done,
                                             std::function<void(Live&, T&)> next);

    const Settings& settings_;
    sdk::ServiceApplication& sa_;
    net::Scheduler& scheduler_;
    Log log_;
    Router router_;
    std::map<std::string, std::unique_ptr<Live>> chats_;
    std::map<std::string, std::string> by_path_;  // invitation / chat / meeting href path -> id
    std::uint64_t next_order_ = 0;
    bool dispatching_ = false, dispatch_again_ = false;
    net::TimerPtr tick_timer_;

    store::Store* store_;
    std::set<std::string> dirty_;  // chats changed (or forgotten) since the last flush
    bool flush_posted_ = false, resumed_ = false;
    std::vector<std::function<void(bool)>> save_waiters_;             // for the next flush
    std::deque<std::vector<std::function<void(bool)>>> committing_;  // per commit in flight
    net::TimerPtr flush_retry_;
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace carebridge::helpdesk
