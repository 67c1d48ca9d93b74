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

bool Desk::transfer(const std::string& meeting_uri, const std::string& agent, const std::string& queue) {
    const QueueSettings* target = nullptr;
    for (const auto& q : settings_.queues)
        if (q.name == queue) target = &q;
    if (!target || meeting_uri.empty() || agent.empty()) return false;
    for (const auto& [id, live] : chats_)
        if (live->meeting_uri == meeting_uri && live->machine.agent() == agent) {
            Input in{Input::Kind::transfer, now()};
            in.queue = target->name;
            in.queue_display = target->display_name;
            feed(std::string(id), std::move(in));  // may change chats_: return at once
            return true;
        }
    return false;
}

}  // namespace carebridge::helpdesk
