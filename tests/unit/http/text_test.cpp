#include "http/text.hpp"

#include <gtest/gtest.h>

using namespace http;

TEST(Text, HexDigits) {
    EXPECT_EQ(hex_value('0'), 0);
    EXPECT_EQ(hex_value('9'), 9);
    EXPECT_EQ(hex_value('a'), 10);
    EXPECT_EQ(hex_value('F'), 15);
    for (char c : {'g', 'G', '/', ':', '@', '`', ' ', '\0'}) EXPECT_EQ(hex_value(c), -1) << int(c);
}

TEST(Text, DecimalsUpTo18DigitsBothSides) {
    std::uint64_t v = 7;
    EXPECT_TRUE(parse_decimal("0", v));
    EXPECT_EQ(v, 0u);
    EXPECT_TRUE(parse_decimal("999999999999999999", v));  // 18 digits
    EXPECT_EQ(v, 999999999999999999u);
    v = 7;
    EXPECT_FALSE(parse_decimal("1000000000000000000", v));  // 19 digits
    EXPECT_FALSE(parse_decimal("", v));
    EXPECT_FALSE(parse_decimal("+1", v));
    EXPECT_FALSE(parse_decimal("1 ", v));
    EXPECT_FALSE(parse_decimal("0x1", v));
    EXPECT_EQ(v, 7u);  // unchanged on failure
}

TEST(Text, AsciiLowerLeavesOtherBytes) {
    EXPECT_EQ(ascii_lower("WWW.SomeSchool.EDU:8080"), "www.someschool.edu:8080");
    EXPECT_EQ(ascii_lower("\xc3\x89[]"), "\xc3\x89[]");
}
