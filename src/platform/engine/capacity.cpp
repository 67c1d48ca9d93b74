#include "platform/engine/capacity.hpp"

#include <algorithm>

namespace carebridge::platform {

// By the engine's indexes (Impl::invitations_of, live_chats_by_app), kept by the only places
// that add and remove invitations and conversations.
std::size_t meeting_headcount(const Platform::Impl& impl, const Conversation& meeting) {
    std::size_t pending = 0;
    for (const auto* inv : impl.invitations_of(meeting.id))
        if (inv->state == InvitationState::connecting && !meeting.participant(inv->to)) ++pending;
    return meeting.participants.size() + pending + meeting.bridged_participants.size();
}

std::size_t live_chats(const Platform::Impl& impl, const std::string& trusted_app_id) {
    const auto it = impl.live_chats_by_app.find(trusted_app_id);
    return it == impl.live_chats_by_app.end() ? 0 : it->second;
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
