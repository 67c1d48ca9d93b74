#pragma once
// Time and timers, injected so the platform never touches a real clock in tests.
#include <chrono>
#include <functional>
#include <memory>

namespace carebridge::net {

class Timer {
public:
    virtual ~Timer() = default;
    // After cancel() the callback is never invoked. Safe to call more than once.
    virtual void cancel() = 0;
};
using TimerPtr = std::unique_ptr<Timer>;

class Scheduler {
public:
    using Clock = std::chrono::system_clock;
    virtual ~Scheduler() = default;
    virtual Clock::time_point now() const = 0;
    // Runs fn once on the scheduler's thread after delay, unless the returned timer is
    // cancelled or destroyed first.
    virtual TimerPtr after(std::chrono::milliseconds delay, std::function<void()> fn) = 0;
    // Runs fn soon on the scheduler's thread (never inline).
    virtual void post(std::function<void()> fn) = 0;
};

}  // namespace carebridge::net
