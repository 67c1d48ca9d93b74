// The SDK's parsing of what the platform sends a Service Application: a callback's
// X-Carebridge-Event-Positions header and its event envelope, then every typed accessor the
// helpdesk uses on the events and their embedded resources. Input: "<positions>\n<body>".
#include <cstdint>
#include <string_view>

#include "sdk/events.hpp"
#include "sdk/resource.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace carebridge::sdk;
    const std::string_view in(reinterpret_cast<const char*>(data), size);
    const auto nl = in.find('\n');
    std::optional<std::uint64_t> first;
    std::string_view body = in;
    if (nl != std::string_view::npos && nl < 64) {
        if (auto list = parse_position_list(in.substr(0, nl))) {  // the receiver's parser
            if (list->empty() || list->size() > 4096) __builtin_trap();
            for (std::size_t i = 1; i < list->size(); ++i)
                if ((*list)[i] <= (*list)[i - 1]) __builtin_trap();  // must ascend
            first = list->front();
        }
        body = in.substr(nl + 1);
    }
    auto batch = parse_envelope(body, first);
    if (!batch) return 0;
    for (const auto& e : batch->events) {
        (void)e.operation_id();
        (void)e.failed();
        if (!e.resource) continue;
        for (const char* rel : {"self", "messaging", "conversation", "acceptAndBridge", "message"}) {
            (void)e.resource->link(rel);
            (void)e.resource->link_title(rel);
            (void)e.resource->embedded(rel);
        }
        (void)data_uri_text(e.href);
        (void)data_uri_text(e.resource->str("message"));
    }
    (void)Resource::parse(body);
    return 0;
}
