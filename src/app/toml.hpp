#pragma once
// toml++ for every configuration loader. toml++ 3.3.0 (Debian 12) asserts on some malformed
// documents ("[=", found by fuzzing: tests/fuzz/regressions/config) where the very next branch
// reports a proper parse error; a debug build would abort instead of naming the bad line. Its
// internal asserts are off here so a bad file always ends in ConfigError (exit status 2).
#define TOML_ASSERT(expr) static_cast<void>(0)
// Header-only mode (the default): nothing extra to link, and no ABI coupling to the distro .so.
#include <toml++/toml.h>
