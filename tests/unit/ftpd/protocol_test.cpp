// FTP command arguments: PORT/EPRT/EPSV/REST/TYPE on both sides of every rule, the reply
// texts, and virtual paths (the first wall of the jail: ".." stops at "/").
#include "ftpd/protocol.hpp"

#include <gtest/gtest.h>

namespace ftpd {
namespace {

TEST(Port, ParsesTheSixNumbers) {
    auto t = parse_port("132,235,1,2,24,131");
    ASSERT_TRUE(t);
    EXPECT_EQ(t->address.to_string(), "132.235.1.2");
    EXPECT_EQ(t->port, 24 * 256 + 131);
    EXPECT_TRUE(parse_port(" 127,0,0,1,255,255 "));
}

TEST(Port, RefusesMalformedNumbers) {
    for (const char* bad : {"", "1,2,3,4,5", "1,2,3,4,5,6,7", "256,0,0,1,1,1", "1,2,3,4,5,256", "1,2,3,4,5,",
                            ",1,2,3,4,5", "1,2,3,4,5,x", "1,2,3,4,5,-1", "1,,3,4,5,6", "0001,2,3,4,5,6"})
        EXPECT_FALSE(parse_port(bad)) << bad;
}

TEST(Eprt, ParsesBothFamiliesAndAnyDelimiter) {
    EprtError e{};
    auto t = parse_eprt("|1|132.235.1.2|6275|", e);
    ASSERT_TRUE(t);
    EXPECT_EQ(t->address.to_string(), "132.235.1.2");
    EXPECT_EQ(t->port, 6275);
    t = parse_eprt("|2|1080::8:800:200C:417A|5282|", e);
    ASSERT_TRUE(t);
    EXPECT_TRUE(t->address.is_v6());
    t = parse_eprt("!1!10.0.0.1!21000!", e);
    ASSERT_TRUE(t);
    EXPECT_EQ(e, EprtError::none);
}

TEST(Eprt, NamesSyntaxAndProtocolErrors) {
    EprtError e{};
    EXPECT_FALSE(parse_eprt("|3|1.2.3.4|5|", e));
    EXPECT_EQ(e, EprtError::protocol);
    for (const char* bad : {"", "|1|1.2.3.4|5", "|1|1.2.3.4|0|", "|1|1.2.3.4|65536|", "|1|::1|5|", "|2|1.2.3.4|5|",
                            "|1|1.2.3.4|5|x", " 1 1.2.3.4 5 ", "|1|999.1.1.1|5|", "|x|1.2.3.4|5|"}) {
        EXPECT_FALSE(parse_eprt(bad, e)) << bad;
        EXPECT_EQ(e, EprtError::syntax) << bad;
    }
}

TEST(Epsv, Arguments) {
    EXPECT_EQ(parse_epsv(""), EpsvArg::any);
    EXPECT_EQ(parse_epsv("ALL"), EpsvArg::all);
    EXPECT_EQ(parse_epsv("all"), EpsvArg::all);
    EXPECT_EQ(parse_epsv("1"), EpsvArg::ipv4);
    EXPECT_EQ(parse_epsv("2"), EpsvArg::ipv6);
    EXPECT_EQ(parse_epsv("3"), EpsvArg::unknown_protocol);
    EXPECT_EQ(parse_epsv("x"), EpsvArg::syntax);
    EXPECT_EQ(parse_epsv("1234"), EpsvArg::syntax);
}

TEST(Rest, DecimalOffsetsOnly) {
    EXPECT_EQ(parse_rest("0"), 0u);
    EXPECT_EQ(parse_rest("100000"), 100000u);
    EXPECT_EQ(parse_rest("9223372036854775807"), 9223372036854775807u);
    EXPECT_FALSE(parse_rest("9223372036854775808"));
    EXPECT_FALSE(parse_rest("-1"));
    EXPECT_FALSE(parse_rest("1e3"));
    EXPECT_FALSE(parse_rest(""));
}

TEST(TypeArg, SupportedUnsupportedAndSyntax) {
    TypeError e{};
    EXPECT_EQ(parse_type("A", e), Type::ascii);
    EXPECT_EQ(parse_type("a n", e), Type::ascii);
    EXPECT_EQ(parse_type("I", e), Type::image);
    EXPECT_EQ(parse_type("L 8", e), Type::image);
    EXPECT_FALSE(parse_type("E", e));
    EXPECT_EQ(e, TypeError::unsupported);
    EXPECT_FALSE(parse_type("A T", e));
    EXPECT_EQ(e, TypeError::unsupported);
    EXPECT_FALSE(parse_type("L 7", e));
    EXPECT_EQ(e, TypeError::unsupported);
    EXPECT_FALSE(parse_type("X", e));
    EXPECT_EQ(e, TypeError::syntax);
    EXPECT_FALSE(parse_type("IMAGE", e));
    EXPECT_EQ(e, TypeError::syntax);
}

TEST(Replies, PassiveAndExtendedPassive) {
    EXPECT_EQ(pasv_reply(boost::asio::ip::make_address_v4("127.0.0.1"), 40123),
              "227 Entering Passive Mode (127,0,0,1,156,187).");
    EXPECT_EQ(epsv_reply(40123), "229 Entering Extended Passive Mode (|||40123|)");
    EXPECT_EQ(quote_path("/a\"b"), "\"/a\"\"b\"");
    EXPECT_EQ(unmapped(boost::asio::ip::make_address("::ffff:10.1.2.3")).to_string(), "10.1.2.3");
}

TEST(Paths, ResolvedInsideTheRoot) {
    EXPECT_EQ(resolve_path("/", "pub"), "/pub");
    EXPECT_EQ(resolve_path("/pub", "a/b.txt"), "/pub/a/b.txt");
    EXPECT_EQ(resolve_path("/pub", "/etc/passwd"), "/etc/passwd");  // the root is the jail's
    EXPECT_EQ(resolve_path("/pub", ".."), "/");
    EXPECT_EQ(resolve_path("/pub", "../../../etc"), "/etc");
    EXPECT_EQ(resolve_path("/", "./a//b/./../c/"), "/a/c");
    EXPECT_EQ(resolve_path("/a", ""), "/a");
    EXPECT_FALSE(resolve_path("/", std::string("a\0b", 3)));
    EXPECT_TRUE(resolve_path("/", std::string(kMaxPath - 1, 'x')));
    EXPECT_FALSE(resolve_path("/", std::string(kMaxPath, 'x')));
    EXPECT_EQ(beneath("/a/b"), "a/b");
    EXPECT_EQ(beneath("/"), "");
    EXPECT_EQ(parent_path("/a/b"), "/a");
    EXPECT_EQ(parent_path("/a"), "/");
    EXPECT_EQ(base_name("/a/b"), "b");
    EXPECT_EQ(base_name("/"), "");
}

TEST(Paths, ListOptionsAreSkipped) {
    bool all = false;
    EXPECT_EQ(list_path("-la", &all), "");
    EXPECT_TRUE(all);
    EXPECT_EQ(list_path("-l pub"), "pub");
    EXPECT_EQ(list_path("pub"), "pub");
    EXPECT_EQ(list_path("-- -odd"), "-odd");
}

TEST(Time, Rfc3659) {
    EXPECT_EQ(ftp_time(0), "19700101000000");
    EXPECT_EQ(ftp_time(1767225600), "20260101000000");
}

}  // namespace
}  // namespace ftpd
