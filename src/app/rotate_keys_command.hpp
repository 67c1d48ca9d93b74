#pragma once
#include <filesystem>
#include <iosfwd>

namespace carebridge::app {

// `carebridge rotate-keys`: a new current signing key in data_dir; the old current stays as the
// previous key (published in the JWKS, still verifying what it signed); the one before is
// dropped. A running platform on that data_dir picks the change up within about a second.
// Prints the key ids; returns the exit code (1: the keys cannot be read or written).
int run_rotate_keys(const std::filesystem::path& data_dir, std::ostream& out, std::ostream& err);

}  // namespace carebridge::app
