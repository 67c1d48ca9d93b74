// The platform ends chats nobody is in any more: a visitor chat with no message for
// ops.chat_inactivity_timeout seconds, and one whose visitor's event channel has not been
// polled for ops.visitor_poll_grace seconds (the browser tab is gone). The ending is the
// visitor leaving (step 20-21 events and callbacks) with a `reason` {code "Timeout", subcode
// "ConversationInactive" | "EventChannelIdle"} on the messaging updated and conversation deleted
// events, so the Service Application can tell it from a visitor who left on purpose.
#include <algorithm>
#include <cstdint>

#include "common/log.hpp"
#include "platform/engine/engine_impl.hpp"

namespace carebridge::platform {

void Platform::visitor_channel_used(const std::string& visitor_app_id, int parked_delta) {
    auto& p = impl_->visitor_polls[visitor_app_id];
    p.parked = std::max(0, p.parked + parked_delta);
    p.last = now_ms();
}

void Platform::Impl::arm_inactivity_sweep() {
    const auto& ops = self.config_.ops;
    if (ops.chat_inactivity_timeout <= 0 && ops.visitor_poll_grace <= 0) return;
    // A quarter of the shortest limit, at most a second: a chat ends within that of its due time.
    std::int64_t shortest = INT64_MAX;
    for (std::int64_t s : {ops.chat_inactivity_timeout, ops.visitor_poll_grace})
        if (s > 0) shortest = std::min(shortest, s);
    const auto period = std::chrono::milliseconds(std::min<std::int64_t>(1000, shortest * 250));
    inactivity_timer = self.scheduler_.after(period, [this] {
        sweep_inactive();
        arm_inactivity_sweep();
    });
}

void Platform::Impl::sweep_inactive() {
    const auto& ops = self.config_.ops;
    const Millis now = self.now_ms();
    struct Due {
        std::string chat_id;
        const char* subcode;
    };
    std::vector<Due> due;
    for (const auto& [id, c] : conversations) {
        if (c->kind != ConversationKind::visitor_chat) continue;
        // After a restart the clocks start again: nobody is timed out for the downtime.
        auto [act, fresh] = chat_activity.try_emplace(id, now);
        if (ops.chat_inactivity_timeout > 0 && now - act->second > ops.chat_inactivity_timeout * 1000) {
            due.push_back({id, "ConversationInactive"});
            continue;
        }
        if (ops.visitor_poll_grace > 0) {
            auto [polls, added] = visitor_polls.try_emplace(c->visitor_app_id, VisitorPolls{0, now});
            if (polls->second.parked == 0 && now - polls->second.last > ops.visitor_poll_grace * 1000)
                due.push_back({id, "EventChannelIdle"});
        }
    }
    // A visitor application without a chat whose channel nobody polls is gone too (UCWA: an
    // application with no event channel activity expires); otherwise every visitor ever seen
    // would stay in memory.
    std::vector<std::string> idle_apps;
    if (ops.visitor_poll_grace > 0)
        for (const auto& [id, a] : ucwa_apps) {
            if (a->kind != UcwaKind::visitor || !a->conversations.empty()) continue;
            auto [polls, added] = visitor_polls.try_emplace(id, VisitorPolls{0, now});
            if (polls->second.parked == 0 && now - polls->second.last > ops.visitor_poll_grace * 1000)
                idle_apps.push_back(id);
        }
    for (const auto& id : idle_apps)
        if (UcwaApp* a = self.ucwa_app(id)) self.delete_ucwa_app(*a);
    if (due.empty()) return;
    FlushOnExit flush{*this};
    for (const auto& d : due) {
        Conversation* chat = self.conversation(d.chat_id);
        if (!chat) continue;
        const bool inactive = std::string_view(d.subcode) == "ConversationInactive";
        const Error why{408, "Timeout", d.subcode,
                        inactive ? "the chat had no message for too long"
                                 : "the visitor's event channel was not polled for too long"};
        log::info("chat ended by the platform", {{"conversation_id", chat->id},
                                                 {"application_id", chat->trusted_app_id},
                                                 {"reason", d.subcode}});
        ++chats_timed_out;
        close_chat(*chat, nullptr, &why);
    }
}

}  // namespace carebridge::platform
