#include "http/response_head.hpp"

#include <gtest/gtest.h>

#include <string>

using namespace http;

TEST(ResponseHead, ContentLength) {
    const std::string m = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nCache-Control: max-age=60\r\n\r\nhello";
    ResponseHead h;
    const auto r = parse_response_head(m, false, h);
    ASSERT_EQ(r.status, ParseStatus::complete);
    EXPECT_EQ(r.consumed, m.size() - 5);
    EXPECT_EQ(h.status, 200);
    EXPECT_EQ(h.reason, "OK");
    EXPECT_EQ(h.body, ResponseBody::length);
    EXPECT_EQ(h.content_length, 5u);
    EXPECT_TRUE(h.keep_alive);
    EXPECT_EQ(h.header("cache-control"), "max-age=60");
}

TEST(ResponseHead, EverySplitNeedsMoreThenCompletes) {
    const std::string m = "HTTP/1.1 304 Not Modified\r\nETag: \"x\"\r\n\r\n";
    for (std::size_t i = 0; i < m.size(); ++i) {
        ResponseHead h;
        EXPECT_EQ(parse_response_head(m.substr(0, i), false, h).status, ParseStatus::need_more) << i;
    }
    ResponseHead h;
    ASSERT_EQ(parse_response_head(m, false, h).status, ParseStatus::complete);
    EXPECT_EQ(h.body, ResponseBody::none);
}

TEST(ResponseHead, Framing) {
    ResponseHead h;
    ASSERT_EQ(parse_response_head("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", false, h).status,
              ParseStatus::complete);
    EXPECT_EQ(h.body, ResponseBody::chunked);
    ASSERT_EQ(parse_response_head("HTTP/1.0 200 OK\r\n\r\n", false, h).status, ParseStatus::complete);
    EXPECT_EQ(h.body, ResponseBody::until_close);
    EXPECT_FALSE(h.keep_alive);
    ASSERT_EQ(parse_response_head("HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n", true, h).status,
              ParseStatus::complete);
    EXPECT_EQ(h.body, ResponseBody::none);  // answer to HEAD
    ASSERT_EQ(
        parse_response_head("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n", false, h)
            .status,
        ParseStatus::complete);
    EXPECT_EQ(h.body, ResponseBody::chunked);
    EXPECT_FALSE(h.keep_alive);
    ASSERT_EQ(parse_response_head("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 1\r\n\r\n", false, h).status,
              ParseStatus::complete);
    EXPECT_FALSE(h.keep_alive);
}

TEST(ResponseHead, Errors) {
    ResponseHead h;
    const auto err = [&](std::string_view m) { return parse_response_head(m, false, h).error; };
    EXPECT_EQ(err("HTTP/2 200 OK\r\n\r\n"), ResponseError::bad_status_line);
    EXPECT_EQ(err("HTTP/1.1 20 OK\r\n\r\n"), ResponseError::bad_status_line);
    EXPECT_EQ(err("HTTP/1.1 200 OK\r\nBad Name: x\r\n\r\n"), ResponseError::bad_header);
    EXPECT_EQ(err("HTTP/1.1 200 OK\r\nA: b\r\n folded\r\n\r\n"), ResponseError::bad_header);
    EXPECT_EQ(err("HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n"),
              ResponseError::bad_content_length);
    EXPECT_EQ(err("HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n"), ResponseError::bad_content_length);
    EXPECT_EQ(err("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n"), ResponseError::bad_transfer_encoding);
    EXPECT_EQ(parse_response_head("HTTP/1.1 200 OK\r\nContent-Length: 1, 1\r\n\r\n", false, h).status,
              ParseStatus::complete);
}

TEST(ResponseHead, LimitsBothSides) {
    ResponseLimits l{.max_head = 64, .max_headers = 2};
    ResponseHead h;
    std::string at = "HTTP/1.1 200 OK\r\nA: " + std::string(64 - 17 - 5 - 2, 'x') + "\r\n\r\n";
    ASSERT_EQ(at.size(), 64u);
    EXPECT_EQ(parse_response_head(at, false, h, l).status, ParseStatus::complete);
    std::string over = "HTTP/1.1 200 OK\r\nA: " + std::string(64 - 17 - 5 - 1, 'x') + "\r\n\r\n";
    EXPECT_EQ(parse_response_head(over, false, h, l).error, ResponseError::head_too_large);
    EXPECT_EQ(parse_response_head(std::string(65, 'H'), false, h, l).error, ResponseError::head_too_large);
    EXPECT_EQ(parse_response_head("HTTP/1.1 200 OK\r\nA: 1\r\nB: 2\r\n\r\n", false, h, l).status,
              ParseStatus::complete);
    EXPECT_EQ(parse_response_head("HTTP/1.1 200 OK\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n", false, h, l).error,
              ResponseError::too_many_headers);
}
