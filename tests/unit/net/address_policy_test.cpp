// Address classification for callbacks (SSRF): every range the defence names, both families,
// and the encodings that have slipped past such checks elsewhere.
#include "net/address_policy.hpp"

#include <gtest/gtest.h>

using namespace carebridge::net;

TEST(AddressPolicy, ClassifiesIpv4Ranges) {
    EXPECT_EQ(classify_address("8.8.8.8"), AddressClass::global);
    EXPECT_EQ(classify_address("127.0.0.1"), AddressClass::loopback);
    EXPECT_EQ(classify_address("127.255.1.2"), AddressClass::loopback);
    EXPECT_EQ(classify_address("10.1.2.3"), AddressClass::private_net);
    EXPECT_EQ(classify_address("172.16.0.1"), AddressClass::private_net);
    EXPECT_EQ(classify_address("172.31.255.255"), AddressClass::private_net);
    EXPECT_EQ(classify_address("172.32.0.1"), AddressClass::global);
    EXPECT_EQ(classify_address("172.15.255.255"), AddressClass::global);
    EXPECT_EQ(classify_address("192.168.1.1"), AddressClass::private_net);
    EXPECT_EQ(classify_address("100.64.0.1"), AddressClass::private_net);
    EXPECT_EQ(classify_address("169.254.169.254"), AddressClass::link_local);
    EXPECT_EQ(classify_address("0.0.0.0"), AddressClass::unspecified);
    EXPECT_EQ(classify_address("224.0.0.1"), AddressClass::special);
    EXPECT_EQ(classify_address("255.255.255.255"), AddressClass::special);
}

TEST(AddressPolicy, ClassifiesIpv6Ranges) {
    EXPECT_EQ(classify_address("2606:4700::1111"), AddressClass::global);
    EXPECT_EQ(classify_address("::1"), AddressClass::loopback);
    EXPECT_EQ(classify_address("::"), AddressClass::unspecified);
    EXPECT_EQ(classify_address("fd00::1"), AddressClass::private_net);
    EXPECT_EQ(classify_address("fc00::1"), AddressClass::private_net);
    EXPECT_EQ(classify_address("fe80::1"), AddressClass::link_local);
    EXPECT_EQ(classify_address("ff02::1"), AddressClass::special);
    EXPECT_EQ(classify_address("fd00:ec2::254"), AddressClass::private_net);  // AWS metadata over IPv6
}

TEST(AddressPolicy, EmbeddedIpv4IsJudgedAsIpv4) {
    EXPECT_EQ(classify_address("::ffff:127.0.0.1"), AddressClass::loopback);
    EXPECT_EQ(classify_address("::ffff:169.254.169.254"), AddressClass::link_local);
    EXPECT_EQ(classify_address("::ffff:a9fe:a9fe"), AddressClass::link_local);
    EXPECT_EQ(classify_address("::127.0.0.1"), AddressClass::loopback);
    EXPECT_EQ(classify_address("64:ff9b::10.0.0.1"), AddressClass::private_net);
    EXPECT_EQ(classify_address("2002:a9fe:a9fe::"), AddressClass::link_local);
    EXPECT_EQ(classify_address("::ffff:8.8.8.8"), AddressClass::global);
}

TEST(AddressPolicy, NonAddressesAreNotClassified) {
    EXPECT_FALSE(classify_address("example.com"));
    EXPECT_FALSE(classify_address(""));
    EXPECT_FALSE(classify_address("127.1"));
    EXPECT_FALSE(classify_address("fe80::1%eth0"));
    EXPECT_FALSE(classify_address("[::1]"));
}

TEST(AddressPolicy, DefaultPolicyAllowsOnlyGlobal) {
    AddressPolicy p;
    EXPECT_TRUE(p.allows("93.184.216.34"));
    for (const char* ip : {"127.0.0.1", "::1", "10.0.0.1", "172.20.1.1", "192.168.0.10", "169.254.169.254",
                           "fd00::1", "fe80::1", "0.0.0.0", "::", "::ffff:127.0.0.1", "not-an-ip"})
        EXPECT_FALSE(p.allows(ip)) << ip;
}

TEST(AddressPolicy, OptInsNeverOpenMetadata) {
    AddressPolicy p{true, true};
    EXPECT_TRUE(p.allows("127.0.0.1"));
    EXPECT_TRUE(p.allows("10.0.0.1"));
    EXPECT_TRUE(p.allows("fd12::1"));
    EXPECT_FALSE(p.allows("169.254.169.254"));
    EXPECT_FALSE(p.allows("fe80::1"));
    EXPECT_FALSE(p.allows("0.0.0.0"));
    AddressPolicy loopback_only{true, false};
    EXPECT_TRUE(loopback_only.allows("::1"));
    EXPECT_FALSE(loopback_only.allows("192.168.1.1"));
}

TEST(AddressPolicy, HostsAtRegistration) {
    AddressPolicy p;
    EXPECT_TRUE(host_allowed("helpdesk.contoso.com", p));  // names: judged when resolved
    EXPECT_TRUE(host_allowed("8.8.8.8", p));
    EXPECT_FALSE(host_allowed("127.0.0.1", p));
    EXPECT_FALSE(host_allowed("[::1]", p));
    EXPECT_FALSE(host_allowed("[fd00::1]", p));
    EXPECT_FALSE(host_allowed("localhost", p));
    EXPECT_FALSE(host_allowed("LocalHost.", p));
    EXPECT_FALSE(host_allowed("evil.localhost", p));
    EXPECT_FALSE(host_allowed("169.254.169.254", p));
    // Numeric forms resolvers turn into addresses.
    for (const char* h : {"2130706433", "0x7f000001", "0x7f.1", "127.1", "0177.0.0.1", "2852039166"})
        EXPECT_FALSE(host_allowed(h, p)) << h;
    EXPECT_TRUE(host_allowed("localhost", AddressPolicy{true, false}));
}
