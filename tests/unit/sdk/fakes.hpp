#pragma once
// Test doubles for the SDK's injected I/O, after tests/unit/platform/fakes.hpp: a manual clock
// with timers and posted work (FakeScheduler) and an HTTP sender that records requests and
// completes them on demand (RecordingSender, here with response headers); plus fixtures.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <deque>
#include <fstream>
#include <iterator>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "net/http_client.hpp"
#include "net/http_types.hpp"
#include "net/scheduler.hpp"

namespace carebridge::sdk_test {

using namespace std::chrono_literals;

class FakeScheduler final : public net::Scheduler {
public:
    // 2016-06-27T01:42:13.094Z, the seed's example time.
    static constexpr std::int64_t kStartMs = 1'466'991'733'094;

    Clock::time_point now() const override { return now_; }
    void set_now(Clock::time_point t) { now_ = t; }
    std::int64_t now_ms() const {
        return std::chrono::duration_cast<std::chrono::milliseconds>(now_.time_since_epoch()).count();
    }

    net::TimerPtr after(std::chrono::milliseconds delay, std::function<void()> fn) override {
        auto state = std::make_shared<State>();
        state->deadline = now_ + delay;
        state->seq = next_seq_++;
        state->fn = std::move(fn);
        timers_.push_back(state);
        delays_.push_back(delay);
        return std::make_unique<FakeTimer>(std::move(state));
    }

    void post(std::function<void()> fn) override { posted_.push_back(std::move(fn)); }

    // Runs posted work (including work posted while running) until none is left.
    std::size_t run_posted() {
        std::size_t n = 0;
        while (!posted_.empty()) {
            auto fn = std::move(posted_.front());
            posted_.pop_front();
            fn();
            ++n;
        }
        return n;
    }

    // Moves the clock forward, firing due timers in deadline order (then creation order), each
    // at its own deadline; posted work runs before and after every timer.
    void advance(std::chrono::milliseconds by) {
        const auto target = now_ + by;
        run_posted();
        for (;;) {
            prune();
            auto it = std::min_element(timers_.begin(), timers_.end(), [](const auto& a, const auto& b) {
                return a->deadline != b->deadline ? a->deadline < b->deadline : a->seq < b->seq;
            });
            if (it == timers_.end() || (*it)->deadline > target) break;
            auto state = *it;
            timers_.erase(it);
            now_ = std::max(now_, state->deadline);
            state->done = true;
            auto fn = std::move(state->fn);  // the timer may be destroyed by its own callback
            state->fn = nullptr;
            if (fn) fn();
            run_posted();
        }
        now_ = target;
        run_posted();
    }

    // Timers that are neither cancelled nor fired.
    std::size_t live_timers() {
        prune();
        return timers_.size();
    }
    // The delay of every after() call so far, in call order.
    const std::vector<std::chrono::milliseconds>& delays() const { return delays_; }
    std::size_t posted_count() const { return posted_.size(); }

private:
    struct State {
        Clock::time_point deadline;
        std::uint64_t seq = 0;
        std::function<void()> fn;
        bool cancelled = false;
        bool done = false;
    };
    class FakeTimer final : public net::Timer {
    public:
        explicit FakeTimer(std::shared_ptr<State> s) : s_(std::move(s)) {}
        ~FakeTimer() override { cancel(); }
        void cancel() override {
            s_->cancelled = true;
            s_->fn = nullptr;
        }

    private:
        std::shared_ptr<State> s_;
    };

    void prune() {
        std::erase_if(timers_, [](const auto& t) { return t->cancelled || t->done; });
    }

    Clock::time_point now_{std::chrono::milliseconds(kStartMs)};
    std::uint64_t next_seq_ = 1;
    std::vector<std::shared_ptr<State>> timers_;
    std::vector<std::chrono::milliseconds> delays_;
    std::deque<std::function<void()>> posted_;
};

class RecordingSender final : public net::HttpSender {
public:
    struct Sent {
        std::string method;
        std::string url;
        net::HeaderList headers;
        std::string body;
        std::chrono::milliseconds timeout{};
        std::function<void(net::ClientResult)> done;
        bool completed = false;

        std::optional<std::string> header(std::string_view name) const {
            for (const auto& [k, v] : headers)
                if (net::iequals(k, name)) return v;
            return std::nullopt;
        }
    };

    void send(std::string method, std::string url, net::HeaderList headers, std::string body,
              std::chrono::milliseconds timeout, std::function<void(net::ClientResult)> done) override {
        sent_.push_back({std::move(method), std::move(url), std::move(headers), std::move(body),
                         timeout, std::move(done), false});
    }

    std::size_t count() const { return sent_.size(); }
    // References stay valid while more requests are recorded (deque).
    Sent& at(std::size_t i) { return sent_.at(i); }
    Sent& last() { return sent_.back(); }
    std::size_t outstanding() const {
        return static_cast<std::size_t>(
            std::count_if(sent_.begin(), sent_.end(), [](const Sent& s) { return !s.completed; }));
    }

    // Completes request i with a response (any status).
    void respond(std::size_t i, int status, std::string body = {}, net::HeaderList headers = {}) {
        net::ClientResult r;
        r.status = status;
        r.body = std::move(body);
        r.headers = std::move(headers);
        finish(i, std::move(r));
    }
    // Completes request i with a transport error (no response).
    void fail(std::size_t i, std::string error = "connection refused") {
        net::ClientResult r;
        r.error = std::move(error);
        finish(i, std::move(r));
    }

private:
    void finish(std::size_t i, net::ClientResult r) {
        Sent& s = sent_.at(i);
        ASSERT_FALSE(s.completed) << "request " << i << " completed twice";
        s.completed = true;
        auto done = std::move(s.done);
        s.done = nullptr;
        done(std::move(r));
    }

    std::deque<Sent> sent_;
};

// A recorded protocol body from tests/unit/sdk/fixtures/.
inline std::string fixture(const std::string& name) {
    // Not __FILE__: ccache's base_dir makes it relative to the build directory.
    std::ifstream in(std::string(CAREBRIDGE_SOURCE_DIR) + "/tests/unit/sdk/fixtures/" + name, std::ios::binary);
    EXPECT_TRUE(in) << "missing fixture " << name;
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace carebridge::sdk_test
