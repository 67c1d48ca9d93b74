// Read-only lookups into the Desk's live chats, for the agent console's API (helpdesk.cpp).
#include "helpdesk/desk.hpp"

namespace carebridge::helpdesk {

std::optional<Desk::MeetingInfo> Desk::chat_by_meeting(const std::string& meeting_uri) const {
    if (meeting_uri.empty()) return std::nullopt;
    for (const auto& [id, live] : chats_)
        if (live->meeting_uri == meeting_uri)
            return MeetingInfo{live->machine.info(), live->meeting.link("transcript").value_or(""), live->meeting,
                               live->machine.agent()};
    return std::nullopt;
}

}  // namespace carebridge::helpdesk
