#pragma once
// The zstd dictionaries the platform's event and transcript records are compressed with in the
// store (store/record_compression.hpp). Event records are 0.2-2 KiB of JSON made of the same
// link relations and href shapes over and over: with a dictionary of that vocabulary they
// shrink ~7x (~3x without), which is most of the store's work per durable message.
//
// record_dictionary_v1.zdict was trained by scripts/make_record_dictionary.py on records of a
// benchmark run with every id, name, time and text replaced by random ones (so it knows the
// product's JSON, not one deployment's ids) and on the protocol fixtures. Records name the
// dictionary they were written with: a released one is never edited or removed; a better one
// is added as v2 and becomes the one written with.
#include <cstdint>
#include <string_view>
#include <vector>

#include "store/record_compression.hpp"

namespace carebridge::platform::persist {

std::string_view record_dictionary_v1();  // generated from record_dictionary_v1.zdict

inline constexpr std::uint32_t kRecordDictionary = 1;  // the one new records are written with

// Every dictionary records may have been written with.
inline std::vector<store::Dictionary> record_dictionaries() { return {{1, record_dictionary_v1()}}; }

}  // namespace carebridge::platform::persist
