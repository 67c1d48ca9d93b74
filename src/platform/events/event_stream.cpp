#include "platform/events/event_stream.hpp"

#include <utility>

namespace carebridge::platform {

std::uint64_t EventStream::append(std::string sender_rel, std::string sender_href,
                                  std::string json) {
    const std::uint64_t position = next_position();
    events_.push_back({position, std::move(sender_rel), std::move(sender_href), std::move(json)});
    return position;
}

std::vector<const StoredEvent*> EventStream::read(std::uint64_t from, std::size_t max) const {
    std::vector<const StoredEvent*> out;
    if (from < first_) from = first_;
    for (std::uint64_t p = from; p < next_position() && out.size() < max; ++p)
        out.push_back(&events_[p - first_]);
    return out;
}

const StoredEvent* EventStream::at(std::uint64_t position) const {
    if (position < first_ || position >= next_position()) return nullptr;
    return &events_[position - first_];
}

void EventStream::compact_before(std::uint64_t position) {
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
