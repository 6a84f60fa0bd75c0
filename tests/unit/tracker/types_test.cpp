#include "tracker/types.hpp"

#include <gtest/gtest.h>

namespace tracker {
namespace {

TEST(Types, Hash20FromBytesExactly20) {
    EXPECT_TRUE(hash20_from_bytes(std::string(20, 'a')));
    EXPECT_FALSE(hash20_from_bytes(std::string(19, 'a')));
    EXPECT_FALSE(hash20_from_bytes(std::string(21, 'a')));
    EXPECT_FALSE(hash20_from_bytes(""));
}

TEST(Types, HexRoundTrip) {
    const std::string hex = "0123456789abcdef0123456789ABCDEF01234567";
    auto h = hash20_from_hex(hex);
    ASSERT_TRUE(h);
    EXPECT_EQ((*h)[0], 0x01);
    EXPECT_EQ((*h)[19], 0x67);
    EXPECT_EQ(to_hex(*h), "0123456789abcdef0123456789abcdef01234567");
    EXPECT_FALSE(hash20_from_hex(hex.substr(1)));
    EXPECT_FALSE(hash20_from_hex(hex + "0"));
    EXPECT_FALSE(hash20_from_hex("g123456789abcdef0123456789abcdef01234567"));
}

TEST(Types, ParseIp) {
    auto v4 = parse_ip("10.1.2.3", 6881);
    ASSERT_TRUE(v4);
    EXPECT_FALSE(v4->v6);
    EXPECT_EQ(v4->address_bytes(), std::string_view("\x0a\x01\x02\x03", 4));
    EXPECT_EQ(v4->address_text(), "10.1.2.3");
    EXPECT_EQ(v4->port, 6881);
    auto v6 = parse_ip("2001:db8::1", 1);
    ASSERT_TRUE(v6);
    EXPECT_TRUE(v6->v6);
    EXPECT_EQ(v6->address_text(), "2001:db8::1");
    auto mapped = parse_ip("::ffff:192.0.2.7", 2);
    ASSERT_TRUE(mapped);
    EXPECT_FALSE(mapped->v6);
    EXPECT_EQ(mapped->address_text(), "192.0.2.7");
    for (std::string_view bad :
         std::initializer_list<std::string_view>{"", "1.2.3", "1.2.3.4.5", "256.1.1.1", "[::1]", "host.example",
                                                 "1.2.3.4:80", std::string_view("1.2.3.4\0", 8)}) {
        EXPECT_FALSE(parse_ip(bad, 1)) << bad;
    }
}

}  // namespace
}  // namespace tracker
