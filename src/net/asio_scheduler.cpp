#include "net/asio_scheduler.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

namespace carebridge::net {

namespace asio = boost::asio;

namespace {

// Shared between the Timer handle and the pending wait, so the wait's completion never
// touches a destroyed handle; `fn` is dropped on cancel to release its captures early.
struct TimerState {
    explicit TimerState(asio::io_context& ioc) : timer(ioc) {}
    asio::steady_timer timer;
    std::function<void()> fn;
    bool cancelled = false;
};

class AsioTimer final : public Timer {
public:
    explicit AsioTimer(std::shared_ptr<TimerState> state) : state_(std::move(state)) {}
    ~AsioTimer() override { cancel(); }
    void cancel() override {
        if (state_->cancelled) return;
        state_->cancelled = true;
        state_->fn = nullptr;
        state_->timer.cancel();
    }

private:
    std::shared_ptr<TimerState> state_;
};

}  // namespace

TimerPtr AsioScheduler::after(std::chrono::milliseconds delay, std::function<void()> fn) {
    auto state = std::make_shared<TimerState>(ioc_);
    state->fn = std::move(fn);
    state->timer.expires_after(delay);
    // The flag, not the error code, decides: a wait that already expired and was queued
    // still completes with success after cancel().
    state->timer.async_wait([state](const boost::system::error_code&) {
        if (state->cancelled) return;
        state->cancelled = true;  // one-shot: a later cancel() is a no-op
        auto fn = std::move(state->fn);
        state->fn = nullptr;
        if (fn) fn();
    });
    return std::make_unique<AsioTimer>(std::move(state));
}

void AsioScheduler::post(std::function<void()> fn) { asio::post(ioc_, std::move(fn)); }

}  // namespace carebridge::net
