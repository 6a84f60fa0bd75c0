#include "net/cidr.hpp"

#include <gtest/gtest.h>

namespace net {
namespace {

boost::asio::ip::address ip(const char* text) { return boost::asio::ip::make_address(text); }

Cidr range(const char* text) {
    std::string err;
    auto c = Cidr::parse(text, err);
    EXPECT_TRUE(c) << text << ": " << err;
    return c.value_or(Cidr{});
}

TEST(Cidr, AddressesAndRanges) {
    struct Case {
        const char* range;
        const char* address;
        bool inside;
    } cases[] = {
        {"127.0.0.1", "127.0.0.1", true},
        {"127.0.0.1", "127.0.0.2", false},
        {"10.0.0.0/8", "10.200.1.1", true},
        {"10.0.0.0/8", "11.0.0.1", false},
        {"192.0.2.128/25", "192.0.2.200", true},
        {"192.0.2.128/25", "192.0.2.127", false},
        {"192.0.2.0/31", "192.0.2.1", true},
        {"192.0.2.0/31", "192.0.2.2", false},
        {"192.0.2.0/24", "::ffff:192.0.2.7", true},  // an IPv4-mapped peer on a dual-stack socket
        {"::ffff:192.0.2.0/120", "192.0.2.7", true},
        {"2001:db8::/32", "2001:db8:1::5", true},
        {"2001:db8::/32", "2001:db9::5", false},
        {"2001:db8::/33", "2001:db8:8000::1", false},
        {"::1", "::1", true},
        {"::1", "127.0.0.1", false},
        {"0.0.0.0/0", "203.0.113.9", true},
        {"0.0.0.0/0", "2001:db8::1", false},  // every IPv4 address, no IPv6 one
        {"any", "::1", true},
        {"any", "203.0.113.9", true},
    };
    for (const auto& c : cases)
        EXPECT_EQ(range(c.range).contains(ip(c.address)), c.inside) << c.range << " " << c.address;
}

TEST(Cidr, BothSidesOfThePrefixLimits) {
    std::string err;
    EXPECT_TRUE(Cidr::parse("10.0.0.0/32", err));
    EXPECT_FALSE(Cidr::parse("10.0.0.0/33", err));
    EXPECT_NE(err.find("IPv4 prefix is at most /32"), std::string::npos) << err;
    EXPECT_TRUE(Cidr::parse("2001:db8::/128", err));
    EXPECT_FALSE(Cidr::parse("2001:db8::/129", err));
    EXPECT_TRUE(Cidr::parse("0.0.0.0/0", err));
    EXPECT_TRUE(Cidr::parse("::/0", err));
}

TEST(Cidr, ErrorsNameTheEntry) {
    for (const char* text : {"localhost", "10.0.0.0/", "10.0.0.0/x", "10.0.0.0/-1", "10.0.0.0/0008", "", "/8",
                             "10.0.0.256", "010.0.0.1", "fe80::1%eth0", "10.0.0.0/8 ", "any/8"}) {
        std::string err;
        EXPECT_FALSE(Cidr::parse(text, err)) << text;
        EXPECT_EQ(err.rfind(std::string("`") + text + "` is not an address, a CIDR range or \"any\"", 0), 0u) << err;
    }
}

TEST(Cidr, HostBitsAreRefusedWithTheRange) {
    std::string err;
    EXPECT_FALSE(Cidr::parse("10.0.0.1/8", err));
    EXPECT_NE(err.find("host bits are set (the range is 10.0.0.0/8)"), std::string::npos) << err;
    EXPECT_FALSE(Cidr::parse("2001:db8::1/64", err));
    EXPECT_NE(err.find("(the range is 2001:db8::/64)"), std::string::npos) << err;
}

TEST(Cidr, CanonicalText) {
    EXPECT_EQ(range("10.0.0.0/8").to_string(), "10.0.0.0/8");
    EXPECT_EQ(range("192.0.2.1").to_string(), "192.0.2.1");
    EXPECT_EQ(range("2001:DB8::/32").to_string(), "2001:db8::/32");
    EXPECT_EQ(range("::ffff:10.0.0.0/104").to_string(), "10.0.0.0/8");
    EXPECT_EQ(range("any").to_string(), "any");
}

TEST(CidrList, AnyEntryMatchesAndEmptyMatchesNobody) {
    std::string err;
    auto list = CidrList::parse({"127.0.0.1", "10.0.0.0/8", "2001:db8::/32"}, err);
    ASSERT_TRUE(list) << err;
    EXPECT_TRUE(list->contains(ip("10.1.2.3")));
    EXPECT_TRUE(list->contains(ip("2001:db8::53")));
    EXPECT_TRUE(list->contains(ip("::ffff:127.0.0.1")));
    EXPECT_FALSE(list->contains(ip("192.0.2.1")));
    EXPECT_EQ(list->to_string(), "127.0.0.1, 10.0.0.0/8, 2001:db8::/32");
    EXPECT_FALSE(CidrList{}.contains(ip("127.0.0.1")));
    EXPECT_TRUE(CidrList{}.empty());
}

TEST(CidrList, FirstBadEntryIsReported) {
    std::string err;
    EXPECT_FALSE(CidrList::parse({"127.0.0.1", "10.0.0.0/33", "nonsense"}, err));
    EXPECT_EQ(err.rfind("`10.0.0.0/33`", 0), 0u) << err;
}

}  // namespace
}  // namespace net
