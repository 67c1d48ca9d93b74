#pragma once
#include "net/scheduler.hpp"

namespace boost::asio {
class io_context;
}

namespace carebridge::net {

// Scheduler over an io_context and the system clock.
class AsioScheduler final : public Scheduler {
public:
    explicit AsioScheduler(boost::asio::io_context& ioc) : ioc_(ioc) {}
    Clock::time_point now() const override { return Clock::now(); }
    TimerPtr after(std::chrono::milliseconds delay, std::function<void()> fn) override;
    void post(std::function<void()> fn) override;

private:
    boost::asio::io_context& ioc_;
};

}  // namespace carebridge::net
