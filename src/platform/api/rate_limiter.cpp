#include "platform/api/rate_limiter.hpp"

#include <algorithm>
#include <cmath>

namespace carebridge::platform::api {

RateLimiter::RateLimiter(std::int64_t burst, std::int64_t period_ms, std::size_t max_keys)
    : burst_(static_cast<double>(std::max<std::int64_t>(burst, 0))),
      per_ms_(burst_ / static_cast<double>(std::max<std::int64_t>(period_ms, 1))),
      max_keys_(std::max<std::size_t>(max_keys, 1)) {}

std::int64_t RateLimiter::take(const std::string& key, std::int64_t now_ms) {
    if (burst_ <= 0) return 0;
    auto it = buckets_.find(key);
    if (it == buckets_.end()) {
        if (buckets_.size() >= max_keys_) {
            buckets_.erase(lru_.back());
            lru_.pop_back();
        }
        lru_.push_front(key);
        it = buckets_.emplace(key, Bucket{burst_, now_ms, lru_.begin()}).first;
    } else {
        lru_.splice(lru_.begin(), lru_, it->second.lru);
    }
    Bucket& b = it->second;
    // A clock that steps back refills nothing rather than draining the bucket.
    const auto elapsed = std::max<std::int64_t>(now_ms - b.updated_ms, 0);
    b.tokens = std::min(burst_, b.tokens + static_cast<double>(elapsed) * per_ms_);
    b.updated_ms = std::max(b.updated_ms, now_ms);
    if (b.tokens >= 1.0) {
        b.tokens -= 1.0;
        return 0;
    }
    return std::max<std::int64_t>(1, static_cast<std::int64_t>(std::ceil((1.0 - b.tokens) / per_ms_)));
}

}  // namespace carebridge::platform::api
