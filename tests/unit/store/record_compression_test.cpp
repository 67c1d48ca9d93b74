// Record compression: what goes in comes out, the dictionary is what makes small records
// shrink, and anything that cannot be decompressed faithfully is an error, never other data.
#include <gtest/gtest.h>

#include <random>

#include "store/record_compression.hpp"
#include "store/store.hpp"

namespace carebridge::store {
namespace {

// A raw-content dictionary: zstd also takes plain sample text as one.
const std::string kSamples =
    R"({"link":{"rel":"message","href":"/ucwa/v1/applications/a1/communication/conversations/c1/messaging/messages/1"},)"
    R"("_embedded":{"message":{"direction":"Incoming","_links":{"self":{"href":"/ucwa/v1/applications/a1/communication/)"
    R"(conversations/c1/messaging/messages/1"},"messaging":{"href":"/ucwa/v1/applications/a1/communication/conversations/)"
    R"(c1/messaging"}},"rel":"message"}},"status":"Success","type":"completed"})";
const std::string kRecord =
    R"({"link":{"rel":"message","href":"/ucwa/v1/applications/b7/communication/conversations/d4/messaging/messages/42"},)"
    R"("_embedded":{"message":{"direction":"Incoming","_links":{"self":{"href":"/ucwa/v1/applications/b7/communication/)"
    R"(conversations/d4/messaging/messages/42"},"messaging":{"href":"/ucwa/v1/applications/b7/communication/conversations/)"
    R"(d4/messaging"}},"rel":"message"}},"status":"Success","type":"completed"})";

std::string random_bytes(std::size_t n) {
    std::mt19937 gen(7);
    std::string out(n, '\0');
    for (auto& c : out) c = static_cast<char>(gen() & 0xff);
    return out;
}

TEST(RecordCompression, RoundTripsAndTheDictionaryMakesSmallRecordsSmall) {
    RecordCompressor with_dictionary({3, kSamples});
    std::string packed;
    ASSERT_EQ(with_dictionary.compress(kRecord, packed), 3u);
    // Most of the record is in the dictionary: a fraction of it is left.
    EXPECT_LT(packed.size() * 4, kRecord.size());
    RecordDecompressor reader({{3, kSamples}});
    EXPECT_EQ(reader.decompress(3, packed), kRecord);
    // Without a dictionary there is nothing to refer to in a record this small.
    RecordCompressor without({1, std::string_view()});
    std::string plain;
    ASSERT_EQ(without.compress(kRecord, plain), 1u);
    EXPECT_LT(packed.size() * 2, plain.size());
    // The compressor is reused record after record.
    for (int i = 0; i < 3; ++i) {
        const std::string other = kRecord + std::to_string(i);
        ASSERT_EQ(with_dictionary.compress(other, packed), 3u);
        EXPECT_EQ(reader.decompress(3, packed), other);
    }
}

TEST(RecordCompression, DataThatDoesNotShrinkIsStoredAsGiven) {
    RecordCompressor c({1, kSamples});
    std::string out = "stale";
    EXPECT_EQ(c.compress(random_bytes(300), out), 0u);
    EXPECT_TRUE(out.empty());
    EXPECT_EQ(c.compress("", out), 0u);
    EXPECT_EQ(c.compress("ab", out), 0u);
    RecordDecompressor reader({});
    EXPECT_EQ(reader.decompress(0, random_bytes(300)), random_bytes(300));  // codec 0: as given
}

TEST(RecordCompression, AnUnknownDictionaryIsAnErrorNamingIt) {
    RecordCompressor c({9, kSamples});
    std::string packed;
    ASSERT_EQ(c.compress(kRecord, packed), 9u);
    RecordDecompressor reader({{1, kSamples}});
    try {
        reader.decompress(9, packed);
        FAIL() << "decompressed with a dictionary it does not have";
    } catch (const StoreError& e) {
        EXPECT_NE(std::string(e.what()).find("dictionary 9"), std::string::npos) << e.what();
    }
}

TEST(RecordCompression, DamagedDataOrTheWrongDictionaryIsAnError) {
    RecordCompressor c({1, kSamples});
    std::string packed;
    ASSERT_EQ(c.compress(kRecord, packed), 1u);
    RecordDecompressor reader({{1, kSamples}});
    std::string damaged = packed;
    damaged[damaged.size() / 2] = static_cast<char>(damaged[damaged.size() / 2] ^ 0x5a);
    EXPECT_THROW(reader.decompress(1, damaged), StoreError);
    EXPECT_THROW(reader.decompress(1, packed.substr(0, packed.size() - 3)), StoreError);
    EXPECT_THROW(reader.decompress(1, "not zstd at all"), StoreError);
    // Same number, other bytes (a dictionary edited after release): the checksum catches it.
    RecordDecompressor edited({{1, kSamples.substr(0, kSamples.size() / 2) + "edited"}});
    EXPECT_THROW(edited.decompress(1, packed), StoreError);
}

TEST(RecordCompression, DictionaryIdsStartAtOneAndAreDistinct) {
    EXPECT_THROW(RecordCompressor({0, kSamples}), StoreError);
    EXPECT_THROW(RecordDecompressor({{0, kSamples}}), StoreError);
    EXPECT_THROW(RecordDecompressor({{2, kSamples}, {2, kSamples}}), StoreError);
}

}  // namespace
}  // namespace carebridge::store
