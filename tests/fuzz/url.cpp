// URL and query handling: the server's percent-decoding and query parsing, the router's path
// split, the api's origin / callback URL / media type checks, the SDK's href helpers (Boost.URL)
// and its data: URI reader. Input: one string, split at the first NUL into two arguments
// where an operation takes two.
#include <cstdint>
#include <string>
#include <string_view>

#include "net/http_types.hpp"
#include "platform/api/http_util.hpp"
#include "platform/api/router.hpp"
#include "platform/auth/tokens.hpp"
#include "sdk/events.hpp"
#include "sdk/resource.hpp"
#include "sdk/url.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace carebridge;
    const std::string_view in(reinterpret_cast<const char*>(data), size);
    const auto nul = in.find('\0');
    const std::string_view a = in.substr(0, nul);
    const std::string_view b = nul == std::string_view::npos ? std::string_view() : in.substr(nul + 1);

    const std::string decoded = net::percent_decode(a, false);
    (void)net::percent_decode(a, true);
    // Encoding then decoding must give the input back.
    if (net::percent_decode(net::percent_encode(a), false) != a) __builtin_trap();
    (void)net::parse_query(a, true);
    (void)platform::api::split_path(decoded);
    (void)platform::api::valid_origin(a, true);
    (void)platform::api::valid_origin(a, false);
    (void)platform::api::valid_callback_url(a, true);
    (void)platform::api::valid_callback_url(a, false);
    (void)platform::api::valid_utf8(a);
    (void)platform::api::media_type(a);
    (void)auth::split_origins(a);

    (void)sdk::origin_of(a);
    (void)sdk::resolve(a, b);
    // The parameter set is there, once, with its value, whatever the href held before.
    const std::string with = sdk::with_query(a, "endpointId", b);
    const std::string_view w(with);
    const auto q = w.find('?');
    const auto query = w.substr(q + 1, w.find('#', q) == std::string_view::npos ? w.npos : w.find('#', q) - q - 1);
    std::size_t found = 0;
    for (const auto& [k, v] : net::parse_query(query, true))
        if (k == "endpointId" && (++found > 1 || v != b)) __builtin_trap();
    if (q == std::string_view::npos || found != 1) __builtin_trap();
    (void)sdk::href_path(a);
    (void)sdk::ack_of(a);
    (void)sdk::parse_positions(a);
    (void)sdk::data_uri_text(a);
    return 0;
}
