#include "http/message.hpp"

#include <gtest/gtest.h>

#include "http/parser.hpp"

using namespace http;

TEST(Message, TokensListsAndReasons) {
    EXPECT_TRUE(iequals("Content-Length", "content-length"));
    EXPECT_FALSE(iequals("a", "ab"));
    EXPECT_TRUE(list_has_token(" keep-alive , Upgrade", "upgrade"));
    EXPECT_FALSE(list_has_token("keep-alive-x", "keep-alive"));
    EXPECT_EQ(reason_phrase(404), "Not Found");
    EXPECT_EQ(reason_phrase(431), "Request Header Fields Too Large");
    EXPECT_EQ(method_from("DELETE"), Method::del);
    EXPECT_EQ(method_from("get"), Method::other);
    EXPECT_EQ(to_string(Method::options), "OPTIONS");
    EXPECT_TRUE(status_has_no_body(304));
    EXPECT_FALSE(status_has_no_body(200));
}

TEST(Message, MethodsRoundTrip) {
    for (Method m : {Method::get, Method::head, Method::post, Method::put, Method::del, Method::options, Method::trace,
                     Method::connect, Method::patch})
        EXPECT_EQ(method_from(to_string(m)), m) << to_string(m);
    EXPECT_EQ(to_string(Method::other), "");
    EXPECT_EQ(method_from(""), Method::other);
    EXPECT_EQ(method_from("BREW"), Method::other);
    EXPECT_EQ(reason_phrase(299), "Unknown");
    EXPECT_TRUE(status_has_no_body(100));
    EXPECT_TRUE(status_has_no_body(204));
    EXPECT_FALSE(status_has_no_body(206));
}

TEST(Message, HeaderLookupPathAndQuery) {
    const std::string text = "GET /a%20b?x=1&y HTTP/1.1\r\nHost: h\r\nX-A: 1\r\nx-a: 2\r\nEmpty:\r\n\r\n";
    RequestParser p;
    ASSERT_EQ(p.parse(text).status, ParseStatus::complete);
    const Request& r = p.request();
    EXPECT_EQ(r.header("x-A"), "1");  // the first of several
    EXPECT_EQ(r.count("X-A"), 2u);
    EXPECT_TRUE(r.has_header("empty"));
    EXPECT_EQ(r.header("empty"), "");
    EXPECT_FALSE(r.has_header("missing"));
    EXPECT_EQ(r.path(), "/a%20b");
    EXPECT_EQ(r.query(), "x=1&y");
    Request copy = r;
    copy.clear();
    EXPECT_TRUE(copy.headers.empty());
    EXPECT_EQ(copy.path(), "");
    EXPECT_EQ(copy.query(), "");
}
