#pragma once
// A live chat as JSON and back, so a restarted helpdesk goes on with the chats it had.
#include <memory>
#include <string>
#include <string_view>

#include "helpdesk/live_chat.hpp"

namespace carebridge::helpdesk {

std::string encode_chat(const LiveChat& chat);
// nullptr for data that is not a saved chat (written by a newer version, or damaged).
std::unique_ptr<LiveChat> decode_chat(std::string_view data, const Settings& settings);

}  // namespace carebridge::helpdesk
