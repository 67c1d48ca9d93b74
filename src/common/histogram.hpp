#pragma once
// A fixed-bucket latency histogram in the shape Prometheus expects (upper bounds in seconds,
// cumulative counts computed when rendered). Single-threaded: recorded and read on the io thread.
#include <array>
#include <cstddef>
#include <cstdint>

namespace carebridge {

class Histogram {
public:
    // 1 ms to 10 s: request handling, long-poll answers excluded (see metrics.cpp), store commits.
    static constexpr std::array<double, 12> kBounds{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                                    0.1,   0.25,   0.5,   1.0,  2.5,   10.0};

    void observe(double seconds) {
        std::size_t i = 0;
        while (i < kBounds.size() && seconds > kBounds[i]) ++i;
        ++counts_[i];  // counts_[kBounds.size()] is +Inf
        sum_ += seconds;
        ++count_;
    }
    // Observations <= kBounds[i] (i == kBounds.size(): all).
    std::uint64_t cumulative(std::size_t i) const {
        std::uint64_t n = 0;
        for (std::size_t j = 0; j <= i && j < counts_.size(); ++j) n += counts_[j];
        return n;
    }
    double sum() const { return sum_; }
    std::uint64_t count() const { return count_; }

private:
    std::array<std::uint64_t, kBounds.size() + 1> counts_{};
    double sum_ = 0;
    std::uint64_t count_ = 0;
};

}  // namespace carebridge
