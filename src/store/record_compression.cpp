#include "store/record_compression.hpp"

#include <zstd.h>

#include <map>

#include "store/store.hpp"

namespace carebridge::store {

namespace {
// Level 1: the writer thread compresses every record of every commit; higher levels gained
// ~1% in size here for twice the time.
constexpr int kLevel = 1;
// A frame claiming more than this is damaged (records are kilobytes): not allocated.
constexpr std::size_t kMaxRecord = 64u << 20;

[[noreturn]] void fail(const std::string& what) { throw StoreError("record compression: " + what); }
}  // namespace

struct RecordCompressor::Impl {
    std::uint32_t id = 0;
    ZSTD_CCtx* cctx = nullptr;
    ZSTD_CDict* cdict = nullptr;
    ~Impl() {
        ZSTD_freeCDict(cdict);
        ZSTD_freeCCtx(cctx);
    }
};

RecordCompressor::RecordCompressor(Dictionary dictionary) : impl_(std::make_unique<Impl>()) {
    if (dictionary.id == 0) fail("dictionary ids start at 1 (0 means not compressed)");
    impl_->id = dictionary.id;
    impl_->cctx = ZSTD_createCCtx();
    impl_->cdict = ZSTD_createCDict(dictionary.bytes.data(), dictionary.bytes.size(), kLevel);
    if (!impl_->cctx || !impl_->cdict) fail("cannot load dictionary " + std::to_string(dictionary.id));
    // Frames keep the data's size (decompression allocates once), the dictionary's id and a
    // checksum: a damaged page or a mismatched dictionary is an error, not different JSON.
    ZSTD_CCtx_setParameter(impl_->cctx, ZSTD_c_checksumFlag, 1);
    ZSTD_CCtx_setParameter(impl_->cctx, ZSTD_c_contentSizeFlag, 1);
    ZSTD_CCtx_setParameter(impl_->cctx, ZSTD_c_dictIDFlag, 1);
    ZSTD_CCtx_refCDict(impl_->cctx, impl_->cdict);
}

RecordCompressor::~RecordCompressor() = default;

std::uint32_t RecordCompressor::compress(std::string_view data, std::string& out) {
    out.resize(ZSTD_compressBound(data.size()));
    const std::size_t n = ZSTD_compress2(impl_->cctx, out.data(), out.size(), data.data(), data.size());
    if (ZSTD_isError(n) || n >= data.size()) {
        out.clear();
        return 0;
    }
    out.resize(n);
    return impl_->id;
}

struct RecordDecompressor::Impl {
    ZSTD_DCtx* dctx = nullptr;
    std::map<std::uint32_t, ZSTD_DDict*> ddicts;
    ~Impl() {
        for (auto& [id, d] : ddicts) ZSTD_freeDDict(d);
        ZSTD_freeDCtx(dctx);
    }
};

RecordDecompressor::RecordDecompressor(const std::vector<Dictionary>& dictionaries)
    : impl_(std::make_unique<Impl>()) {
    impl_->dctx = ZSTD_createDCtx();
    if (!impl_->dctx) fail("out of memory");
    for (const auto& d : dictionaries) {
        if (d.id == 0 || impl_->ddicts.contains(d.id)) fail("dictionary ids must be distinct and >= 1");
        ZSTD_DDict* dd = ZSTD_createDDict(d.bytes.data(), d.bytes.size());
        if (!dd) fail("cannot load dictionary " + std::to_string(d.id));
        impl_->ddicts.emplace(d.id, dd);
    }
}

RecordDecompressor::~RecordDecompressor() = default;

std::string RecordDecompressor::decompress(std::uint32_t codec, std::string_view data) {
    if (codec == 0) return std::string(data);
    const auto it = impl_->ddicts.find(codec);
    if (it == impl_->ddicts.end())
        fail("a record was written with dictionary " + std::to_string(codec) +
             ", which this build does not know (written by a newer version?)");
    const auto size = ZSTD_getFrameContentSize(data.data(), data.size());
    if (size == ZSTD_CONTENTSIZE_ERROR || size == ZSTD_CONTENTSIZE_UNKNOWN || size > kMaxRecord)
        fail("a record compressed with dictionary " + std::to_string(codec) + " is damaged");
    std::string out(static_cast<std::size_t>(size), '\0');
    const std::size_t n = ZSTD_decompress_usingDDict(impl_->dctx, out.data(), out.size(), data.data(),
                                                     data.size(), it->second);
    if (ZSTD_isError(n) || n != out.size())
        fail("a record compressed with dictionary " + std::to_string(codec) + " is damaged: " +
             (ZSTD_isError(n) ? ZSTD_getErrorName(n) : "wrong size"));
    return out;
}

}  // namespace carebridge::store
