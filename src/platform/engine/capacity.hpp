#pragma once
// Capacity limits of the engine ([limits] participants_per_meeting, chats_per_application):
// what one Service Application or one meeting may hold, so no caller grows memory unbounded.
#include "platform/engine/engine_impl.hpp"

namespace carebridge::platform {

// Agents in the meeting, agents invited and not yet answered, and bridged participants.
std::size_t meeting_headcount(const Platform::Impl& impl, const Conversation& meeting);
// Live visitor chats of a Service Application.
std::size_t live_chats(const Platform::Impl& impl, const std::string& trusted_app_id);

// 409: this meeting is full (a state of the meeting, not of the platform).
Error meeting_full(std::size_t limit);
// 503 (+ Retry-After from error_response): the application has as many chats as it may.
Error too_many_chats(std::size_t limit);

}  // namespace carebridge::platform
