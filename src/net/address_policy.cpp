#include "net/address_policy.hpp"

#include <arpa/inet.h>

#include <array>
#include <cctype>
#include <cstdint>
#include <cstring>

namespace carebridge::net {

namespace {

AddressClass classify_v4(std::uint32_t a) {
    const auto in = [a](std::uint32_t net, int bits) {
        return bits == 0 || (a >> (32 - bits)) == (net >> (32 - bits));
    };
    if (in(0x00000000, 8)) return AddressClass::unspecified;        // 0/8 ("this host")
    if (in(0x7F000000, 8)) return AddressClass::loopback;           // 127/8
    if (in(0x0A000000, 8) || in(0xAC100000, 12) || in(0xC0A80000, 16) || in(0x64400000, 10))
        return AddressClass::private_net;                           // 10/8 172.16/12 192.168/16 100.64/10
    if (in(0xA9FE0000, 16)) return AddressClass::link_local;        // 169.254/16, metadata
    if (in(0xE0000000, 4) || in(0xF0000000, 4) || in(0xC0000000, 24) || in(0xC0000200, 24) ||
        in(0xC6336400, 24) || in(0xCB007100, 24) || in(0xC6120000, 15))
        return AddressClass::special;  // multicast, reserved+broadcast, IETF, TEST-NETs, benchmarking
    return AddressClass::global;
}

AddressClass classify_v6(const std::array<std::uint8_t, 16>& b) {
    static constexpr std::array<std::uint8_t, 16> zero{};
    std::array<std::uint8_t, 16> one{};
    one[15] = 1;
    if (b == zero) return AddressClass::unspecified;
    if (b == one) return AddressClass::loopback;
    // ::ffff:a.b.c.d (mapped) and ::a.b.c.d (deprecated compatible) reach the IPv4 address.
    const bool mapped = std::memcmp(b.data(), zero.data(), 10) == 0 &&
                        ((b[10] == 0xFF && b[11] == 0xFF) || (b[10] == 0 && b[11] == 0));
    if (mapped)
        return classify_v4(std::uint32_t{b[12]} << 24 | std::uint32_t{b[13]} << 16 |
                           std::uint32_t{b[14]} << 8 | b[15]);
    if ((b[0] & 0xFE) == 0xFC) return AddressClass::private_net;                 // fc00::/7
    if (b[0] == 0xFE && (b[1] & 0xC0) == 0x80) return AddressClass::link_local;  // fe80::/10
    if (b[0] == 0xFE && (b[1] & 0xC0) == 0xC0) return AddressClass::private_net;  // fec0::/10 site-local
    if (b[0] == 0xFF) return AddressClass::special;                              // multicast
    if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0D && b[3] == 0xB8) return AddressClass::special;  // doc
    // 64:ff9b::/96 (NAT64) and 2002::/16 (6to4) embed an IPv4 address: judge that one.
    if (b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xFF && b[3] == 0x9B)
        return classify_v4(std::uint32_t{b[12]} << 24 | std::uint32_t{b[13]} << 16 |
                           std::uint32_t{b[14]} << 8 | b[15]);
    if (b[0] == 0x20 && b[1] == 0x02)
        return classify_v4(std::uint32_t{b[2]} << 24 | std::uint32_t{b[3]} << 16 |
                           std::uint32_t{b[4]} << 8 | b[5]);
    return AddressClass::global;
}

}  // namespace

std::optional<AddressClass> classify_address(std::string_view ip) {
    if (ip.size() > 64) return std::nullopt;
    const std::string text(ip);
    in_addr a4{};
    if (inet_pton(AF_INET, text.c_str(), &a4) == 1) return classify_v4(ntohl(a4.s_addr));
    in6_addr a6{};
    // A zone id ("fe80::1%eth0") is not accepted by inet_pton: refused as not an address.
    if (inet_pton(AF_INET6, text.c_str(), &a6) == 1) {
        std::array<std::uint8_t, 16> bytes{};
        std::memcpy(bytes.data(), &a6, 16);
        return classify_v6(bytes);
    }
    return std::nullopt;
}

bool AddressPolicy::allows(std::string_view ip) const {
    const auto c = classify_address(ip);
    if (!c) return false;
    switch (*c) {
        case AddressClass::global: return true;
        case AddressClass::loopback: return allow_loopback;
        case AddressClass::private_net: return allow_private;
        default: return false;
    }
}

bool host_allowed(std::string_view host, const AddressPolicy& policy) {
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
    if (classify_address(host)) return policy.allows(host);
    std::string lower(host);
    for (auto& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    while (!lower.empty() && lower.back() == '.') lower.pop_back();
    if (lower == "localhost" || lower.ends_with(".localhost")) return policy.allow_loopback;
    // Forms inet_pton refuses but resolvers accept ("2130706433", "0x7f.1", "127.1") could
    // smuggle an address past this check; no real top-level label is numeric, so refuse those.
    const std::string_view last = std::string_view(lower).substr(lower.rfind('.') + 1);
    if (last.empty() || last.starts_with("0x") ||
        last.find_first_not_of("0123456789") == std::string_view::npos)
        return false;
    return true;  // a name: judged on its resolved addresses at connect time
}

}  // namespace carebridge::net
