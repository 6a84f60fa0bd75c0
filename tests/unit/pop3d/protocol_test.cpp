// POP3's pure parts: message numbers and TOP arguments on both sides of their limits, APOP
// (RFC 1939 7's own example), SASL PLAIN (RFC 4616; base64 itself is tested with common/auth),
// UTF-8 validation and CAPA.
#include "pop3d/protocol.hpp"

#include <gtest/gtest.h>

#include <algorithm>

namespace pop3d {
namespace {

TEST(Pop3Protocol, MessageNumbersAreBareDecimalsFromOne) {
    EXPECT_EQ(parse_number("1"), 1u);
    EXPECT_EQ(parse_number("42"), 42u);
    EXPECT_EQ(parse_number("000000007"), 7u);
    EXPECT_EQ(parse_number("999999999"), 999999999u);  // kMaxNumberDigits
    for (const char* bad : {"", "0", "-1", "+1", " 1", "1 ", "1x", "0x1", "1234567890", "1.0"})
        EXPECT_FALSE(parse_number(bad)) << bad;
}

TEST(Pop3Protocol, TopTakesAMessageAndALineCount) {
    auto t = parse_top("1 10");
    ASSERT_TRUE(t);
    EXPECT_EQ(t->msg, 1u);
    EXPECT_EQ(t->lines, 10u);
    EXPECT_EQ(parse_top("3 0")->lines, 0u);  // the header only
    for (const char* bad : {"1", "1 ", " 1 2", "0 1", "1  2", "1 -2", "1 2 3", "a 1"})
        EXPECT_FALSE(parse_top(bad)) << bad;
}

TEST(Pop3Protocol, ApopDigestIsRfc1939sExample) {
    // RFC 1939 7: the example's timestamp and secret give this digest.
    EXPECT_EQ(apop_digest("<1896.697170952@dbc.mtview.ca.us>", "tanstaaf"), "c4c9334bac560ecc979e58001b3e22fb");
    const auto a = parse_apop("mrose c4c9334bac560ecc979e58001b3e22fb");
    ASSERT_TRUE(a);
    EXPECT_EQ(a->name, "mrose");
    EXPECT_TRUE(digest_matches("C4C9334BAC560ECC979E58001B3E22FB", "c4c9334bac560ecc979e58001b3e22fb"));
    EXPECT_FALSE(digest_matches("c4c9334bac560ecc979e58001b3e22fa", "c4c9334bac560ecc979e58001b3e22fb"));
    EXPECT_FALSE(digest_matches("c4c9", "c4c9334bac560ecc979e58001b3e22fb"));
    for (const char* bad : {"mrose", "mrose c4c9", "mrose c4c9334bac560ecc979e58001b3e22fg",
                            " c4c9334bac560ecc979e58001b3e22fb", "a b c4c9334bac560ecc979e58001b3e22fb"})
        EXPECT_FALSE(parse_apop(bad)) << bad;
}

TEST(Pop3Protocol, TimestampsAreMessageIds) {
    EXPECT_EQ(apop_timestamp(12, 3, 1700000000, "mail.hamburger.edu"), "<12.3.1700000000@mail.hamburger.edu>");
    EXPECT_EQ(apop_timestamp(1, 1, 1, "a <b>@c d"), "<1.1.1@abcd>");
    EXPECT_EQ(apop_timestamp(1, 1, 1, ""), "<1.1.1@localhost>");
}

TEST(Pop3Protocol, SaslPlainHasThreeFields) {
    // base64("\0bob\0hungry") and base64("bob\0bob\0hungry")
    auto c = decode_plain("AGJvYgBodW5ncnk=");
    ASSERT_TRUE(c);
    EXPECT_EQ(c->authzid, "");
    EXPECT_EQ(c->authcid, "bob");
    EXPECT_EQ(c->password, "hungry");
    c = decode_plain("Ym9iAGJvYgBodW5ncnk=");
    ASSERT_TRUE(c);
    EXPECT_EQ(c->authzid, "bob");
    EXPECT_FALSE(decode_plain("Ym9iaHVuZ3J5"));          // "bobhungry": no NUL
    EXPECT_FALSE(decode_plain("AGJvYgA="));              // "\0bob\0": no password
    EXPECT_FALSE(decode_plain("AABodW5ncnk="));          // "\0\0hungry": no user
    EXPECT_FALSE(decode_plain("AGJvYgBodW5ncnkAeA=="));  // a third NUL
    EXPECT_FALSE(decode_plain("not base64"));
    EXPECT_FALSE(decode_plain(""));
}

TEST(Pop3Protocol, Utf8Validation) {
    EXPECT_TRUE(valid_utf8("bob"));
    EXPECT_TRUE(valid_utf8("j\xc3\xb6rg"));        // jörg
    EXPECT_TRUE(valid_utf8("\xe2\x82\xac"));       // €
    EXPECT_TRUE(valid_utf8("\xf0\x9f\x8d\x94"));   // 🍔
    EXPECT_FALSE(valid_utf8("\xc3"));              // truncated
    EXPECT_FALSE(valid_utf8("\xc0\xaf"));          // overlong "/"
    EXPECT_FALSE(valid_utf8("\xed\xa0\x80"));      // a surrogate
    EXPECT_FALSE(valid_utf8("\xf4\x90\x80\x80"));  // over U+10FFFF
    EXPECT_FALSE(valid_utf8("\xff"));
    EXPECT_FALSE(valid_utf8("\x80"));
}

TEST(Pop3Protocol, CapaListsStlsOnlyWhereItCanRun) {
    auto has = [](const std::vector<std::string>& v, const std::string& s) {
        return std::find(v.begin(), v.end(), s) != v.end();
    };
    auto before = capabilities({.tls_available = true});
    EXPECT_TRUE(has(before, "STLS"));
    EXPECT_TRUE(has(before, "USER"));
    EXPECT_TRUE(has(before, "SASL PLAIN"));
    EXPECT_TRUE(has(before, "RESP-CODES"));
    EXPECT_TRUE(has(before, "UIDL"));
    EXPECT_TRUE(has(before, "TOP"));
    EXPECT_TRUE(has(before, "UTF8 USER"));
    EXPECT_FALSE(has(capabilities({}), "STLS"));
    EXPECT_FALSE(has(capabilities({.tls_available = true, .tls_active = true}), "STLS"));
    auto after = capabilities({.tls_available = true, .logged_in = true});
    EXPECT_FALSE(has(after, "STLS"));
    EXPECT_FALSE(has(after, "USER"));
    EXPECT_TRUE(has(after, "UIDL"));
}

}  // namespace
}  // namespace pop3d
