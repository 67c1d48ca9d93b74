#pragma once
// Drops events already seen. Callbacks are delivered at least once, so a batch the receiver
// took but whose 2xx got lost comes again; positions are the events' stable ids. Callbacks of
// different conversations interleave, so the seen set is not a prefix: it is kept as a bounded
// map position -> digest. The digest guards the other way round: a platform that restarted
// without its store numbers its stream from 1 again, and those new events must not be taken
// for duplicates of old ones at the same positions.
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>

namespace carebridge::sdk {

class DuplicateFilter {
public:
    explicit DuplicateFilter(std::size_t capacity = 65'536) : capacity_(capacity) {}

    // True the first time (position, digest) is offered; false for a duplicate. Position 0
    // (unknown) is always fresh. When full, the oldest positions are forgotten.
    bool fresh(std::uint64_t position, const std::string& digest);
    std::size_t size() const { return seen_.size(); }

private:
    std::size_t capacity_;
    std::map<std::uint64_t, std::string> seen_;
};

}  // namespace carebridge::sdk
