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

// UCWA event aggregation ("Events in UCWA"): a high-urgency event releases a parked long-poll at
// once; medium ones wait, up to the client's `medium` interval, to ride along with the next
// high one. Everything still goes out in order.
enum class Urgency : std::uint8_t { high, medium };

struct StoredEvent {
    std::uint64_t position = 0;
    std::int64_t time = 0;    // unix ms when appended (compaction keeps recent events)
    std::string sender_rel;   // the resource that raised it ("communication", "conversation")
    std::string sender_href;
    std::string json;         // the event object, rendered once
    // Not stored: an event read back after a restart is high (sent at once, never held).
    Urgency urgency = Urgency::high;
};

// Events become visible to readers only once published (after they are durable); positions
// are assigned at append.
class EventStream {
public:
    explicit EventStream(std::string name = {}) : name_(std::move(name)) {}
    const std::string& name() const { return name_; }  // the store's stream name

    // Positions start at 1 (UCWA's first `ack`).
    std::uint64_t append(std::string sender_rel, std::string sender_href, std::string json,
                         std::int64_t time = 0, Urgency urgency = Urgency::high);
    std::uint64_t next_position() const { return first_ + events_.size(); }
    std::uint64_t first_position() const { return first_; }
    // Readers see positions below visible_end().
    std::uint64_t visible_end() const { return visible_; }
    void publish_through(std::uint64_t position_end);  // makes [.., position_end) visible
    // Appended but not yet handed to the store.
    std::uint64_t unsaved_from() const { return saved_; }
    void mark_saved() { saved_ = next_position(); }
    // Restores an event read back from the store (positions must be increasing).
    void restore(StoredEvent e);

    bool empty_from(std::uint64_t position) const { return position >= visible_; }
    // When a reader at `position` holding medium events for `hold_ms` should be answered
    // (unix ms): at once (INT64_MIN) if a visible event there is high, the first one's time
    // plus hold_ms if all are medium, never (INT64_MAX) if nothing is visible.
    std::int64_t release_at(std::uint64_t position, std::int64_t hold_ms) const;
    // Visible events with position in [from, from+max), clipped to what is retained.
    std::vector<const StoredEvent*> read(std::uint64_t from, std::size_t max) const;
    // Every retained event in [from, to), visible or not.
    std::vector<const StoredEvent*> read_all(std::uint64_t from, std::uint64_t to) const;
    const StoredEvent* at(std::uint64_t position) const;
    // Forget events before position (after every reader has them).
    void compact_before(std::uint64_t position);
    // Where the store's copy of this stream starts: housekeeping truncates it to
    // first_position() (memory drops read events at once, the store follows in batches).
    std::uint64_t stored_from() const { return stored_from_; }
    void set_stored_from(std::uint64_t position) { stored_from_ = position; }

    // Parked readers. A waiter is called once, at the next wake(), then forgotten.
    using WaiterId = std::uint64_t;
    WaiterId add_waiter(std::function<void()> wake);
    void remove_waiter(WaiterId id);
    std::size_t waiter_count() const { return waiters_.size(); }
    void wake();

private:
    std::string name_;
    std::uint64_t first_ = 1;
    std::uint64_t visible_ = 1;
    std::uint64_t saved_ = 1;
    std::uint64_t stored_from_ = 1;
    std::deque<StoredEvent> events_;
    std::map<WaiterId, std::function<void()>> waiters_;
    WaiterId next_waiter_ = 1;
};

}  // namespace carebridge::platform
