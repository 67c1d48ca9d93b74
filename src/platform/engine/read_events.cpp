// Read events leave memory soon after they are read, not after event_retention: kept for an
// hour, every delivered message held about 5 KiB per receiver stream, so memory grew with
// traffic rather than with open chats (bench/RESULTS.md). A re-read of the newest
// read_events_kept still works; the store's copy is truncated by housekeeping.
#include "platform/engine/engine_impl.hpp"

namespace carebridge::platform {

void Platform::Impl::trim_read_events(EventStream& s, std::uint64_t read_by_all) {
    const auto keep = static_cast<std::uint64_t>(self.config_.read_events_kept);
    // Nobody has read what is not yet published (a queue's first pending position says nothing
    // of events whose callbacks are not queued yet).
    read_by_all = std::min(read_by_all, s.visible_end());
    if (read_by_all <= s.first_position() || read_by_all - s.first_position() <= 2 * keep) return;
    s.compact_before(read_by_all - keep);  // never past what is not yet saved (compact_before)
}

void Platform::Impl::trim_service_streams() {
    for (auto& [id, app] : trusted_apps) trim_read_events(app->events, self.callbacks_.first_pending(*app));
}

void Platform::events_read(UcwaApp& app, std::uint64_t ack) {
    app.acked = std::max(app.acked, ack);
    impl_->trim_read_events(app.events, app.acked);
}

}  // namespace carebridge::platform
