#pragma once
// Which IP addresses an outbound callback may reach. Callback URLs are chosen by Service
// Applications, so without this the platform could be aimed at internal services (SSRF):
// the cloud metadata endpoint, the admin port of a database on 10.x, the platform itself.
// Checked when a URL is registered (literal hosts) and again on every resolved address at
// connect time, so a name that later resolves elsewhere (DNS rebinding) is still refused.
#include <optional>
#include <string>
#include <string_view>

namespace carebridge::net {

enum class AddressClass {
    global,       // a public unicast address
    loopback,     // 127/8, ::1
    private_net,  // 10/8, 172.16/12, 192.168/16, 100.64/10 (CGNAT), fc00::/7 (incl. fd00::/8)
    link_local,   // 169.254/16 (incl. 169.254.169.254, cloud metadata), fe80::/10
    unspecified,  // 0.0.0.0/8, ::
    special,      // multicast, broadcast, reserved, documentation ranges: never a server
};

// Classifies a textual IPv4 or IPv6 address (IPv4-mapped IPv6 is judged as IPv4);
// nullopt when the text is not an IP address literal.
std::optional<AddressClass> classify_address(std::string_view ip);

struct AddressPolicy {
    bool allow_loopback = false;  // e.g. the helpdesk on the same host (demo, tests)
    bool allow_private = false;   // a Service Application on the internal network
    // link-local (metadata), unspecified and special addresses are never allowed.
    bool allows(std::string_view ip) const;
};

// For a URL's host at registration: an IP literal (brackets allowed) is judged by the policy;
// "localhost" counts as loopback; other names pass here and are judged when resolved.
bool host_allowed(std::string_view host, const AddressPolicy& policy);

}  // namespace carebridge::net
