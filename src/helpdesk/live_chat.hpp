#pragma once
// One live chat as the Desk keeps it: the pure state machine plus what the shell needs to act
// for it (the resources whose links the remote commands follow, and the serial queue of remote
// commands). Plain data, so chat_codec.cpp can save it and a restarted helpdesk go on with it.
#include <deque>
#include <map>
#include <optional>
#include <string>

#include "helpdesk/chat.hpp"
#include "sdk/resource.hpp"

namespace carebridge::helpdesk {

struct LiveChat {
    LiveChat(ChatInfo info, const Settings& s) : machine(std::move(info), s) {}
    Chat machine;
    sdk::Resource invitation, meeting, messaging, bridge;
    std::string meeting_uri;
    bool bridged = false;
    std::map<std::string, std::string> participants;  // participant href path -> uri
    std::deque<Command> outbox;
    std::optional<Command> running;  // the remote command in flight
};

}  // namespace carebridge::helpdesk
