// The platform's front door as the server runs it: raw bytes -> the server's request parser
// (net/request_parser.hpp) with its limits -> PlatformApi::handle (CORS,
// router, authentication, every resource's body handling) over a live in-memory chat.
// "$A" "$V" "$G" in the input become valid application / visitor / agent tokens and "$v" "$c"
// "$m" ... the chat's ids (world.cpp), so the fuzzer gets past authentication.
// Any 5xx, a dropped request, a crash or a sanitizer report is a finding.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include "net/http_server.hpp"
#include "net/request_parser.hpp"
#include "world.hpp"

namespace http = boost::beast::http;
using carebridge::fuzz::World;

namespace {

std::unique_ptr<World> world;
unsigned runs = 0;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    // The chat's state drifts as inputs act on it; a fresh one now and then keeps runs comparable.
    if (!world || ++runs % 2000 == 0) world = std::make_unique<World>();
    const std::string wire = world->expand({reinterpret_cast<const char*>(data), size});

    const carebridge::net::ServerOptions limits;  // the server's defaults
    carebridge::net::detail::RequestParser parser;  // the server's own
    parser.eager(true);
    parser.header_limit(static_cast<std::uint32_t>(limits.header_limit));
    parser.body_limit(64 * 1024);  // PlatformConfig::body_limit's default
    boost::beast::error_code ec;
    std::size_t offset = 0;
    while (!parser.is_done() && offset < wire.size()) {
        const std::size_t n = parser.put(boost::asio::buffer(wire.data() + offset, wire.size() - offset), ec);
        offset += n;
        if (ec == http::error::need_more) ec = {};
        if (ec || n == 0) break;
    }
    if (!ec && !parser.is_done() && parser.got_some()) parser.put_eof(ec);
    if (ec || !parser.is_done()) return 0;  // the server answers 400/413/431 or closes

    const int status = world->handle(parser.take("127.0.0.1"));
    if (status >= 500) {
        std::fprintf(stderr, "http_api: answered %d\n", status);
        std::abort();
    }
    if (size % 7 == 0) world->advance_seconds(7);  // let timers (typing, long-polls) fire too
    return 0;
}
