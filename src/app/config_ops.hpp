#pragma once
// Internal to the config parser: the [ops] section (kept apart from config.cpp's sections).
#include <toml++/toml.h>

#include "app/config.hpp"

namespace carebridge::app {

// Reads an optional [ops] table into ops; throws ConfigError naming the key.
void parse_ops_section(const toml::table& root, OpsConfig& ops);

}  // namespace carebridge::app
