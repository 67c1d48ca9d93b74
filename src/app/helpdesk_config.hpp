#pragma once
// The helpdesk's TOML configuration (see config/helpdesk.toml for every key). Strict like the
// platform's: an unknown key or a bad value stops start-up with a message naming the key.
#include <filesystem>
#include <string_view>

#include "app/config.hpp"
#include "helpdesk/settings.hpp"

namespace carebridge::app {

// `embedded`: inside `carebridge up`, where the [platform] connection (discover URL, client
// credentials) is derived from the platform in the same process and may be omitted.
helpdesk::Settings parse_helpdesk_config(std::string_view toml_text, bool embedded = false);  // throws ConfigError
helpdesk::Settings load_helpdesk_config(const std::filesystem::path& file);                   // throws ConfigError

}  // namespace carebridge::app
