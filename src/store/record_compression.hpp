#pragma once
// Compression of stream records' data: zstd with a dictionary that the store's owner provides
// (it knows what its records look like; the store does not). Records are small (0.2-2 KiB of
// JSON) and alike, so a dictionary is what makes them compress: ~7x, against ~3x without one.
// A record names the dictionary it was written with (its codec): 0 is "stored as given".
// A released dictionary is therefore never edited: a better one gets the next number, and
// every dictionary the files may hold stays known to the readers.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace carebridge::store {

struct Dictionary {
    std::uint32_t id = 0;  // >= 1; the codec of records written with it
    std::string_view bytes;  // a zstd dictionary (zstd --train) or raw content; outlives users
};

// One thread's compressor (holds zstd's context).
class RecordCompressor {
public:
    explicit RecordCompressor(Dictionary dictionary);  // StoreError if it cannot be loaded
    ~RecordCompressor();
    RecordCompressor(const RecordCompressor&) = delete;
    RecordCompressor& operator=(const RecordCompressor&) = delete;

    // The codec to store with `out`: the dictionary's id, or 0 when compressing did not make
    // the data smaller (out is then left empty and the data is stored as given).
    std::uint32_t compress(std::string_view data, std::string& out);

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// One thread's decompressor, knowing every dictionary the records may have been written with.
class RecordDecompressor {
public:
    explicit RecordDecompressor(const std::vector<Dictionary>& dictionaries);  // StoreError
    ~RecordDecompressor();
    RecordDecompressor(const RecordDecompressor&) = delete;
    RecordDecompressor& operator=(const RecordDecompressor&) = delete;

    // The original data; StoreError for an unknown codec (a newer build's dictionary) or
    // data that does not decompress (a damaged file).
    std::string decompress(std::uint32_t codec, std::string_view data);

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace carebridge::store
