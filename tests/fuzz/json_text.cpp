// JsonText, the platform's own JSON writer (stored snapshots and records, events, the message
// resource), against boost::json: any bytes must be escaped exactly as boost::json::serialize
// escapes them, and UTF-8 text (all the platform accepts) must read back unchanged, also
// through a stored message's encode/decode.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include <boost/json.hpp>

#include "platform/engine/persistence.hpp"
#include "platform/events/json_text.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace carebridge::platform;
    const std::string_view in(reinterpret_cast<const char*>(data), size);

    std::string out;
    append_json_string(out, in);
    if (out != boost::json::serialize(boost::json::string(in))) std::abort();

    boost::system::error_code ec;
    const auto parsed = boost::json::parse(out, ec);
    if (ec) return 0;  // not UTF-8: the platform refuses such text before it gets here
    if (!parsed.is_string() || parsed.as_string() != in) std::abort();

    Message m;
    m.number = size;
    m.sender_uri = "sip:fuzz@x.test";
    m.sender_name = std::string(in);  // whole: a cut could fall inside a UTF-8 sequence
    m.content_type = "text/plain";
    m.text = std::string(in);
    m.time = static_cast<std::int64_t>(size) - 7;
    const auto back = persist::decode_message(persist::encode(m));
    if (!back || back->text != m.text || back->sender_name != m.sender_name || back->time != m.time)
        std::abort();
    return 0;
}
