#include "platform/events/event_stream.hpp"

#include <algorithm>
#include <cstdint>
#include <utility>

namespace carebridge::platform {

std::uint64_t EventStream::append(std::string sender_rel, std::string sender_href,
                                  std::string json, std::int64_t time, Urgency urgency) {
    const std::uint64_t position = next_position();
    events_.push_back({position, time, std::move(sender_rel), std::move(sender_href), std::move(json), urgency});
    return position;
}

void EventStream::publish_through(std::uint64_t position_end) {
    if (position_end > visible_) visible_ = std::min(position_end, next_position());
}

void EventStream::restore(StoredEvent e) {
    if (events_.empty()) first_ = e.position;
    else if (e.position != next_position()) return;  // a gap cannot be represented; keep order
    events_.push_back(std::move(e));
    visible_ = saved_ = next_position();
}

std::vector<const StoredEvent*> EventStream::read(std::uint64_t from, std::size_t max) const {
    std::vector<const StoredEvent*> out;
    if (from < first_) from = first_;
    for (std::uint64_t p = from; p < visible_ && out.size() < max; ++p)
        out.push_back(&events_[p - first_]);
    return out;
}

std::int64_t EventStream::release_at(std::uint64_t position, std::int64_t hold_ms) const {
    if (position < first_) position = first_;
    if (position >= visible_) return INT64_MAX;
    for (std::uint64_t p = position; p < visible_; ++p)
        if (events_[p - first_].urgency == Urgency::high) return INT64_MIN;
    return events_[position - first_].time + hold_ms;
}

std::vector<const StoredEvent*> EventStream::read_all(std::uint64_t from, std::uint64_t to) const {
    std::vector<const StoredEvent*> out;
    if (from < first_) from = first_;
    for (std::uint64_t p = from; p < to && p < next_position(); ++p) out.push_back(&events_[p - first_]);
    return out;
}

const StoredEvent* EventStream::at(std::uint64_t position) const {
    if (position < first_ || position >= next_position()) return nullptr;
    return &events_[position - first_];
}

void EventStream::compact_before(std::uint64_t position) {
    // Never past what is saved: unsaved events must still reach the store.
    position = std::min(position, saved_);
    while (first_ < position && !events_.empty()) {
        events_.pop_front();
        ++first_;
    }
}

EventStream::WaiterId EventStream::add_waiter(std::function<void()> wake) {
    const WaiterId id = next_waiter_++;
    waiters_.emplace(id, std::move(wake));
    return id;
}

void EventStream::remove_waiter(WaiterId id) { waiters_.erase(id); }

void EventStream::wake() {
    // Swap first: a woken reader may park again on this stream.
    auto woken = std::exchange(waiters_, {});
    for (auto& [id, fn] : woken) fn();
}

}  // namespace carebridge::platform
