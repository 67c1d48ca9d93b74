#pragma once
#include <filesystem>
#include <optional>

namespace carebridge::app {

// `carebridge up [--config FILE]`: the platform and the helpdesk in one process, on one
// io_context, until SIGINT/SIGTERM. FILE has a [platform] table (the platform's configuration)
// and a [helpdesk] table (the helpdesk's, whose platform connection and agents are derived
// from the platform's). Without FILE, the built-in demo (config/up.toml, data under ./data).
// Prints the URLs of both, of the visitor page and of the agent console. Returns the exit code.
int run_up(const std::optional<std::filesystem::path>& config_file);

}  // namespace carebridge::app
