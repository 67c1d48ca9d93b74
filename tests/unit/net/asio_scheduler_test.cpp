#include "net/asio_scheduler.hpp"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

#include "test_support.hpp"

namespace carebridge::net {
namespace {

using namespace std::chrono_literals;

TEST(AsioScheduler, TimerFiresAndCancelledOnesDoNot) {
    boost::asio::io_context ioc;
    AsioScheduler scheduler(ioc);
    int fired = 0, cancelled = 0, destroyed = 0;
    auto t1 = scheduler.after(10ms, [&] { ++fired; });
    auto t2 = scheduler.after(5ms, [&] { ++cancelled; });
    t2->cancel();
    t2->cancel();  // idempotent
    scheduler.after(5ms, [&] { ++destroyed; });  // TimerPtr dropped at once
    auto start = std::chrono::steady_clock::now();
    ioc.run_for(5s);  // returns as soon as no work is left
    EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
    EXPECT_EQ(fired, 1);
    EXPECT_EQ(cancelled, 0);
    EXPECT_EQ(destroyed, 0);
    t1->cancel();  // after firing: harmless
}

TEST(AsioScheduler, DestroyingATimerFromAnotherCallback) {
    boost::asio::io_context ioc;
    AsioScheduler scheduler(ioc);
    int fired = 0;
    TimerPtr victim = scheduler.after(50ms, [&] { ++fired; });
    TimerPtr killer = scheduler.after(1ms, [&] { victim.reset(); });
    auto start = std::chrono::steady_clock::now();
    ioc.run_for(5s);
    EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
    EXPECT_EQ(fired, 0);
    EXPECT_FALSE(victim);
}

TEST(AsioScheduler, PostRunsLaterNotInline) {
    boost::asio::io_context ioc;
    AsioScheduler scheduler(ioc);
    bool ran = false;
    scheduler.post([&] { ran = true; });
    EXPECT_FALSE(ran);
    ioc.run_for(5s);
    EXPECT_TRUE(ran);
}

TEST(AsioScheduler, NowIsSystemClock) {
    boost::asio::io_context ioc;
    AsioScheduler scheduler(ioc);
    auto diff = scheduler.now() - Scheduler::Clock::now();
    EXPECT_LT(std::chrono::abs(diff), 5s);
}

}  // namespace
}  // namespace carebridge::net
