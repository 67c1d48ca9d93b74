#include "sdk/duplicate_filter.hpp"

namespace carebridge::sdk {

bool DuplicateFilter::fresh(std::uint64_t position, const std::string& digest) {
    if (position == 0) return true;
    auto [it, inserted] = seen_.try_emplace(position, digest);
    if (!inserted) {
        if (it->second == digest) return false;
        it->second = digest;  // a new stream reusing the position: remember the new event
        return true;
    }
    while (seen_.size() > capacity_) seen_.erase(seen_.begin());
    return true;
}

}  // namespace carebridge::sdk
