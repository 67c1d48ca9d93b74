#pragma once
#include "app/config.hpp"

namespace carebridge::app {

// Runs the platform until SIGINT/SIGTERM. Prints "carebridge platform listening on <url>"
// once the port is bound. Returns the process exit code.
int run_platform(PlatformConfig config);

}  // namespace carebridge::app
