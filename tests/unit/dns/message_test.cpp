#include "dns/message.hpp"

#include <gtest/gtest.h>

#include <vector>

using namespace dns;

namespace {

std::string a_rdata(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d) {
    return std::string{static_cast<char>(a), static_cast<char>(b), static_cast<char>(c), static_cast<char>(d)};
}

std::string mx_rdata(std::uint16_t pref, const Name& n) {
    std::string s{static_cast<char>(pref >> 8), static_cast<char>(pref)};
    return s + std::string(n.wire());
}

}  // namespace

TEST(Header, FlagsRoundTrip) {
    Header h;
    h.qr = h.aa = h.rd = h.cd = true;
    h.opcode = 4;
    h.rcode = 3;
    Header g;
    g.set_flags(h.flags());
    EXPECT_TRUE(g.qr && g.aa && g.rd && g.cd);
    EXPECT_FALSE(g.tc || g.ra || g.ad);
    EXPECT_EQ(g.opcode, 4);
    EXPECT_EQ(g.rcode, 3);
}

TEST(Message, QueryRoundTripWithEdns) {
    std::vector<std::uint8_t> buf(512);
    auto n = build_query(buf, 0x1234, Name::parse("www.hamburger.edu."), type::MX, true, 1232);
    ASSERT_GT(n, 0u);
    Message m;
    ASSERT_EQ(parse_message({buf.data(), n}, m), ParseError::ok);
    EXPECT_EQ(m.header.id, 0x1234);
    EXPECT_TRUE(m.header.rd);
    ASSERT_EQ(m.questions.size(), 1u);
    EXPECT_EQ(m.questions[0].name, Name::parse("www.hamburger.edu."));
    EXPECT_EQ(m.questions[0].type, type::MX);
    ASSERT_TRUE(m.edns);
    EXPECT_EQ(m.edns->udp_size, 1232);
    EXPECT_TRUE(m.additional.empty());
}

TEST(Message, CompressionShrinksAndDecodes) {
    std::vector<std::uint8_t> buf(512);
    MessageWriter w(buf, 512);
    Header h;
    h.qr = true;
    ASSERT_TRUE(w.header(h));
    auto q = Name::parse("hamburger.edu.");
    ASSERT_TRUE(w.question(q, type::MX, klass::IN));
    ASSERT_TRUE(
        w.rr(Section::answer, q.wire(), type::MX, klass::IN, 300, mx_rdata(10, Name::parse("mail.HAMBURGER.edu."))));
    ASSERT_TRUE(w.rr(Section::additional, Name::parse("mail.hamburger.edu.").wire(), type::A, klass::IN, 300,
                     a_rdata(10, 0, 0, 1)));
    auto size = w.finish();
    // header 12 + question 15+4 + answer (2 ptr +10 + 2 pref + 5 "mail" + 2 ptr) + additional (2+10+4)
    EXPECT_EQ(size, 12u + 19u + 21u + 16u);
    Message m;
    ASSERT_EQ(parse_message({buf.data(), size}, m), ParseError::ok);
    ASSERT_EQ(m.answer.size(), 1u);
    // Compression matches case-insensitively, so the suffix takes the case written first.
    EXPECT_EQ(rdata_to_text(type::MX, m.answer[0].rdata), "10 mail.hamburger.edu.");
    ASSERT_EQ(m.additional.size(), 1u);
    EXPECT_EQ(m.additional[0].owner, Name::parse("mail.hamburger.edu."));
    EXPECT_EQ(rdata_to_text(type::A, m.additional[0].rdata), "10.0.0.1");
}

TEST(Message, SrvTargetNotCompressed) {
    std::vector<std::uint8_t> buf(512);
    MessageWriter w(buf, 512);
    ASSERT_TRUE(w.header(Header{}));
    auto q = Name::parse("_sip._tcp.example.com.");
    ASSERT_TRUE(w.question(q, type::SRV, klass::IN));
    std::string rd("\0\1\0\2\0\5", 6);
    rd += Name::parse("example.com.").wire();
    ASSERT_TRUE(w.rr(Section::answer, q.wire(), type::SRV, klass::IN, 60, rd));
    auto size = w.finish();
    EXPECT_EQ(size, 12u + q.size() + 4 + 2 + 10 + rd.size());
}

TEST(Message, WriterRefusesOverLimitAndRollsBack) {
    std::vector<std::uint8_t> buf(100);
    MessageWriter w(buf, 60);
    ASSERT_TRUE(w.header(Header{}));
    ASSERT_TRUE(w.question(Name::parse("a.example."), type::TXT, klass::IN));  // 12 + 11 + 4 = 27
    std::string txt(1, '\x15');
    txt += std::string(21, 'x');  // 22 octets rdata: rr = 2 (owner pointer) + 10 + 22 = 34 > 60 - 27
    EXPECT_FALSE(w.rr(Section::answer, Name::parse("a.example.").wire(), type::TXT, klass::IN, 1, txt));
    EXPECT_EQ(w.size(), 27u);
    std::string exact(1, '\x14');
    exact += std::string(20, 'x');  // 2 + 10 + 21 = 33: fills the message exactly
    EXPECT_TRUE(w.rr(Section::answer, Name::parse("a.example.").wire(), type::TXT, klass::IN, 1, exact));
    EXPECT_EQ(w.finish(), 60u);
}

TEST(Message, ReservedRoomForOpt) {
    std::vector<std::uint8_t> buf(100);
    MessageWriter w(buf, 40);
    ASSERT_TRUE(w.header(Header{}));
    w.reserve(11);
    ASSERT_TRUE(w.question(Name::parse("a.example."), type::A, klass::IN));  // 27
    EXPECT_FALSE(w.rr(Section::answer, Name::parse("a.example.").wire(), type::A, klass::IN, 1, a_rdata(1, 2, 3, 4)));
    EXPECT_TRUE(w.opt(Edns{}));
    EXPECT_EQ(w.finish(), 38u);
}

TEST(MessageParse, ShortHeader) {
    std::vector<std::uint8_t> b(11, 0);
    Message m;
    EXPECT_EQ(parse_message(b, m), ParseError::short_header);
}

TEST(MessageParse, CountsBeyondData) {
    std::vector<std::uint8_t> buf(512);
    auto n = build_query(buf, 1, Name::parse("example.com."), type::A, false, 0);
    buf[7] = 1;  // ANCOUNT = 1 with nothing following
    Message m;
    EXPECT_EQ(parse_message({buf.data(), n}, m), ParseError::bad_name);
}

TEST(MessageParse, MultipleOptIsError) {
    std::vector<std::uint8_t> buf(512);
    auto n = build_query(buf, 1, Name::parse("example.com."), type::A, false, 1232);
    // Append a second OPT.
    std::vector<std::uint8_t> msg(buf.begin(), buf.begin() + static_cast<long>(n));
    msg.insert(msg.end(), buf.begin() + static_cast<long>(n) - 11, buf.begin() + static_cast<long>(n));
    msg[11] = 2;
    Message m;
    EXPECT_EQ(parse_message(msg, m), ParseError::multiple_opt);
}

namespace {

/// A query for example.com. A whose OPT record carries `options` as its rdata.
std::vector<std::uint8_t> query_with_options(const std::string& options) {
    std::vector<std::uint8_t> buf(512);
    auto n = build_query(buf, 1, Name::parse("example.com."), type::A, false, 0);
    std::vector<std::uint8_t> msg(buf.begin(), buf.begin() + static_cast<long>(n));
    msg[11] = 1;  // ARCOUNT
    const std::uint8_t opt[] = {0, 0, 41, 0x04, 0xd0, 0, 0, 0, 0};
    msg.insert(msg.end(), std::begin(opt), std::end(opt));
    msg.push_back(static_cast<std::uint8_t>(options.size() >> 8));
    msg.push_back(static_cast<std::uint8_t>(options.size()));
    msg.insert(msg.end(), options.begin(), options.end());
    return msg;
}

}  // namespace

/// An EDNS option's wire form: code, the length it claims, then `data` (which may not match).
std::string option(std::uint16_t code, std::uint16_t claimed, std::string_view data) {
    std::string s{static_cast<char>(code >> 8), static_cast<char>(code), static_cast<char>(claimed >> 8),
                  static_cast<char>(claimed)};
    return s.append(data);
}

TEST(MessageParse, EdnsOptionsMustFillTheOptExactly) {
    const std::string cookie = option(10, 8, "abcdefgh");  // RFC 7873 client cookie
    struct Case {
        std::string options;
        ParseError want;
    } cases[] = {
        {"", ParseError::ok},
        {cookie, ParseError::ok},
        {cookie + cookie, ParseError::ok},
        {option(12, 0, ""), ParseError::ok},                    // empty padding (RFC 7830)
        {option(10, 10, "ab"), ParseError::bad_opt},            // length 10, 2 octets present
        {option(10, 8, "").substr(0, 3), ParseError::bad_opt},  // half an option header
        {cookie + std::string(1, '\0'), ParseError::bad_opt},
        {option(10, 7, "abcdefgh"), ParseError::bad_opt},  // one octet left over
    };
    for (const auto& c : cases) {
        Message m;
        EXPECT_EQ(parse_message(query_with_options(c.options), m), c.want) << c.options.size();
        if (c.want == ParseError::ok) {
            ASSERT_TRUE(m.edns);
            EXPECT_EQ(m.edns->options, c.options);
        }
        EXPECT_EQ(edns_options_valid(c.options), c.want == ParseError::ok);
    }
}

TEST(MessageParse, BadRdataLengths) {
    std::vector<std::uint8_t> buf(512);
    MessageWriter w(buf, 512);
    ASSERT_TRUE(w.header(Header{}));
    ASSERT_TRUE(w.rr(Section::answer, Name::parse("a.").wire(), type::A, klass::IN, 1, "abc"));
    auto n = w.finish();
    Message m;
    EXPECT_EQ(parse_message({buf.data(), n}, m), ParseError::bad_rdata);
}

TEST(MessageParse, RdataNamePointerBoundedByRdlength) {
    // A CNAME whose rdata name runs past its rdlength is malformed.
    std::vector<std::uint8_t> buf(512);
    MessageWriter w(buf, 512);
    ASSERT_TRUE(w.header(Header{}));
    ASSERT_TRUE(
        w.rr(Section::answer, Name::parse("a.").wire(), type::CNAME, klass::IN, 1, Name::parse("bb.cc.").wire()));
    auto n = w.finish();
    // rdlength is at offset 12 + 3 (owner) + 8 = 23
    buf[24] = static_cast<std::uint8_t>(buf[24] - 1);
    Message m;
    EXPECT_EQ(parse_message({buf.data(), n}, m), ParseError::bad_rdata);
}

TEST(Rdata, TextForms) {
    EXPECT_EQ(rdata_to_text(type::A, a_rdata(192, 0, 2, 1)), "192.0.2.1");
    EXPECT_EQ(rdata_to_text(type::TXT, std::string("\5hello\2a\"", 9)), "\"hello\" \"a\\\"\"");
    EXPECT_EQ(rdata_to_text(65280, std::string("\1\2", 2)), "\\# 2 0102");
    EXPECT_EQ(rdata_to_text(type::A, "abc"), "\\# 3 616263");
}

TEST(Rdata, EqualityIgnoresTheCaseOfNamesOnly) {
    auto mx = [](std::uint16_t pref, const char* name) { return mx_rdata(pref, Name::parse(name)); };
    EXPECT_TRUE(rdata_equal(type::MX, mx(10, "mail.a."), mx(10, "MAIL.A.")));
    EXPECT_FALSE(rdata_equal(type::MX, mx(10, "mail.a."), mx(20, "mail.a.")));
    EXPECT_FALSE(rdata_equal(type::MX, mx(10, "mail.a."), mx(10, "mail.b.")));
    std::string ns(Name::parse("ns.a.").wire()), NS(Name::parse("NS.A.").wire());
    EXPECT_TRUE(rdata_equal(type::NS, ns, NS));
    EXPECT_TRUE(rdata_equal(type::CNAME, ns, NS));
    EXPECT_FALSE(rdata_equal(type::NS, ns, std::string(Name::parse("ns.a.b.").wire())));
    // SOA: two names, then the 20 octets of serial and timers compared exactly.
    std::string soa = ns + std::string(Name::parse("host.a.").wire()) + std::string(20, '\1');
    std::string SOA = NS + std::string(Name::parse("HOST.a.").wire()) + std::string(20, '\1');
    EXPECT_TRUE(rdata_equal(type::SOA, soa, SOA));
    SOA.back() = 2;
    EXPECT_FALSE(rdata_equal(type::SOA, soa, SOA));
    // Text is not a name; unknown types compare octets.
    EXPECT_FALSE(rdata_equal(type::TXT, "\1a", "\1A"));
    EXPECT_FALSE(rdata_equal(65280, ns, NS));
    EXPECT_TRUE(rdata_equal(65280, ns, ns));
}

TEST(Rdata, Target) {
    EXPECT_EQ(*rdata_target(type::MX, mx_rdata(5, Name::parse("mx.a."))), Name::parse("mx.a."));
    EXPECT_FALSE(rdata_target(type::A, a_rdata(1, 2, 3, 4)));
}
