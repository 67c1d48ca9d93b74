#pragma once
// One visitor's chat as an explicit state machine: pure logic, no I/O, the time passed in.
// It runs the seed's steps 8-22 from the Service Application's side by emitting commands; the
// Desk runs them (remote ones in order, one at a time, per chat) and feeds the outcomes and
// the platform's callbacks back as inputs.
//
// Robust to the platform's delivery: callbacks come at least once and callbacks of different
// conversations (the visitor's chat, the meeting, the application's communication) are not
// ordered with each other. So every input is checked against the phase and the operation it
// answers; a repeated or stale input changes nothing, and a visitor who leaves mid-set-up is
// remembered until the step in flight ends, then the meeting is torn down.
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "helpdesk/router.hpp"
#include "helpdesk/settings.hpp"

namespace carebridge::helpdesk {

enum class Phase {
    starting,      // step 8: start the ad-hoc meeting and join its messaging
    bridging,      // steps 9-10: accept and bridge the visitor's invitation
    adding_agents, // step 11: the queue's agents as bridged participants
    welcoming,     // step 12: the welcome message
    waiting,       // no agent yet: queued (position told to the visitor)
    inviting,      // step 14: an agent is invited
    connected,     // step 15: the agent joined
    closing,       // step 22: terminating the meeting
    closed,
};
const char* to_string(Phase p);

enum class Do {
    // Remote: run in order, each answered with Input::finished carrying its op.
    start_meeting, bridge, add_bridged, say, invite, terminate,
    // Local, immediate: the router and the Desk's books.
    wait, stop_waiting, release, mark_away, forget,
};

struct Command {
    Do what;
    std::string op;     // remote: the operation id (also the platform's operationId)
    std::string text;   // say
    std::string agent;  // invite, release, mark_away
};

struct Input {
    enum class Kind {
        finished,       // a remote command ended (ok or not)
        visitor_left,   // the visitor's conversation was deleted, or its invitation failed
        meeting_ended,  // the meeting conversation was deleted
        invite_failed,  // participantInvitation completed with Failure (op)
        agent_joined,   // participant added in the meeting (agent uri)
        agent_left,     // participant deleted from the meeting (agent uri)
        offered,        // the router picked `agent` for this chat
        position,       // the chat's place in its queue
        transfer,       // the agent hands the chat to another queue (queue, queue_display)
        tick,           // time passes
    };
    Kind kind;
    TimePoint now;
    std::string op;
    bool ok = true;
    std::string agent;
    int position = 0;
    std::string queue, queue_display;  // transfer
};

struct ChatInfo {
    std::string id;       // the helpdesk's id for the chat; prefixes every op
    std::string queue;    // name of the queue
    std::string queue_display;
    std::string visitor;  // display name
    std::string subject;
    std::uint64_t order = 0;  // arrival order: place in the queues
};

class Chat {
public:
    Chat(ChatInfo info, const Settings& settings);

    std::vector<Command> start(TimePoint now);
    std::vector<Command> on(const Input& in);

    Phase phase() const { return phase_; }
    const ChatInfo& info() const { return info_; }
    const std::string& agent() const { return agent_; }  // offered or connected agent, or ""
    bool visitor_gone() const { return visitor_gone_; }
    const std::set<std::string>& left() const { return left_; }  // agents not to offer it again
    // When a waiting chat gives up (no agent in time); nullopt when not waiting.
    std::optional<TimePoint> deadline() const;

private:
    friend struct ChatCodec;  // saves and restores the state below (chat_codec.cpp)
    std::vector<Command> finished(const Input& in);
    std::vector<Command> run(Phase next, Do what, std::string text = {}, std::string agent = {});
    std::vector<Command> wait(TimePoint now, bool new_window);
    std::vector<Command> drop_agent(TimePoint now, bool away);
    std::vector<Command> close();
    std::vector<Command> ended();
    std::string next_op();
    std::string render(const std::string& text, int position = 0) const;

    ChatInfo info_;
    const Settings& settings_;
    Phase phase_ = Phase::starting;
    bool visitor_gone_ = false;
    std::string pending_;  // the remote op the phase waits for
    std::string agent_;
    std::set<std::string> left_;  // agents who left this chat: not offered it again
    TimePoint waiting_since_{};
    int announced_ = 0;
    int seq_ = 0;
};

}  // namespace carebridge::helpdesk
