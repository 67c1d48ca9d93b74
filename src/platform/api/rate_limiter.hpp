#pragma once
// Token buckets per key (client IP, token, application) with a bounded number of keys: the
// least recently used key is forgotten when the table is full, so a flood of distinct keys
// costs a fixed amount of memory. A forgotten key starts again with a full bucket: the bound
// is the price, and max_keys is sized so that honest keys are not the ones evicted.
#include <cstdint>
#include <list>
#include <string>
#include <unordered_map>

namespace carebridge::platform::api {

class RateLimiter {
public:
    // `burst` requests at once, refilled at `burst` per `period_ms`. burst 0: unlimited.
    RateLimiter(std::int64_t burst, std::int64_t period_ms, std::size_t max_keys);

    // Takes one token of key's bucket: 0 when allowed, else the milliseconds until a token
    // will be there (for Retry-After). `now_ms` is any monotonic-enough clock in ms.
    std::int64_t take(const std::string& key, std::int64_t now_ms);

    bool enabled() const { return burst_ > 0; }
    std::size_t tracked_keys() const { return buckets_.size(); }

private:
    struct Bucket {
        double tokens = 0;
        std::int64_t updated_ms = 0;
        std::list<std::string>::iterator lru;
    };
    double burst_;
    double per_ms_;  // refill rate, tokens per millisecond
    std::size_t max_keys_;
    std::unordered_map<std::string, Bucket> buckets_;
    std::list<std::string> lru_;  // most recently used first
};

}  // namespace carebridge::platform::api
