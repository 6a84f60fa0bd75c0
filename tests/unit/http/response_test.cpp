#include "http/response.hpp"

#include <gtest/gtest.h>

using namespace http;

TEST(Response, SerializesHead) {
    std::string out;
    append_status_line(out, 404);
    append_header(out, "Content-Length", std::uint64_t{1234});
    append_header(out, "Content-Type", "text/html");
    end_head(out);
    EXPECT_EQ(out, "HTTP/1.1 404 Not Found\r\nContent-Length: 1234\r\nContent-Type: text/html\r\n\r\n");
    out.clear();
    append_status_line(out, 200, 0);
    EXPECT_EQ(out, "HTTP/1.0 200 OK\r\n");
}

TEST(Response, CheckedHeaderRefusesInjection) {
    std::string out;
    EXPECT_FALSE(append_header_checked(out, "Location", "/a\r\nSet-Cookie: x"));
    EXPECT_FALSE(append_header_checked(out, "Bad Name", "v"));
    EXPECT_TRUE(out.empty());
    EXPECT_TRUE(append_header_checked(out, "Location", "/a/"));
}

TEST(Response, Chunks) {
    std::string out;
    append_chunk(out, "hello world, this is 26 b.");
    append_chunk(out, "");
    append_last_chunk(out);
    EXPECT_EQ(out, "1a\r\nhello world, this is 26 b.\r\n0\r\n\r\n");
}

TEST(Response, HtmlEscape) { EXPECT_EQ(html_escape("<a href=\"x\">&'"), "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"); }
