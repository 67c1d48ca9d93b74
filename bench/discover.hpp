#pragma once
// discover: GET one target back to back on keep-alive connections (the HTTP ceiling).
#include "core.hpp"
#include "report.hpp"

namespace bench {

// Runs on its own threads (--threads); returns the exit code (0: every request answered 200).
int run_discover(const Options& o, Report& report);

}  // namespace bench
