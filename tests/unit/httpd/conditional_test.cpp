#include "httpd/conditional.hpp"

#include <gtest/gtest.h>

#include "http/date.hpp"
#include "http/parser.hpp"

using namespace httpd;

namespace {
const std::time_t kMtime = 784111777;  // Sun, 06 Nov 1994 08:49:37 GMT
const std::string kEtag = "\"abc\"";

struct Parsed {
    std::string text;
    http::RequestParser p;
};

Decision run(const std::string& method, const std::string& fields, bool exists = true) {
    static Parsed holder;  // keeps the parsed views alive while decide() runs
    holder.text = method + " /f HTTP/1.1\r\nHost: h\r\n" + fields + "\r\n";
    holder.p.reset();
    auto r = holder.p.parse(holder.text);
    EXPECT_EQ(r.status, http::ParseStatus::complete);
    return decide(holder.p.request(), {1000, kMtime, kEtag, exists});
}
}  // namespace

TEST(Conditional, NoPreconditions) {
    EXPECT_EQ(run("GET", "").status, 200);
    EXPECT_EQ(run("HEAD", "").status, 200);
}

TEST(Conditional, IfNoneMatchAndIfModifiedSince) {
    EXPECT_EQ(run("GET", "If-None-Match: \"abc\"\r\n").status, 304);
    EXPECT_EQ(run("GET", "If-None-Match: W/\"abc\"\r\n").status, 304);  // weak comparison
    EXPECT_EQ(run("GET", "If-None-Match: \"x\", \"abc\"\r\n").status, 304);
    EXPECT_EQ(run("GET", "If-None-Match: *\r\n").status, 304);
    EXPECT_EQ(run("GET", "If-None-Match: \"x\"\r\n").status, 200);
    EXPECT_EQ(run("HEAD", "If-None-Match: \"abc\"\r\n").status, 304);
    EXPECT_EQ(run("PUT", "If-None-Match: \"abc\"\r\n").status, 412);
    // Both sides of the date: equal is "not modified", one second earlier is modified.
    EXPECT_EQ(run("GET", "If-Modified-Since: Sun, 06 Nov 1994 08:49:37 GMT\r\n").status, 304);
    EXPECT_EQ(run("GET", "If-Modified-Since: Sun, 06 Nov 1994 08:49:36 GMT\r\n").status, 200);
    EXPECT_EQ(run("GET", "If-Modified-Since: garbage\r\n").status, 200);
    // If-None-Match wins over If-Modified-Since (RFC 9110 13.2.2).
    EXPECT_EQ(run("GET", "If-None-Match: \"x\"\r\nIf-Modified-Since: Sun, 06 Nov 1994 08:49:37 GMT\r\n").status, 200);
}

TEST(Conditional, IfMatchAndIfUnmodifiedSince) {
    EXPECT_EQ(run("GET", "If-Match: \"abc\"\r\n").status, 200);
    EXPECT_EQ(run("GET", "If-Match: W/\"abc\"\r\n").status, 412);  // strong comparison
    EXPECT_EQ(run("GET", "If-Match: \"zzz\"\r\n").status, 412);
    EXPECT_EQ(run("GET", "If-Unmodified-Since: Sun, 06 Nov 1994 08:49:37 GMT\r\n").status, 200);
    EXPECT_EQ(run("GET", "If-Unmodified-Since: Sun, 06 Nov 1994 08:49:36 GMT\r\n").status, 412);
    EXPECT_EQ(run("GET", "If-Match: \"abc\"\r\nIf-Unmodified-Since: Sun, 06 Nov 1994 08:49:36 GMT\r\n").status, 200);
}

TEST(Conditional, WritesWithAndWithoutACurrentRepresentation) {
    for (const char* m : {"PUT", "DELETE"}) {
        EXPECT_EQ(run(m, "If-None-Match: *\r\n").status, 412) << m;
        EXPECT_EQ(run(m, "If-None-Match: \"abc\"\r\n").status, 412) << m;  // not 304
        EXPECT_EQ(run(m, "If-None-Match: \"zzz\"\r\n").status, 200) << m;
        EXPECT_EQ(run(m, "If-Match: *\r\n").status, 200) << m;
        EXPECT_EQ(run(m, "If-Modified-Since: Sun, 06 Nov 1994 08:49:37 GMT\r\n").status, 200) << m;  // GET only
        EXPECT_EQ(run(m, "Range: bytes=0-1\r\n").status, 200) << m;
    }
    EXPECT_EQ(run("PUT", "If-Match: *\r\n", false).status, 412);
    EXPECT_EQ(run("PUT", "If-Match: \"abc\"\r\n", false).status, 412);
    EXPECT_EQ(run("PUT", "If-None-Match: *\r\n", false).status, 200);
    EXPECT_EQ(run("PUT", "If-Unmodified-Since: Thu, 01 Jan 1970 00:00:01 GMT\r\n", false).status, 200);
    EXPECT_EQ(run("PUT", "", false).status, 200);
}

TEST(Conditional, RangesAndIfRange) {
    auto d = run("GET", "Range: bytes=0-99\r\n");
    EXPECT_EQ(d.status, 206);
    EXPECT_EQ(d.range.first, 0u);
    EXPECT_EQ(d.range.last, 99u);
    d = run("GET", "Range: bytes=900-\r\n");
    EXPECT_EQ(d.status, 206);
    EXPECT_EQ(d.range.last, 999u);
    d = run("GET", "Range: bytes=-10\r\n");
    EXPECT_EQ(d.range.first, 990u);
    EXPECT_EQ(run("GET", "Range: bytes=999-\r\n").status, 206);
    EXPECT_EQ(run("GET", "Range: bytes=1000-\r\n").status, 416);
    EXPECT_EQ(run("GET", "Range: bytes=0-1,5-6\r\n").status, 200);
    EXPECT_EQ(run("GET", "Range: lines=0-1\r\n").status, 200);
    EXPECT_EQ(run("HEAD", "Range: bytes=0-1\r\n").status, 200);
    EXPECT_EQ(run("GET", "Range: bytes=0-1\r\nIf-Range: \"abc\"\r\n").status, 206);
    EXPECT_EQ(run("GET", "Range: bytes=0-1\r\nIf-Range: \"old\"\r\n").status, 200);
    EXPECT_EQ(run("GET", "Range: bytes=0-1\r\nIf-Range: Sun, 06 Nov 1994 08:49:37 GMT\r\n").status, 206);
    EXPECT_EQ(run("GET", "Range: bytes=0-1\r\nIf-Range: Sun, 06 Nov 1994 08:49:38 GMT\r\n").status, 200);
    // A failed precondition beats the range.
    EXPECT_EQ(run("GET", "Range: bytes=0-1\r\nIf-None-Match: \"abc\"\r\n").status, 304);
}

TEST(Conditional, IfRangeTakesExactlyOneTag) {
    EXPECT_EQ(run("GET", "Range: bytes=0-9\r\nIf-Range: \"abc\"\r\n").status, 206);
    for (const char* value :
         {"\"abc\", \"x\"", "\"x\", \"abc\"", "\"abc\",\"abc\"", "W/\"abc\"", "*", "\"ab\"", "\"abc"}) {
        EXPECT_EQ(run("GET", "Range: bytes=0-9\r\nIf-Range: " + std::string(value) + "\r\n").status, 200) << value;
    }
}

TEST(Conditional, EtagIsQuotedAndChangesWithEachInput) {
    const auto a = make_etag(1, 2, 3);
    EXPECT_EQ(a.front(), '"');
    EXPECT_EQ(a.back(), '"');
    EXPECT_NE(a, make_etag(1, 3, 3));
    EXPECT_NE(a, make_etag(2, 2, 3));
    EXPECT_NE(a, make_etag(1, 2, 4));
}
