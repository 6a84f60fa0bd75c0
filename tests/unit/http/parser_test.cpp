#include "http/parser.hpp"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "mutate.hpp"

using namespace http;

namespace {

ParseResult parse_all(RequestParser& p, std::string_view s) {
    p.reset();
    return p.parse(s);
}

ParseError error_of(std::string_view s, ParserLimits l = {}) {
    RequestParser p(l);
    auto r = p.parse(s);
    return r.status == ParseStatus::error ? r.error : ParseError::none;
}

const std::string kTextbook =
    "GET /somedir/page.html HTTP/1.1\r\n"
    "Host: www.someschool.edu\r\n"
    "Connection: close\r\n"
    "User-agent: Mozilla/5.0\r\n"
    "Accept-language: fr\r\n"
    "\r\n";

const std::vector<std::string> kRequests = {
    "GET /index.html HTTP/1.1\r\nHost: www.someschool.edu\r\nConnection: keep-alive\r\n\r\n",
    "POST /form HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nContent-Type: a/b\r\n\r\nhello",
    "PUT /u HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nExpect: 100-continue\r\n\r\n",
    "GET http://h:80/x?y=%41 HTTP/1.0\r\nRange: bytes=0-5\r\nIf-None-Match: \"a\", W/\"b\"\r\n\r\n",
};

struct HeadOutcome {
    ParseStatus status;
    std::size_t consumed;
    ParseError error;
    std::string target;
};

HeadOutcome parse_whole(const std::string& msg) {
    RequestParser p({.max_request_line = 64, .max_header_bytes = 256, .max_headers = 8});
    const auto r = p.parse(msg);
    return {r.status, r.consumed, r.error, r.status == ParseStatus::complete ? std::string(p.request().target) : ""};
}

HeadOutcome parse_split(const std::string& msg, std::size_t split) {
    RequestParser p({.max_request_line = 64, .max_header_bytes = 256, .max_headers = 8});
    const std::string part = msg.substr(0, split);
    auto r = p.parse(part);
    if (r.status == ParseStatus::need_more) r = p.parse(msg);
    else if (r.status == ParseStatus::complete) return {r.status, r.consumed, r.error, std::string(p.request().target)};
    return {r.status, r.consumed, r.error, r.status == ParseStatus::complete ? std::string(p.request().target) : ""};
}

}  // namespace

TEST(Parser, TextbookRequest) {
    RequestParser p;
    auto r = p.parse(kTextbook);
    ASSERT_EQ(r.status, ParseStatus::complete);
    EXPECT_EQ(r.consumed, kTextbook.size());
    const auto& q = p.request();
    EXPECT_EQ(q.method, Method::get);
    EXPECT_EQ(q.target, "/somedir/page.html");
    EXPECT_EQ(q.version_minor, 1);
    EXPECT_EQ(q.host, "www.someschool.edu");
    EXPECT_FALSE(q.keep_alive);
    EXPECT_EQ(q.header("user-agent"), "Mozilla/5.0");
    EXPECT_EQ(q.header("ACCEPT-LANGUAGE"), "fr");
    EXPECT_EQ(q.header("missing"), "");
    EXPECT_EQ(q.headers.size(), 4u);
    EXPECT_EQ(q.body, BodyKind::none);
}

TEST(Parser, EverySplitPointGivesNeedMoreThenSameResult) {
    const std::string msg = "POST /form?x=1 HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nX-Empty:\r\n\r\nhello";
    for (std::size_t split = 0; split < msg.size(); ++split) {
        RequestParser p;
        const std::string part = msg.substr(0, split);
        auto r = p.parse(part);
        const std::size_t head = msg.find("\r\n\r\n") + 4;
        if (split < head) {
            ASSERT_EQ(r.status, ParseStatus::need_more) << split;
            ASSERT_EQ(r.consumed, 0u);
        }
        // The views must point into the buffer given last.
        if (r.status == ParseStatus::need_more) r = p.parse(msg);
        ASSERT_EQ(r.status, ParseStatus::complete) << split;
        EXPECT_EQ(r.consumed, head);
        EXPECT_EQ(p.request().target, "/form?x=1");
        EXPECT_EQ(p.request().path(), "/form");
        EXPECT_EQ(p.request().query(), "x=1");
        EXPECT_EQ(p.request().body, BodyKind::length);
        EXPECT_EQ(p.request().content_length, 5u);
        EXPECT_TRUE(p.request().has_header("x-empty"));
    }
}

TEST(Parser, ByteAtATime) {
    RequestParser p;
    std::string buf;
    ParseResult r;
    for (char c : kTextbook) {
        buf.push_back(c);
        r = p.parse(buf);
        if (r.status != ParseStatus::need_more) break;
    }
    EXPECT_EQ(r.status, ParseStatus::complete);
    EXPECT_EQ(r.consumed, kTextbook.size());
}

TEST(Parser, PipelinedRequestsParseOneAtATime) {
    const std::string two = "GET /a HTTP/1.1\r\nHost: h\r\n\r\nGET /b HTTP/1.1\r\nHost: h\r\n\r\n";
    RequestParser p;
    auto r = p.parse(two);
    ASSERT_EQ(r.status, ParseStatus::complete);
    EXPECT_EQ(p.request().target, "/a");
    std::string_view rest = std::string_view(two).substr(r.consumed);
    p.reset();
    r = p.parse(rest);
    ASSERT_EQ(r.status, ParseStatus::complete);
    EXPECT_EQ(p.request().target, "/b");
    EXPECT_EQ(r.consumed, rest.size());
}

TEST(Parser, BareLfAndLeadingEmptyLines) {
    RequestParser p;
    auto r = p.parse("\r\n\nGET / HTTP/1.0\n\n");
    ASSERT_EQ(r.status, ParseStatus::complete);
    EXPECT_EQ(r.consumed, 19u);
    EXPECT_EQ(p.request().version_minor, 0);
    EXPECT_FALSE(p.request().keep_alive);
    EXPECT_EQ(parse_all(p, "\r\n").status, ParseStatus::need_more);
    EXPECT_EQ(error_of("\rGET / HTTP/1.0\r\n\r\n"), ParseError::bad_request_line);
}

TEST(Parser, KeepAliveRules) {
    RequestParser p;
    ASSERT_EQ(parse_all(p, "GET / HTTP/1.1\r\nHost: h\r\n\r\n").status, ParseStatus::complete);
    EXPECT_TRUE(p.request().keep_alive);
    ASSERT_EQ(parse_all(p, "GET / HTTP/1.1\r\nHost: h\r\nConnection: foo, Close\r\n\r\n").status,
              ParseStatus::complete);
    EXPECT_FALSE(p.request().keep_alive);
    ASSERT_EQ(parse_all(p, "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n").status, ParseStatus::complete);
    EXPECT_TRUE(p.request().keep_alive);
    ASSERT_EQ(parse_all(p, "GET / HTTP/1.0\r\n\r\n").status, ParseStatus::complete);
    EXPECT_FALSE(p.request().keep_alive);
}

TEST(Parser, VersionHandling) {
    RequestParser p;
    ASSERT_EQ(parse_all(p, "GET / HTTP/1.7\r\nHost: h\r\n\r\n").status, ParseStatus::complete);
    EXPECT_EQ(p.request().version_minor, 1);
    EXPECT_EQ(error_of("GET / HTTP/2.0\r\nHost: h\r\n\r\n"), ParseError::version_not_supported);
    EXPECT_EQ(error_of("GET / HTTP/0.9\r\n\r\n"), ParseError::version_not_supported);
    EXPECT_EQ(status_for(ParseError::version_not_supported), 505);
    EXPECT_EQ(error_of("GET / HTTP/1.10\r\nHost: h\r\n\r\n"), ParseError::bad_version);
    EXPECT_EQ(error_of("GET / FOO/1.1\r\nHost: h\r\n\r\n"), ParseError::bad_version);
    EXPECT_EQ(error_of("GET / http/1.1\r\nHost: h\r\n\r\n"), ParseError::bad_version);
    EXPECT_EQ(error_of("GET /\r\n\r\n"), ParseError::bad_request_line);
}

TEST(Parser, RequestLineSyntax) {
    EXPECT_EQ(error_of("GET  / HTTP/1.1\r\nHost: h\r\n\r\n"), ParseError::bad_target);
    EXPECT_EQ(error_of("G(T / HTTP/1.1\r\nHost: h\r\n\r\n"), ParseError::bad_method);
    EXPECT_EQ(error_of(std::string("GET /a\0b HTTP/1.1\r\nHost: h\r\n\r\n", 30)), ParseError::bad_target);
    EXPECT_EQ(error_of("GET /a\x7f HTTP/1.1\r\nHost: h\r\n\r\n"), ParseError::bad_target);
    EXPECT_EQ(error_of("GET /a\rb HTTP/1.1\r\nHost: h\r\n\r\n"), ParseError::bad_target);
    RequestParser p;
    ASSERT_EQ(parse_all(p, "FROB / HTTP/1.1\r\nHost: h\r\n\r\n").status, ParseStatus::complete);
    EXPECT_EQ(p.request().method, Method::other);
    EXPECT_EQ(p.request().method_token, "FROB");
    ASSERT_EQ(parse_all(p, "GET http://Example.org:81/x?y HTTP/1.1\r\nHost: other\r\n\r\n").status,
              ParseStatus::complete);
    EXPECT_EQ(p.request().host, "Example.org:81");
}

TEST(Parser, HeaderSyntax) {
    EXPECT_EQ(error_of("GET / HTTP/1.1\r\nHost : h\r\n\r\n"), ParseError::bad_header);
    EXPECT_EQ(error_of("GET / HTTP/1.1\r\nHost: h\r\nNoColon\r\n\r\n"), ParseError::bad_header);
    EXPECT_EQ(error_of("GET / HTTP/1.1\r\nHost: h\r\n: v\r\n\r\n"), ParseError::bad_header);
    EXPECT_EQ(error_of("GET / HTTP/1.1\r\nHost: h\r\nX: a\rb\r\n\r\n"), ParseError::bad_header);
    EXPECT_EQ(error_of(std::string("GET / HTTP/1.1\r\nHost: h\r\nX: a\0b\r\n\r\n", 35)), ParseError::bad_header);
    EXPECT_EQ(error_of("GET / HTTP/1.1\r\nHost: h\r\nX: a\r\n b\r\n\r\n"), ParseError::obsolete_line_folding);
    RequestParser p;
    ASSERT_EQ(parse_all(p, "GET / HTTP/1.1\r\nHost: h\r\nX:  \t spaced \t \r\n\r\n").status, ParseStatus::complete);
    EXPECT_EQ(p.request().header("x"), "spaced");
}

TEST(Parser, HostRules) {
    EXPECT_EQ(error_of("GET / HTTP/1.1\r\n\r\n"), ParseError::missing_host);
    EXPECT_EQ(error_of("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"), ParseError::duplicate_host);
    EXPECT_EQ(error_of("GET / HTTP/1.0\r\n\r\n"), ParseError::none);
}

TEST(Parser, HostMustBeUriHostAndPort) {
    for (const char* ok : {"h", "h:8080", "h:", "", "127.0.0.1:80", "[::1]", "[::1]:80", "[v1.x:y]", "[fe80::1%25eth0]",
                           "xn--bcher-kva.example", "a_b-c.~!$&'()*+,;=", "%41%42"}) {
        EXPECT_EQ(error_of("GET / HTTP/1.1\r\nHost: " + std::string(ok) + "\r\n\r\n"), ParseError::none) << ok;
    }
    for (const char* bad : {"a b/c@d", "h/x", "u@h", "h:80x", "h:80:80", "h:-1", "[::1", "[]", "[::1]x", "[::1]:a",
                            "a\\b", "%4", "%zz", "h\"", "<h>", "h?q", "h#f"}) {
        EXPECT_EQ(error_of("GET / HTTP/1.1\r\nHost: " + std::string(bad) + "\r\n\r\n"), ParseError::bad_host) << bad;
        EXPECT_EQ(error_of("GET / HTTP/1.0\r\nHost: " + std::string(bad) + "\r\n\r\n"), ParseError::bad_host) << bad;
    }
    EXPECT_EQ(status_for(ParseError::bad_host), 400);
    // An absolute-form authority is checked the same way, and may not be empty.
    RequestParser p;
    ASSERT_EQ(p.parse("GET http://Example.COM:81/x HTTP/1.1\r\nHost: other\r\n\r\n").status, ParseStatus::complete);
    EXPECT_EQ(p.request().host, "Example.COM:81");
    EXPECT_EQ(error_of("GET http://u@h/x HTTP/1.1\r\nHost: h\r\n\r\n"), ParseError::bad_host);
    EXPECT_EQ(error_of("GET http:///x HTTP/1.1\r\nHost: h\r\n\r\n"), ParseError::bad_host);
    EXPECT_EQ(error_of("GET https://h%zz/x HTTP/1.1\r\nHost: h\r\n\r\n"), ParseError::bad_host);
}

TEST(Parser, BodyFraming) {
    RequestParser p;
    ASSERT_EQ(parse_all(p, "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n").status,
              ParseStatus::complete);
    EXPECT_EQ(p.request().body, BodyKind::chunked);
    ASSERT_EQ(parse_all(p, "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 7, 7\r\nContent-Length: 7\r\n\r\n").status,
              ParseStatus::complete);
    EXPECT_EQ(p.request().content_length, 7u);
    ASSERT_EQ(parse_all(p, "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n").status, ParseStatus::complete);
    EXPECT_EQ(p.request().body, BodyKind::none);
    ASSERT_EQ(parse_all(p, "PUT / HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n").status,
              ParseStatus::complete);
    EXPECT_TRUE(p.request().expect_continue);
}

TEST(Parser, SmugglingVectorsAreRejected) {
    const std::string h = "POST / HTTP/1.1\r\nHost: h\r\n";
    EXPECT_EQ(error_of(h + "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"),
              ParseError::content_length_and_chunked);
    EXPECT_EQ(error_of(h + "Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n"),
              ParseError::content_length_and_chunked);
    EXPECT_EQ(error_of(h + "Content-Length: 5\r\nContent-Length: 6\r\n\r\n"), ParseError::conflicting_content_length);
    EXPECT_EQ(error_of(h + "Content-Length: 5, 6\r\n\r\n"), ParseError::conflicting_content_length);
    EXPECT_EQ(error_of(h + "Content-Length: +5\r\n\r\n"), ParseError::bad_content_length);
    EXPECT_EQ(error_of(h + "Content-Length: 0x5\r\n\r\n"), ParseError::bad_content_length);
    EXPECT_EQ(error_of(h + "Content-Length: \r\n\r\n"), ParseError::bad_content_length);
    EXPECT_EQ(error_of(h + "Content-Length: 99999999999999999999\r\n\r\n"), ParseError::bad_content_length);
    EXPECT_EQ(error_of(h + "Transfer-Encoding: chunked, chunked\r\n\r\n"), ParseError::bad_transfer_encoding);
    EXPECT_EQ(error_of(h + "Transfer-Encoding: chunked, gzip\r\n\r\n"), ParseError::bad_transfer_encoding);
    EXPECT_EQ(error_of(h + "Transfer-Encoding: gzip, chunked\r\n\r\n"), ParseError::unsupported_transfer_encoding);
    EXPECT_EQ(error_of(h + "Transfer-Encoding: gzip\r\n\r\n"), ParseError::unsupported_transfer_encoding);
    EXPECT_EQ(error_of(h + "Transfer-Encoding: xchunked\r\n\r\n"), ParseError::unsupported_transfer_encoding);
    EXPECT_EQ(error_of("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n"), ParseError::transfer_encoding_http10);
    EXPECT_EQ(error_of(h + "Expect: something\r\n\r\n"), ParseError::unsupported_expectation);
    EXPECT_EQ(status_for(ParseError::content_length_and_chunked), 400);
    EXPECT_EQ(status_for(ParseError::unsupported_transfer_encoding), 501);
}

TEST(Parser, RequestLineLimitBothSides) {
    ParserLimits l;
    l.max_request_line = 64;
    l.max_header_bytes = 1024;
    const std::string prefix = "GET /";
    const std::string suffix = " HTTP/1.1";
    const std::string at = prefix + std::string(64 - prefix.size() - suffix.size(), 'a') + suffix;
    ASSERT_EQ(at.size(), 64u);
    EXPECT_EQ(error_of(at + "\r\nHost: h\r\n\r\n", l), ParseError::none);
    const std::string over = prefix + std::string(65 - prefix.size() - suffix.size(), 'a') + suffix;
    EXPECT_EQ(error_of(over + "\r\nHost: h\r\n\r\n", l), ParseError::request_line_too_long);
    // Detected without waiting for the end of the line.
    EXPECT_EQ(RequestParser(l).parse(std::string(64, 'a') + "\r").status, ParseStatus::need_more);
    EXPECT_EQ(RequestParser(l).parse(std::string(64, 'a')).status, ParseStatus::need_more);
    EXPECT_EQ(RequestParser(l).parse(std::string(65, 'a')).error, ParseError::request_line_too_long);
    EXPECT_EQ(RequestParser(l).parse(std::string(65, 'a') + "\r").error, ParseError::request_line_too_long);
    EXPECT_EQ(status_for(ParseError::request_line_too_long), 414);
    // Default limit: 8 KiB.
    EXPECT_EQ(error_of("GET /" + std::string(8200, 'x') + " HTTP/1.1\r\nHost: h\r\n\r\n"),
              ParseError::request_line_too_long);
}

TEST(Parser, HeaderBytesLimitBothSides) {
    ParserLimits l;
    l.max_header_bytes = 100;
    const std::string start = "GET / HTTP/1.1\r\nHost: h\r\nX: ";
    const std::string fill_at(100 - start.size() - 4, 'v');
    const std::string at = start + fill_at + "\r\n\r\n";
    ASSERT_EQ(at.size(), 100u);
    EXPECT_EQ(error_of(at, l), ParseError::none);
    EXPECT_EQ(error_of(start + fill_at + "v\r\n\r\n", l), ParseError::header_too_large);
    RequestParser p(l);
    EXPECT_EQ(p.parse(std::string_view(at).substr(0, 99)).status, ParseStatus::need_more);
    EXPECT_EQ(p.parse(start + std::string(200, 'v')).error, ParseError::header_too_large);
    EXPECT_EQ(status_for(ParseError::header_too_large), 431);
}

TEST(Parser, HeaderCountLimitBothSides) {
    ParserLimits l;
    l.max_headers = 5;
    std::string req = "GET / HTTP/1.1\r\nHost: h\r\n";
    for (int i = 0; i < 4; ++i) req += "X" + std::to_string(i) + ": v\r\n";
    EXPECT_EQ(error_of(req + "\r\n", l), ParseError::none);
    EXPECT_EQ(error_of(req + "Y: v\r\n\r\n", l), ParseError::too_many_headers);
    EXPECT_EQ(status_for(ParseError::too_many_headers), 431);
}

TEST(Parser, ResetReusesParser) {
    RequestParser p;
    ASSERT_EQ(p.parse("GET /a HTTP/1.1\r\nHost: h\r\nX: 1\r\n\r\n").status, ParseStatus::complete);
    p.reset();
    ASSERT_EQ(p.parse("GET /b HTTP/1.0\r\n\r\n").status, ParseStatus::complete);
    EXPECT_EQ(p.request().target, "/b");
    EXPECT_TRUE(p.request().headers.empty());
    EXPECT_EQ(p.request().host, "");
}

TEST(Parser, MutatedHeadsAgreeWholeAndSplit) {
    std::mt19937 rng(12345);
    for (int i = 0; i < 3000; ++i) {
        const std::string msg = test::mutate(kRequests[rng() % kRequests.size()], rng);
        const auto whole = parse_whole(msg);
        const std::size_t split = msg.empty() ? 0 : rng() % msg.size();
        const auto split_r = parse_split(msg, split);
        // An early error on a prefix is allowed only if the whole message also fails.
        if (split_r.status == ParseStatus::error && whole.status == ParseStatus::error) continue;
        ASSERT_EQ(whole.status, split_r.status) << i << " split " << split;
        ASSERT_EQ(whole.consumed, split_r.consumed) << i;
        ASSERT_EQ(whole.target, split_r.target) << i;
        if (whole.status == ParseStatus::complete) {
            ASSERT_LE(whole.consumed, msg.size());
        }
    }
}
