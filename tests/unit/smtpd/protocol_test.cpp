// MAIL/RCPT argument parsing, addresses, xtext, the EHLO keywords and the hop count.
#include "smtpd/protocol.hpp"

#include <gtest/gtest.h>

namespace smtpd {
namespace {

TEST(ParseMail, TextbookAndStrictForms) {
    MailFrom m;
    EXPECT_EQ(parse_mail("FROM: <alice@crepes.fr>", m), PathError::ok);
    EXPECT_EQ(m.address, "alice@crepes.fr");
    EXPECT_EQ(parse_mail("from:<alice@crepes.fr>", m), PathError::ok);
    EXPECT_EQ(parse_mail("FROM:<>", m), PathError::ok);
    EXPECT_EQ(m.address, "");
    EXPECT_EQ(parse_mail("FROM:<@relay.example,@b.example:alice@crepes.fr>", m), PathError::ok);
    EXPECT_EQ(m.address, "alice@crepes.fr");
    EXPECT_EQ(parse_mail("FROM:alice@crepes.fr", m), PathError::syntax);
    EXPECT_EQ(parse_mail("TO:<alice@crepes.fr>", m), PathError::syntax);
    EXPECT_EQ(parse_mail("FROM:<alice@crepes.fr", m), PathError::syntax);
    EXPECT_EQ(parse_mail("FROM:<alice@@crepes.fr>", m), PathError::bad_address);
    EXPECT_EQ(parse_mail("FROM:<alice@crepes..fr>", m), PathError::bad_address);
    EXPECT_EQ(parse_mail("FROM:<\"a b\"@crepes.fr>", m), PathError::ok);
    EXPECT_EQ(parse_mail("FROM:<alice@[192.0.2.1]>", m), PathError::ok);
}

TEST(ParseMail, Parameters) {
    MailFrom m;
    ASSERT_EQ(parse_mail("FROM:<a@b.c> SIZE=1000 BODY=8BITMIME RET=HDRS ENVID=QQ+2B1 SMTPUTF8 AUTH=<>", m),
              PathError::ok);
    EXPECT_EQ(m.size, 1000u);
    EXPECT_EQ(m.body, Body::eight_bit_mime);
    EXPECT_EQ(m.ret, Ret::hdrs);
    EXPECT_EQ(m.envid, "QQ+1");
    EXPECT_TRUE(m.smtputf8);
    EXPECT_EQ(parse_mail("FROM:<a@b.c> SIZE=x", m), PathError::bad_parameter);
    EXPECT_EQ(parse_mail("FROM:<a@b.c> SIZE", m), PathError::bad_parameter);
    EXPECT_EQ(parse_mail("FROM:<a@b.c> BODY=9BIT", m), PathError::bad_parameter);
    EXPECT_EQ(parse_mail("FROM:<a@b.c> FOO=1", m), PathError::bad_parameter);
    EXPECT_EQ(parse_mail("FROM:<a@b.c> ENVID=a+zz", m), PathError::bad_parameter);
    EXPECT_EQ(parse_mail("FROM:<a@b.c>SIZE=1", m), PathError::bad_parameter);
}

TEST(ParseMail, Utf8NeedsSmtputf8) {
    MailFrom m;
    EXPECT_EQ(parse_mail("FROM:<jos\xc3\xa9@cr\xc3\xaapes.fr>", m), PathError::utf8);
    EXPECT_EQ(parse_mail("FROM:<jos\xc3\xa9@cr\xc3\xaapes.fr> SMTPUTF8", m), PathError::ok);
}

TEST(ParseMail, LengthLimitsBothSides) {
    MailFrom m;
    const std::string local64(64, 'a'), local65(65, 'a');
    EXPECT_EQ(parse_mail("FROM:<" + local64 + "@b.c>", m), PathError::ok);
    EXPECT_EQ(parse_mail("FROM:<" + local65 + "@b.c>", m), PathError::bad_address);
    // RFC 5321 4.5.3.1.3: the path, brackets included, is at most 256 octets.
    const std::string domain =
        std::string(60, 'a') + "." + std::string(60, 'b') + "." + std::string(60, 'c') + ".dddddd";
    const std::string fits = local64 + "@" + domain;
    ASSERT_EQ(fits.size() + 2, 256u);
    EXPECT_EQ(parse_mail("FROM:<" + fits + ">", m), PathError::ok);
    EXPECT_EQ(parse_mail("FROM:<" + fits + "d>", m), PathError::too_long);
}

TEST(ParseRcpt, NotifyAndOrcpt) {
    RcptTo r;
    ASSERT_EQ(parse_rcpt("TO:<bob@hamburger.edu> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;bob+40x", false, r),
              PathError::ok);
    EXPECT_EQ(r.notify, notify_success | notify_failure);
    EXPECT_EQ(r.orcpt, "rfc822;bob@x");
    EXPECT_EQ(parse_rcpt("TO:<bob@hamburger.edu> NOTIFY=NEVER,FAILURE", false, r), PathError::bad_parameter);
    EXPECT_EQ(parse_rcpt("TO:<bob@hamburger.edu> ORCPT=bob", false, r), PathError::bad_parameter);
    EXPECT_EQ(parse_rcpt("TO:<>", false, r), PathError::syntax);
    EXPECT_EQ(parse_rcpt("TO:<postmaster>", false, r), PathError::ok);
    EXPECT_EQ(parse_rcpt("TO:<b\xc3\xb6\x62@hamburger.edu>", true, r), PathError::ok);
}

TEST(Address, Parts) {
    EXPECT_EQ(domain_of("bob@HamBurger.EDU"), "hamburger.edu");
    EXPECT_EQ(local_of("bob@hamburger.edu"), "bob");
    EXPECT_EQ(domain_of("postmaster"), "");
    EXPECT_TRUE(valid_helo("crepes.fr"));
    EXPECT_TRUE(valid_helo("[192.0.2.1]"));
    EXPECT_FALSE(valid_helo("crepes fr"));
    EXPECT_FALSE(valid_helo(std::string(256, 'a')));
    EXPECT_TRUE(valid_helo(std::string(255, 'a')));
}

TEST(Xtext, RoundTrip) {
    EXPECT_EQ(xtext_encode("a+b=c d"), "a+2Bb+3Dc+20d");
    EXPECT_EQ(xtext_decode("a+2Bb+3Dc+20d"), "a+b=c d");
    EXPECT_EQ(xtext_decode("a+2"), std::nullopt);
    EXPECT_EQ(xtext_decode("a=b"), std::nullopt);
}

TEST(Ehlo, KeywordsFollowTheSession) {
    auto k = ehlo_keywords({.max_size = 100, .starttls = true, .auth = false});
    EXPECT_NE(std::find(k.begin(), k.end(), "SIZE 100"), k.end());
    EXPECT_NE(std::find(k.begin(), k.end(), "STARTTLS"), k.end());
    EXPECT_EQ(std::find(k.begin(), k.end(), "AUTH PLAIN LOGIN"), k.end());
    k = ehlo_keywords({.max_size = 100, .starttls = false, .auth = true});
    EXPECT_EQ(std::find(k.begin(), k.end(), "STARTTLS"), k.end());
    EXPECT_NE(std::find(k.begin(), k.end(), "AUTH PLAIN LOGIN"), k.end());
    EXPECT_NE(std::find(k.begin(), k.end(), "DSN"), k.end());
    k = ehlo_keywords({.max_size = 100, .dsn = false});  // --no-dsn
    EXPECT_EQ(std::find(k.begin(), k.end(), "DSN"), k.end());
}

TEST(HopCounter, CountsTraceFieldsOfTheHeaderOnly) {
    HopCounter h;
    h.feed("Received: from a\r\n\tby b\r\nRECEIVED: x\r\ndelivered-to: bob@x\r\nSubject: Received: no\r\n");
    EXPECT_EQ(h.hops(), 3u);
    h.feed("X-Received: no\r\nReceived:\r\n\r\nReceived: in the body\r\n");
    EXPECT_EQ(h.hops(), 4u);
}

TEST(HopCounter, FieldNamesSplitAcrossPieces) {
    HopCounter h;
    const std::string msg =
        "Rec"
        "eived: 1\r\nDelivered-"
        "To: a\r\nReceived: 3\r\n\r\nReceived: body\r\n";
    for (char c : msg) h.feed(std::string_view(&c, 1));
    EXPECT_EQ(h.hops(), 3u);
    HopCounter bare;  // LF line ends (a bare LF kept in reject mode) end lines too
    bare.feed("Received: a\nReceived: b\n\nReceived: c\n");
    EXPECT_EQ(bare.hops(), 2u);
}

TEST(HopCounter, FiftyAndFiftyOne) {
    std::string fifty;
    for (int i = 0; i < 50; ++i) fifty += "Received: from hop" + std::to_string(i) + "\r\n";
    HopCounter a, b;
    a.feed(fifty + "\r\nbody\r\n");
    b.feed(fifty + "Received: one more\r\n\r\n");
    EXPECT_EQ(a.hops(), 50u);
    EXPECT_EQ(b.hops(), 51u);
}

}  // namespace
}  // namespace smtpd
