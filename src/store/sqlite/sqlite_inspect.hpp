#pragma once
// Read-only inspection of a store file for operators (`carebridge records`): records are
// compressed, so the sqlite3 CLI no longer shows their content. Opens its own read-only
// connection; safe while the owning process runs (WAL readers neither block nor are blocked).
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "store/record_compression.hpp"
#include "store/store.hpp"

namespace carebridge::store {

struct StreamSummary {
    std::string stream;
    std::uint64_t first = 0, last = 0, count = 0;
    std::uint64_t stored_bytes = 0;  // as stored (compressed)
};

// Every stream with records, by name. StoreError for a missing or unreadable file.
std::vector<StreamSummary> inspect_streams(const std::filesystem::path& path);

// Records of `stream` with position >= from, in order, at most max, decompressed with
// `dictionaries` (StoreError if one is missing or a record is damaged).
void inspect_records(const std::filesystem::path& path, const std::vector<Dictionary>& dictionaries,
                     const std::string& stream, std::uint64_t from, std::size_t max,
                     const std::function<void(const Record&)>& on_record);

}  // namespace carebridge::store
