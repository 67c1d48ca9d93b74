#pragma once
// Internal to the config loader: the parsers of sections that live in their own files.
#include <toml++/toml.h>

#include "app/config.hpp"

namespace carebridge::app {

// [limits] and [security] (config_limits.cpp). Throws ConfigError naming the key.
void parse_limits_and_security(const toml::table& root, PlatformConfig& c);
// Refuses applications' callback URLs aimed at addresses callbacks may not reach.
void check_callback_targets(const PlatformConfig& c);

}  // namespace carebridge::app
