// The record dictionary: a released dictionary is never edited (records on disk need it
// byte for byte), and it is what makes event records small.
#include "platform/engine/record_dictionary.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "store/store.hpp"

namespace carebridge::platform::persist {
namespace {

// A UCWA message event record as the platform stores it (persist::encode).
const std::string kRecord =
    R"({"rel":"conversation","href":"/ucwa/psanon/v1/applications/5c2f0e0b9a6d41e7/communication/conversations/0d94a1c3b2e6f578","time":1795730934608})"
    "\n"
    R"({"link":{"rel":"message","href":"/ucwa/psanon/v1/applications/5c2f0e0b9a6d41e7/communication/conversations/0d94a1c3b2e6f578/messaging/messages/3"},"_embedded":{"message":{"direction":"Incoming","timeStamp":"2026-11-26T22:08:58.572Z","_links":{"self":{"href":"/ucwa/psanon/v1/applications/5c2f0e0b9a6d41e7/communication/conversations/0d94a1c3b2e6f578/messaging/messages/3"},"messaging":{"href":"/ucwa/psanon/v1/applications/5c2f0e0b9a6d41e7/communication/conversations/0d94a1c3b2e6f578/messaging"},"participant":{"href":"/ucwa/psanon/v1/applications/5c2f0e0b9a6d41e7/communication/conversations/0d94a1c3b2e6f578/participants/alice@contoso.com","title":"Alice"},"plainMessage":{"href":"data:text/plain;charset=utf-8,Hello%2C%20how%20can%20I%20help%3F"}},"rel":"message"}},"status":"Success","type":"completed"})";

std::string from_hex(std::string_view hex) {
    std::string out;
    for (std::size_t i = 0; i + 1 < hex.size(); i += 2) out += static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16));
    return out;
}

// kRecord compressed with dictionary v1 when it was released (zstd -1 -D record_dictionary_v1.zdict).
const std::string kCompressedWithV1 = from_hex(
    "28b52ffd6501b802a50300a3051034c8119894ac11c311d8c0700497930c47c0033362388218e0083025258b8d923512"
    "49c9c15e8ba71b6bbe65efb7f736bc1065baa3afacd7a9e2f3c89635983614fcae0ba86574813446e078de3f4a82bb40"
    "75182e0be8330729d6247fca2ee1108a6fdab20cd4353d2fce134067114709ea344e55");

TEST(RecordDictionary, V1StillReadsWhatItWroteWhenReleased) {
    store::RecordDecompressor reader(record_dictionaries());
    EXPECT_EQ(reader.decompress(1, kCompressedWithV1), kRecord);
}

TEST(RecordDictionary, TheCurrentOneIsListedAndShrinksAnEventRecordFourTimesOrMore) {
    const auto all = record_dictionaries();
    const auto current = std::find_if(all.begin(), all.end(), [](const auto& d) { return d.id == kRecordDictionary; });
    ASSERT_NE(current, all.end());
    store::RecordCompressor writer(*current);
    std::string packed;
    ASSERT_EQ(writer.compress(kRecord, packed), kRecordDictionary);
    EXPECT_LE(packed.size() * 4, kRecord.size()) << packed.size() << " of " << kRecord.size();
    EXPECT_EQ(store::RecordDecompressor(record_dictionaries()).decompress(kRecordDictionary, packed), kRecord);
}

}  // namespace
}  // namespace carebridge::platform::persist
