#pragma once
// An in-memory platform holding one live chat (visitor, bridged meeting, application messaging,
// an agent joined), with the tokens each side would hold, for fuzz targets that drive
// PlatformApi::handle in-process. No sockets, no store, a manual clock: deterministic and fast.
#include <memory>
#include <string>
#include <string_view>

#include "platform/api/platform_api.hpp"

namespace carebridge::fuzz {

class World {
public:
    World();
    ~World();
    // Replaces "$x" placeholders with the ids and tokens of the live chat (see world.cpp).
    std::string expand(std::string_view text) const;
    // Hands the request to the platform and runs the work it posts; returns the status
    // (0 if the handler kept the request parked, e.g. a long-poll; 500 if it dropped it).
    int handle(net::Request&& req);
    // Moves the clock (fires typing/invitation/long-poll timers).
    void advance_seconds(int s);

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace carebridge::fuzz
