#include "mail/rfc5322.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

namespace mail {
namespace {

TEST(Header, FieldsUnfoldedUntilTheEmptyLine) {
    const std::string msg =
        "From: Alice <alice@crepes.fr>\r\n"
        "Subject: a long\r\n"
        "  folded\r\n"
        "\tsubject  \r\n"
        "X-Empty:\r\n"
        "Received: one\r\n"
        "received: two\r\n"
        "\r\n"
        "Body: not a field\r\n";
    auto h = parse_header(msg);
    EXPECT_EQ(h.status, HeaderStatus::complete);
    ASSERT_EQ(h.fields.size(), 5u);
    EXPECT_EQ(h.fields[0].name, "From");
    EXPECT_EQ(h.fields[0].value, "Alice <alice@crepes.fr>");
    EXPECT_EQ(h.get("subject"), "a long  folded\tsubject");
    EXPECT_EQ(h.get("X-EMPTY"), "");
    EXPECT_EQ(h.get("Missing"), "");
    EXPECT_EQ(h.count("Received"), 2u);
    EXPECT_EQ(msg.substr(h.body_offset), "Body: not a field\r\n");
}

TEST(Header, LfLineEndsAndObsoleteSpaceBeforeColon) {
    auto h = parse_header("To : bob\nSubject: x\n\nbody");
    EXPECT_EQ(h.status, HeaderStatus::complete);
    EXPECT_EQ(h.get("To"), "bob");
    EXPECT_EQ(h.body_offset, std::string("To : bob\nSubject: x\n\n").size());
}

TEST(Header, EndsWithoutBodyOrAtANonHeaderLine) {
    auto no_body = parse_header("Subject: only\r\n");
    EXPECT_EQ(no_body.status, HeaderStatus::no_body);
    EXPECT_EQ(no_body.get("subject"), "only");
    auto unterminated = parse_header("Subject: only");
    EXPECT_EQ(unterminated.status, HeaderStatus::no_body);
    EXPECT_EQ(unterminated.get("subject"), "only");

    const std::string text = "Subject: x\nthis is body text\n";
    auto body = parse_header(text);
    EXPECT_EQ(body.status, HeaderStatus::not_a_header);
    EXPECT_EQ(text.substr(body.body_offset), "this is body text\n");
    EXPECT_EQ(parse_header(" leading continuation\n").status, HeaderStatus::not_a_header);
    EXPECT_EQ(parse_header(": no name\n").status, HeaderStatus::not_a_header);

    auto empty = parse_header("\r\nbody");
    EXPECT_EQ(empty.status, HeaderStatus::complete);
    EXPECT_TRUE(empty.fields.empty());
    EXPECT_EQ(empty.body_offset, 2u);
}

TEST(Header, BothSidesOfTheByteLimit) {
    const std::string msg = "A: 1\r\nB: 2\r\n\r\n";  // 14 bytes with the empty line
    EXPECT_EQ(parse_header(msg, {.max_bytes = 14}).status, HeaderStatus::complete);
    auto over = parse_header(msg, {.max_bytes = 13});
    EXPECT_EQ(over.status, HeaderStatus::too_large);
    EXPECT_EQ(over.fields.size(), 2u);
}

TEST(Header, BothSidesOfTheFieldLimit) {
    const std::string msg = "A: 1\nB: 2\nC: 3\n\n";
    EXPECT_EQ(parse_header(msg, {.max_fields = 3}).status, HeaderStatus::complete);
    auto over = parse_header(msg, {.max_fields = 2});
    EXPECT_EQ(over.status, HeaderStatus::too_many_fields);
    EXPECT_EQ(over.fields.size(), 2u);
}

TEST(Date, Rfc5322DateTime) {
    EXPECT_EQ(format_date(0, 0), "Thu, 1 Jan 1970 00:00:00 +0000");
    EXPECT_EQ(format_date(1700000000, 0), "Tue, 14 Nov 2023 22:13:20 +0000");
    EXPECT_EQ(format_date(1700000000, -5 * 3600), "Tue, 14 Nov 2023 17:13:20 -0500");
    EXPECT_EQ(format_date(1700000000, 5 * 3600 + 1800), "Wed, 15 Nov 2023 03:43:20 +0530");
}

TEST(Received, ProtocolNames) {
    EXPECT_EQ(received_protocol(false, false, false), "SMTP");
    EXPECT_EQ(received_protocol(true, false, false), "ESMTP");
    EXPECT_EQ(received_protocol(true, true, false), "ESMTPS");
    EXPECT_EQ(received_protocol(true, false, true), "ESMTPA");
    EXPECT_EQ(received_protocol(true, true, true), "ESMTPSA");
    EXPECT_EQ(received_protocol(true, true, true, true), "UTF8SMTPSA");
    EXPECT_EQ(received_protocol(true, false, false, true), "UTF8SMTP");
}

class ReceivedField : public ::testing::Test {
protected:
    void SetUp() override {
        const char* tz = std::getenv("TZ");
        saved_ = tz ? std::optional<std::string>(tz) : std::nullopt;
        ::setenv("TZ", "UTC", 1);
        ::tzset();
    }
    void TearDown() override {
        if (saved_) ::setenv("TZ", saved_->c_str(), 1);
        else ::unsetenv("TZ");
        ::tzset();
    }
    std::optional<std::string> saved_;
};

TEST_F(ReceivedField, TextbookHop) {
    const ReceivedInfo info{.helo = "crepes.fr",
                            .client_host = "mail.crepes.fr",
                            .client_address = "192.0.2.1",
                            .by = "hamburger.edu",
                            .protocol = "ESMTPS",
                            .id = "1A2B3C",
                            .for_recipient = "bob@hamburger.edu",
                            .time = 1700000000};
    EXPECT_EQ(received_field(info),
              "Received: from crepes.fr (mail.crepes.fr [192.0.2.1])\r\n"
              "\tby hamburger.edu with ESMTPS id 1A2B3C\r\n"
              "\tfor <bob@hamburger.edu>; Tue, 14 Nov 2023 22:13:20 +0000\r\n");
}

TEST_F(ReceivedField, MinimalIpv6AndHostileInput) {
    const ReceivedInfo v6{.client_address = "2001:db8::1", .by = "mx", .time = 0};
    EXPECT_EQ(received_field(v6),
              "Received: from [IPv6:2001:db8::1] ([IPv6:2001:db8::1])\r\n"
              "\tby mx with ESMTP; Thu, 1 Jan 1970 00:00:00 +0000\r\n");
    const ReceivedInfo evil{.helo = "x\r\nX-Forged: yes; (", .client_address = "127.0.0.1", .by = "mx"};
    const std::string f = received_field(evil);
    EXPECT_EQ(f.find("\r\nX-Forged"), std::string::npos);
    EXPECT_NE(f.find("from x__X-Forged:_yes___ ([127.0.0.1])"), std::string::npos) << f;
}

TEST(TraceFields, ReturnPathAndDeliveredTo) {
    EXPECT_EQ(return_path_field("alice@crepes.fr"), "Return-Path: <alice@crepes.fr>\r\n");
    EXPECT_EQ(return_path_field(""), "Return-Path: <>\r\n");
    EXPECT_EQ(return_path_field("\"a b\"@x\n"), "Return-Path: <\"a b\"@x_>\r\n");
    EXPECT_EQ(delivered_to_field("bob@hamburger.edu"), "Delivered-To: bob@hamburger.edu\r\n");
}

}  // namespace
}  // namespace mail
