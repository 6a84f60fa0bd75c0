// Strict base64 (RFC 4648) and the SASL PLAIN message (RFC 4616) as SMTP and POP3 AUTH read them.
#include "auth/sasl.hpp"

#include <gtest/gtest.h>

namespace auth {
namespace {

TEST(Base64, DecodesTheCanonicalForm) {
    EXPECT_EQ(base64_decode(""), "");
    EXPECT_EQ(base64_decode("Zg=="), "f");
    EXPECT_EQ(base64_decode("Zm8="), "fo");
    EXPECT_EQ(base64_decode("Zm9v"), "foo");
    EXPECT_EQ(base64_decode("AGFsaWNlAGh1bmdyeQ=="), std::string("\0alice\0hungry", 13));
    EXPECT_EQ(base64_decode("YWxpY2U="), "alice");
    EXPECT_EQ(base64_decode("aHVuZ3J5"), "hungry");
    EXPECT_EQ(base64_decode("+/+/"), "\xfb\xff\xbf");
}

TEST(Base64, RefusesEverythingElse) {
    for (const char* bad : {"Zg", "Zg=", "Z===", "====", "Zh==", "Zm9=", "Zm 9v", "Zm9v\n", " Zm9v", "Zg==Zg==", "=Zm9",
                            "Zm*v", "YWxpY2U", "YW=pY2U=", "YWx!Y2U=", "Zm9v-_=="})
        EXPECT_FALSE(base64_decode(std::string_view(bad, std::char_traits<char>::length(bad)))) << bad;
    EXPECT_FALSE(base64_decode(std::string_view("Zm9v\0AAA", 8)));
}

TEST(Base64, EncodesWithPadding) {
    EXPECT_EQ(base64_encode(""), "");
    EXPECT_EQ(base64_encode("ab"), "YWI=");
    EXPECT_EQ(base64_encode("Username:"), "VXNlcm5hbWU6");
    EXPECT_EQ(base64_encode(std::string("\0alice\0hungry", 13)), "AGFsaWNlAGh1bmdyeQ==");
    for (std::string s : {"a", "ab", "abc", "abcd"}) EXPECT_EQ(base64_decode(base64_encode(s)), s);
}

TEST(SaslPlain, SplitsThreeFields) {
    PlainCredentials c;
    EXPECT_EQ(split_plain(std::string_view("\0bob\0hungry", 11), c), PlainError::ok);
    EXPECT_EQ(c.authzid, "");
    EXPECT_EQ(c.authcid, "bob");
    EXPECT_EQ(c.password, "hungry");
    EXPECT_EQ(split_plain(std::string_view("bob\0bob\0hungry", 14), c), PlainError::ok);
    EXPECT_EQ(c.authzid, "bob");
}

TEST(SaslPlain, ErrorCases) {
    PlainCredentials c;
    EXPECT_EQ(split_plain("bobhungry", c), PlainError::no_separator);
    EXPECT_EQ(split_plain(std::string_view("bob\0hungry", 10), c), PlainError::no_separator);
    EXPECT_EQ(split_plain("", c), PlainError::no_separator);
    // The fields are still filled, so that a daemon may count a failed login.
    EXPECT_EQ(split_plain(std::string_view("\0bob\0hun\0gry", 12), c), PlainError::extra_separator);
    EXPECT_EQ(c.authcid, "bob");
    EXPECT_EQ(c.password, std::string("hun\0gry", 7));
    EXPECT_EQ(split_plain(std::string_view("\0bob\0", 5), c), PlainError::empty_field);
    EXPECT_EQ(split_plain(std::string_view("\0\0hungry", 8), c), PlainError::empty_field);
    // RFC 4616 2: 255 octets per field, on both sides of the limit.
    const std::string max(kMaxSaslField, 'x'), over(kMaxSaslField + 1, 'x');
    EXPECT_EQ(split_plain(max + '\0' + max + '\0' + max, c), PlainError::ok);
    EXPECT_EQ(split_plain(over + '\0' + "bob" + '\0' + "pw", c), PlainError::too_long);
    EXPECT_EQ(split_plain(std::string("\0", 1) + over + '\0' + "pw", c), PlainError::too_long);
    EXPECT_EQ(split_plain(std::string("\0bob\0", 5) + over, c), PlainError::too_long);
}

}  // namespace
}  // namespace auth
