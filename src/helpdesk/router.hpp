#pragma once
// Which agent takes which chat: pure logic over plain data and a time passed in, no I/O.
//
// Agents belong to queues and take at most max_chats chats at once. A chat waiting for an
// agent goes to the available agent of its queue with the fewest active chats (ties: the
// order of the configuration). An offer reserves the slot at once, so two chats are never
// offered the one free slot. The platform does not tell a Service Application who is
// available: an invitation to an unavailable agent completes with Failure
// (TemporarilyUnavailable). So an agent whose invitation fails is marked away for a while and
// skipped, and waiting chats are offered again on the next dispatch (the Desk re-dispatches
// every few seconds while chats wait).
#include <chrono>
#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "helpdesk/settings.hpp"

namespace carebridge::helpdesk {

using Clock = std::chrono::system_clock;
using TimePoint = Clock::time_point;

struct Assignment {
    std::string chat;
    std::string agent;  // sip URI
};

class Router {
public:
    Router(std::vector<AgentSettings> agents, std::chrono::seconds away_backoff);

    // The chat waits for an agent of `queue` until cancel() (the agent joined, or the chat
    // closed). `order` is its place (smaller: served first), so a chat whose agent failed or
    // left keeps its place rather than going to the back. A chat offered to an agent keeps its
    // place too, so a failed offer does not make the queue positions flap. Agents in
    // `excluded` are never offered this chat (they left it).
    void wait(const std::string& chat, const std::string& queue, std::uint64_t order,
              std::set<std::string> excluded = {});
    // The chat stops waiting (it closed, or was served).
    void cancel(const std::string& chat);
    // 1-based place among the chats waiting in the same queue (offered or not); 0 if none.
    int position(const std::string& chat) const;
    std::vector<std::string> waiting() const;  // every waiting chat, oldest first

    // Offers waiting chats that are not on offer already, oldest first, to available agents;
    // each offer occupies a slot until release(), which also puts the chat back on offer.
    std::vector<Assignment> dispatch(TimePoint now);
    void release(const std::string& chat, const std::string& agent);
    // The agent did not take a chat (unavailable, declined, no answer): skip it for a while.
    void mark_away(const std::string& agent, TimePoint now);

    // A chat saved by an earlier run: waiting or not, and the agent it is offered to or held
    // by ("" for none), exactly as wait(), dispatch() and cancel() had left it.
    void restore(const std::string& chat, const std::string& queue, std::uint64_t order,
                 std::set<std::string> excluded, bool waiting, const std::string& agent);

    int load(const std::string& agent) const;  // chats offered to or held by the agent
    bool has_agents(const std::string& queue) const;

private:
    struct Agent {
        AgentSettings settings;
        std::set<std::string> chats;
        TimePoint away_until{};
    };
    struct Waiting {
        std::uint64_t order = 0;
        std::string chat, queue;
        std::set<std::string> excluded;
        std::string offered_to;  // the agent considering it, or ""

    };
    Agent* pick(const Waiting& w, TimePoint now);
    Agent* find(const std::string& uri);

    std::vector<Agent> agents_;
    std::vector<Waiting> waiting_;  // sorted by order
    std::chrono::seconds away_backoff_;
};

}  // namespace carebridge::helpdesk
