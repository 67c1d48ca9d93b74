// The TOML configuration loaders (platform and helpdesk) from text: any input either loads or
// raises ConfigError naming the key; nothing else may escape.
#include <cstdint>
#include <string_view>

#include "app/config.hpp"
#include "app/helpdesk_config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    try {
        (void)carebridge::app::parse_platform_config(text);
    } catch (const carebridge::app::ConfigError&) {
    }
    try {
        (void)carebridge::app::parse_helpdesk_config(text, false);
    } catch (const carebridge::app::ConfigError&) {
    }
    return 0;
}
