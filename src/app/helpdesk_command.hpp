#pragma once
#include "helpdesk/settings.hpp"

namespace carebridge::app {

// Runs the helpdesk alone until SIGINT/SIGTERM. Prints "carebridge helpdesk listening on
// <url>" once the port is bound. Returns the process exit code.
int run_helpdesk(helpdesk::Settings settings);

}  // namespace carebridge::app
