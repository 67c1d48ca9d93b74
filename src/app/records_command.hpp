#pragma once
// `carebridge records --db FILE [--stream NAME] [--from N] [--limit N]`: what a store file holds,
// as JSON lines. Without --stream, one line per stream (positions, count, bytes stored); with
// it, that stream's records, decompressed (the sqlite3 CLI shows compressed bytes). Read-only,
// safe while the platform runs.
#include <cstdint>
#include <filesystem>
#include <iosfwd>
#include <string>

namespace carebridge::app {

int run_records(const std::filesystem::path& db, const std::string& stream, std::uint64_t from,
                std::uint64_t limit, std::ostream& out, std::ostream& err);

}  // namespace carebridge::app
