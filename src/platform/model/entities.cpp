#include "platform/model/entities.hpp"

#include <algorithm>

namespace carebridge::platform {

bool TrustedApp::has_endpoint(const std::string& uri) const {
    const auto& eps = config.endpoints;
    return std::find(eps.begin(), eps.end(), uri) != eps.end();
}

const char* to_string(InvitationState s) {
    switch (s) {
        case InvitationState::connecting: return "Connecting";
        case InvitationState::connected: return "Connected";
        case InvitationState::failed: return "Failed";
    }
    return "Failed";
}

const MeetingParticipant* Conversation::participant(const std::string& uri) const {
    for (const auto& p : participants)
        if (p.uri == uri) return &p;
    return nullptr;
}

const BridgedParticipant* Conversation::bridged(const std::string& uri) const {
    for (const auto& b : bridged_participants)
        if (b.uri == uri) return &b;
    return nullptr;
}

}  // namespace carebridge::platform
