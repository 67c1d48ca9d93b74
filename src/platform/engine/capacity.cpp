#include "platform/engine/capacity.hpp"

#include <algorithm>

namespace carebridge::platform {

// Linear scans: both run once per new chat or invitation, never per message, and keep no
// counters that restore() and every removal path would have to keep right.
std::size_t meeting_headcount(const Platform::Impl& impl, const Conversation& meeting) {
    std::size_t pending = 0;
    for (const auto& [id, inv] : impl.participant_invitations)
        if (inv->meeting_id == meeting.id && inv->state == InvitationState::connecting &&
            !meeting.participant(inv->to))
            ++pending;
    return meeting.participants.size() + pending + meeting.bridged_participants.size();
}

std::size_t live_chats(const Platform::Impl& impl, const std::string& trusted_app_id) {
    return static_cast<std::size_t>(std::count_if(
        impl.conversations.begin(), impl.conversations.end(), [&](const auto& entry) {
            return entry.second->kind == ConversationKind::visitor_chat &&
                   entry.second->trusted_app_id == trusted_app_id;
        }));
}

Error meeting_full(std::size_t limit) {
    return conflict("TooManyParticipants",
                    "the meeting already has " + std::to_string(limit) + " participants");
}

Error too_many_chats(std::size_t limit) {
    return {503, "ServiceUnavailable", "TooManyChats",
            "the helpdesk has " + std::to_string(limit) + " open chats; retry later"};
}

}  // namespace carebridge::platform
