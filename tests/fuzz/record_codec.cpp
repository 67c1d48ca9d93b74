// The store's record codec with the platform's dictionary: any bytes compress and come back
// unchanged, and any bytes read back as a compressed record (a damaged page) are an error or
// some data, never a crash, an overrun or an unbounded allocation.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "platform/engine/record_dictionary.hpp"
#include "store/record_compression.hpp"
#include "store/store.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace carebridge;
    static const auto dictionaries = platform::persist::record_dictionaries();
    static store::RecordCompressor compressor(dictionaries.back());
    static store::RecordDecompressor decompressor(dictionaries);
    const std::string_view in(reinterpret_cast<const char*>(data), size);

    std::string packed;
    const std::uint32_t codec = compressor.compress(in, packed);
    if (codec != 0) {
        if (packed.size() >= in.size()) std::abort();  // kept only when smaller
        if (decompressor.decompress(codec, packed) != in) std::abort();
    } else if (!packed.empty()) {
        std::abort();
    }
    try {
        (void)decompressor.decompress(platform::persist::kRecordDictionary, in);
    } catch (const store::StoreError&) {
    }
    return 0;
}
