#include "dns/zone_parser.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

using namespace dns;

namespace {

ZoneParseResult parse(std::string_view text) { return parse_zone_text(text, "test.zone"); }

std::string texts(const ZoneParseResult& r) {
    std::string s;
    for (const auto& rr : r.records) s += rr_to_text(rr) + "\n";
    return s;
}

}  // namespace

TEST(ZoneParser, FullExample) {
    auto r = parse(R"(
$ORIGIN hamburger.edu.
$TTL 1h
@   IN  SOA dns.hamburger.edu. admin.hamburger.edu. (
            2024010101 ; serial
            3600 900 604800
            300 )      ; negative TTL
    IN  NS  dns
    IN  MX  10 mail
dns     A   10.0.0.53
mail 600 IN A 10.0.0.25
www IN 60 CNAME mail
txt     TXT "hello world" "a\"b" plain
v6      AAAA 2001:db8::1
_smtp._tcp SRV 0 5 25 mail
caa     CAA 0 issue "letsencrypt.org"
ptr     PTR www.crepes.fr.
unk     TYPE65280 \# 3 ABCDEF
a2      A \# 4 0A000001
)");
    ASSERT_TRUE(r.ok()) << r.error;
    EXPECT_EQ(texts(r),
              "hamburger.edu. 3600 IN SOA dns.hamburger.edu. admin.hamburger.edu. 2024010101 3600 900 604800 300\n"
              "hamburger.edu. 3600 IN NS dns.hamburger.edu.\n"
              "hamburger.edu. 3600 IN MX 10 mail.hamburger.edu.\n"
              "dns.hamburger.edu. 3600 IN A 10.0.0.53\n"
              "mail.hamburger.edu. 600 IN A 10.0.0.25\n"
              "www.hamburger.edu. 60 IN CNAME mail.hamburger.edu.\n"
              "txt.hamburger.edu. 3600 IN TXT \"hello world\" \"a\\\"b\" \"plain\"\n"
              "v6.hamburger.edu. 3600 IN AAAA 2001:db8::1\n"
              "_smtp._tcp.hamburger.edu. 3600 IN SRV 0 5 25 mail.hamburger.edu.\n"
              "caa.hamburger.edu. 3600 IN CAA 0 issue \"letsencrypt.org\"\n"
              "ptr.hamburger.edu. 3600 IN PTR www.crepes.fr.\n"
              "unk.hamburger.edu. 3600 IN TYPE65280 \\# 3 ABCDEF\n"
              "a2.hamburger.edu. 3600 IN A 10.0.0.1\n");
    EXPECT_EQ(r.origin->to_text(), "hamburger.edu.");
}

TEST(ZoneParser, TtlRulesWithoutDollarTtl) {
    auto r = parse("$ORIGIN x.\n@ 100 SOA a b 1 2 3 4 5\na A 1.2.3.4\nb 200 A 1.2.3.5\nc A 1.2.3.6\n");
    ASSERT_TRUE(r.ok()) << r.error;
    EXPECT_EQ(r.records[1].ttl, 100u);  // RFC 1035: the last explicit TTL
    EXPECT_EQ(r.records[3].ttl, 200u);
}

TEST(ZoneParser, ClassBeforeTtlAndOwnerOmitted) {
    auto r = parse("a.example. IN 30 A 1.1.1.1\n\t A 2.2.2.2\n");
    ASSERT_TRUE(r.ok()) << r.error;
    ASSERT_EQ(r.records.size(), 2u);
    EXPECT_EQ(r.records[1].owner, Name::parse("a.example."));
    EXPECT_EQ(r.records[1].ttl, 30u);
}

TEST(ZoneParser, Errors) {
    struct Case {
        const char* text;
        const char* error;
    } cases[] = {
        {"www A 1.2.3.4\n", "test.zone:1: relative name 'www' without $ORIGIN"},
        {"\n\na.example. A 1.2.3\n", "test.zone:3: bad IPv4 address '1.2.3'"},
        {"a.example. A 1.2.3.4 5.6.7.8\n", "test.zone:1: wrong number of fields for A (expected 1, got 2)"},
        {"a.example. FOO 1\n", "test.zone:1: unknown type 'FOO'"},
        {"a.example. CH A 1.2.3.4\n", "test.zone:1: only class IN is served, not CH"},
        {"a.example. MX 70000 b.example.\n", "test.zone:1: bad MX preference '70000'"},
        {"a.example. SOA ( a. b. 1 2 3 4 5\n\n", "test.zone:1: unbalanced parenthesis"},
        {"a.example. A 1.2.3.4 )\n", "test.zone:1: unbalanced parenthesis"},
        {"a.example. TXT \"open\n", "test.zone:1: unterminated quoted string"},
        {"$FOO bar\n", "test.zone:1: unknown directive $FOO"},
        {" A 1.2.3.4\n", "test.zone:1: no owner name for the first record"},
        {"a.example. TYPE99 \\# 2 01\n", "test.zone:1: \\# length 2 does not match 1 octets"},
        {"a.example. TYPE99 \\# 2 012\n", "test.zone:1: odd number of hex digits"},
        {"a.example. A \\# 3 010203\n", "test.zone:1: malformed \\# rdata for A"},
        {"a.example. HINFO cpu os\n", "test.zone:1: type HINFO is only supported in RFC 3597 form (\\# len hex)"},
        {"a.example. 2147483648 A 1.2.3.4\n", "test.zone:1: bad TTL '2147483648'"},
        {"a.example. OPT \\# 0\n", "test.zone:1: type OPT cannot appear in a zone"},
        {"$INCLUDE /nonexistent/file\n", "test.zone:1: cannot read $INCLUDE file '/nonexistent/file'"},
    };
    for (const auto& c : cases) {
        auto r = parse(c.text);
        EXPECT_EQ(r.error, c.error) << c.text;
        EXPECT_TRUE(r.records.empty());
    }
}

TEST(ZoneParser, LabelAndNameLimitsInZone) {
    std::string l63(63, 'a'), l64(64, 'a');
    EXPECT_TRUE(parse(l63 + ".example. A 1.2.3.4\n").ok());
    auto r = parse(l64 + ".example. A 1.2.3.4\n");
    EXPECT_EQ(r.error, "test.zone:1: bad name '" + l64 + ".example.': label longer than 63 octets");
}

TEST(ZoneParser, TxtStringLimit) {
    std::string s255(255, 'x'), s256(256, 'x');
    EXPECT_TRUE(parse("a. TXT \"" + s255 + "\"\n").ok());
    EXPECT_EQ(parse("a. TXT \"" + s256 + "\"\n").error, "test.zone:1: character-string longer than 255 octets");
}

TEST(ZoneParser, TtlUnits) {
    EXPECT_EQ(parse_ttl("1h30m"), 5400u);
    EXPECT_EQ(parse_ttl("1w"), 604800u);
    EXPECT_EQ(parse_ttl("2147483647"), 2147483647u);
    EXPECT_FALSE(parse_ttl("2147483648"));
    EXPECT_FALSE(parse_ttl("h"));
    EXPECT_FALSE(parse_ttl("1x"));
}

TEST(ZoneParser, IncludeRelativeToFileWithOrigin) {
    auto dir = std::filesystem::temp_directory_path() / ("zp-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    {
        std::ofstream(dir / "main.zone") << "$ORIGIN example.\n@ SOA ns hostmaster 1 2 3 4 5\n"
                                            "$INCLUDE sub.inc sub.example.\nafter A 1.1.1.1\n";
        std::ofstream(dir / "sub.inc") << "www A 2.2.2.2\n";
    }
    auto r = parse_zone_file((dir / "main.zone").string());
    ASSERT_TRUE(r.ok()) << r.error;
    ASSERT_EQ(r.records.size(), 3u);
    EXPECT_EQ(r.records[1].owner, Name::parse("www.sub.example."));
    EXPECT_EQ(r.records[2].owner, Name::parse("after.example."));
    // Each record knows its file and line (for errors found after parsing).
    ASSERT_EQ(r.sources.size(), 3u);
    EXPECT_EQ(r.where(0), (dir / "main.zone").string() + ":2");
    EXPECT_EQ(r.where(1), (dir / "sub.inc").string() + ":1");
    EXPECT_EQ(r.where(2), (dir / "main.zone").string() + ":4");
    { std::ofstream(dir / "sub.inc") << "www A 2.2.2\n"; }
    r = parse_zone_file((dir / "main.zone").string());
    EXPECT_EQ(r.error, (dir / "sub.inc").string() + ":1: bad IPv4 address '2.2.2'");
    {
        std::ofstream(dir / "sub.inc") << "$INCLUDE sub.inc\n";  // self-include: depth limit
    }
    r = parse_zone_file((dir / "main.zone").string());
    EXPECT_NE(r.error.find("$INCLUDE nested too deeply"), std::string::npos) << r.error;
    std::filesystem::remove_all(dir);
}
