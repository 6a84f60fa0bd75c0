// The handler's side of an exchange, without a connection: responses, error pages, log lines.
#include "http/exchange.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include "http/parser.hpp"

using namespace http;

TEST(Exchange, ResponseRefusesHeaderInjection) {
    Response r;
    EXPECT_FALSE(r.add_header("X", "a\r\nSet-Cookie: evil"));
    EXPECT_FALSE(r.add_header("Bad Name", "v"));
    EXPECT_TRUE(r.add_header("X-Ok", "v"));
    EXPECT_EQ(r.fields, "X-Ok: v\r\n");
    set_error(r, 404, "<script>");
    EXPECT_EQ(r.status, 404);
    EXPECT_NE(r.body.find("&lt;script&gt;"), std::string::npos);
    EXPECT_EQ(r.fields.find("X-Ok"), std::string::npos);
}

TEST(Exchange, CombinedLogFormat) {
    std::string text = "GET /a?b HTTP/1.0\r\nUser-Agent: t \"q\"\r\nReferer: http://r/\r\n\r\n";
    RequestParser p;
    ASSERT_EQ(p.parse(text).status, ParseStatus::complete);
    const Peer peer{"192.0.2.7", 5};
    std::string line;
    format_combined_log({peer, &p.request(), 200, 1234, 784111777}, line);
    EXPECT_EQ(line,
              "192.0.2.7 - - [06/Nov/1994:08:49:37 +0000] \"GET /a?b HTTP/1.0\" 200 1234 \"http://r/\" "
              "\"t \\x22q\\x22\"");
    line.clear();
    format_combined_log({peer, nullptr, 400, 0, 784111777}, line);
    EXPECT_EQ(line, "192.0.2.7 - - [06/Nov/1994:08:49:37 +0000] \"-\" 400 - \"-\" \"-\"");
}

TEST(Exchange, BodiesFromMemoryOrFile) {
    Response r;
    r.body = "abc";
    EXPECT_EQ(r.body_length(), 3u);
    r.set_file(fs::FileHandle(::dup(0)), 10, 42);
    EXPECT_TRUE(r.file);
    EXPECT_EQ(r.body_length(), 42u);
    EXPECT_TRUE(r.body.empty());
    r.add_header("Content-Length-Not", 7u);
    EXPECT_EQ(r.fields, "Content-Length-Not: 7\r\n");
    r.status = 206;
    r.close = true;
    r.clear();
    EXPECT_EQ(r.status, 200);
    EXPECT_FALSE(r.file);
    EXPECT_FALSE(r.close);
    EXPECT_EQ(r.body_length(), 0u);
    EXPECT_TRUE(r.fields.empty());
}

TEST(Exchange, ErrorPagesOnlyWhereABodyIsAllowed) {
    Response r;
    set_error(r, 304);
    EXPECT_TRUE(r.body.empty());
    EXPECT_TRUE(r.fields.empty());  // no Content-Type for a body that is never sent
    set_error(r, 503, "busy");
    EXPECT_NE(r.body.find("<title>503 Service Unavailable</title>"), std::string::npos);
    EXPECT_NE(r.body.find("<p>busy</p>"), std::string::npos);
    EXPECT_EQ(r.fields, "Content-Type: text/html; charset=utf-8\r\n");
}

TEST(Exchange, LogLinesStayOneLineWhateverTheClientSent) {
    std::string text = "GET /a\"b HTTP/1.1\r\nHost: h\r\nUser-Agent: a\tb\\\x80\r\n\r\n";
    RequestParser p;
    ASSERT_EQ(p.parse(text).status, ParseStatus::complete);
    const Peer peer{"2001:db8::1", 5};
    std::string line;
    format_combined_log({peer, &p.request(), 200, 0, 0}, line);
    EXPECT_EQ(
        line,
        "2001:db8::1 - - [01/Jan/1970:00:00:00 +0000] \"GET /a\\x22b HTTP/1.1\" 200 - \"-\" \"a\\x09b\\x5C\\x80\"");
}
