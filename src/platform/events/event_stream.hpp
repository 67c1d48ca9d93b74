#pragma once
// One application's ordered event stream. Every event gets the next position; a reader asks
// for "everything from position P" and gets the same events for the same P every time, so a
// client that resumes with the `next` link it holds loses nothing and sees nothing twice.
// Single-threaded: owned by the engine's thread.
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace carebridge::platform {

struct StoredEvent {
    std::uint64_t position = 0;
    std::string sender_rel;   // the resource that raised it ("communication", "conversation")
    std::string sender_href;
    std::string json;         // the event object, rendered once
};

class EventStream {
public:
    // Positions start at 1 (UCWA's first `ack`).
    std::uint64_t append(std::string sender_rel, std::string sender_href, std::string json);
    std::uint64_t next_position() const { return first_ + events_.size(); }
    std::uint64_t first_position() const { return first_; }
    bool empty_from(std::uint64_t position) const { return position >= next_position(); }
    // Events with position in [from, from+max), clipped to what is retained.
    std::vector<const StoredEvent*> read(std::uint64_t from, std::size_t max) const;
    const StoredEvent* at(std::uint64_t position) const;
    // Forget events before position (after every reader has them).
    void compact_before(std::uint64_t position);

    // Parked readers. A waiter is called once, at the next wake(), then forgotten.
    using WaiterId = std::uint64_t;
    WaiterId add_waiter(std::function<void()> wake);
    void remove_waiter(WaiterId id);
    std::size_t waiter_count() const { return waiters_.size(); }
    void wake();

private:
    std::uint64_t first_ = 1;
    std::deque<StoredEvent> events_;
    std::map<WaiterId, std::function<void()>> waiters_;
    WaiterId next_waiter_ = 1;
};

}  // namespace carebridge::platform
