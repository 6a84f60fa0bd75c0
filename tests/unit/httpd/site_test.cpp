// The request policy, driven directly (no sockets): parsed request in, Response out.
#include "httpd/site.hpp"

#include <gtest/gtest.h>

#include "http/parser.hpp"
#include "support/temp_dir.hpp"

using namespace httpd;
using suite::test::TempDir;

namespace {
struct SiteFixture {
    TempDir dir;
    std::unique_ptr<Site> site;
    const http::Peer peer{"127.0.0.1", 1};

    SiteFixture() {
        dir.write("www/index.html", "<h1>home</h1>");
        dir.write("www/a.txt", "0123456789");
        dir.mkdir("www/dir");
        dir.mkdir("www/upload");
        dir.write("school/home.index", "school");
        dir.write("mime.types", "text/html html index\ntext/plain txt\n");
        Config cfg;
        cfg.root = dir.path("www");
        cfg.mime_types = dir.path("mime.types");
        cfg.writable = {"/upload/"};
        cfg.forms = {"/form"};
        cfg.vhosts = {{{"school.edu"}, dir.path("school")}};
        site = std::make_unique<Site>(cfg);
    }

    struct Result {
        http::Response resp;
        bool early = false;
    };
    Result call(const std::string& head, const std::string& body = "") {
        std::string text = head + "\r\n";
        http::RequestParser p;
        EXPECT_EQ(p.parse(text).status, http::ParseStatus::complete) << head;
        Result r;
        const http::ServerRequest rq{p.request(), body, peer, 1, 1};
        r.early = site->refuse_early(rq, r.resp);
        if (!r.early) site->handle(rq, r.resp);
        return r;
    }
};
}  // namespace

TEST(Site, StaticFilesAndDirectories) {
    SiteFixture f;
    auto r = f.call("GET /a.txt HTTP/1.1\r\nHost: h\r\n");
    EXPECT_EQ(r.resp.status, 200);
    EXPECT_EQ(r.resp.memory_body(), "0123456789");
    EXPECT_NE(r.resp.fields.find("Content-Type: text/plain\r\n"), std::string::npos);
    EXPECT_NE(r.resp.fields.find("ETag: \""), std::string::npos);
    r = f.call("GET / HTTP/1.1\r\nHost: h\r\n");
    EXPECT_EQ(r.resp.memory_body(), "<h1>home</h1>");
    r = f.call("GET /dir?x HTTP/1.1\r\nHost: h\r\n");
    EXPECT_EQ(r.resp.status, 301);
    EXPECT_NE(r.resp.fields.find("Location: /dir/?x\r\n"), std::string::npos);
    EXPECT_EQ(f.call("GET /dir/ HTTP/1.1\r\nHost: h\r\n").resp.status, 403);  // no index, no listing
    EXPECT_EQ(f.call("GET /a.txt/ HTTP/1.1\r\nHost: h\r\n").resp.status, 404);
    EXPECT_EQ(f.call("GET /nope HTTP/1.1\r\nHost: h\r\n").resp.status, 404);
    EXPECT_EQ(f.call("GET /%2e%2e/x HTTP/1.1\r\nHost: h\r\n").resp.status, 403);
    EXPECT_EQ(f.call("GET /a%zz HTTP/1.1\r\nHost: h\r\n").resp.status, 400);
}

TEST(Site, RangesAndConditionals) {
    SiteFixture f;
    auto r = f.call("GET /a.txt HTTP/1.1\r\nHost: h\r\nRange: bytes=2-4\r\n");
    EXPECT_EQ(r.resp.status, 206);
    EXPECT_EQ(r.resp.memory_body(), "234");
    EXPECT_NE(r.resp.fields.find("Content-Range: bytes 2-4/10\r\n"), std::string::npos);
    r = f.call("GET /a.txt HTTP/1.1\r\nHost: h\r\nRange: bytes=10-\r\n");
    EXPECT_EQ(r.resp.status, 416);
    EXPECT_NE(r.resp.fields.find("Content-Range: bytes */10\r\n"), std::string::npos);
    r = f.call("GET /a.txt HTTP/1.1\r\nHost: h\r\nIf-Modified-Since: Tue, 01 Jan 2999 00:00:00 GMT\r\n");
    EXPECT_EQ(r.resp.status, 304);
    EXPECT_TRUE(r.resp.memory_body().empty());
}

TEST(Site, VirtualHosts) {
    SiteFixture f;
    auto r = f.call("GET /home.index HTTP/1.1\r\nHost: School.EDU:8080\r\n");
    EXPECT_EQ(r.resp.status, 200);
    EXPECT_EQ(r.resp.memory_body(), "school");
    EXPECT_NE(r.resp.fields.find("Content-Type: text/html\r\n"), std::string::npos);
    EXPECT_EQ(f.call("GET /home.index HTTP/1.1\r\nHost: other\r\n").resp.status, 404);
    EXPECT_EQ(f.call("GET /home.index HTTP/1.0\r\n").resp.status, 404);  // no Host: default root
}

TEST(Site, MethodsAndEarlyRefusal) {
    SiteFixture f;
    auto r = f.call("PUT /a.txt HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\n", "x");
    EXPECT_TRUE(r.early);
    EXPECT_EQ(r.resp.status, 405);
    EXPECT_NE(r.resp.fields.find("Allow: GET, HEAD, OPTIONS\r\n"), std::string::npos);
    r = f.call("POST /a.txt HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\n", "x");
    EXPECT_TRUE(r.early);
    EXPECT_EQ(r.resp.status, 405);
    r = f.call("BREW /pot HTTP/1.1\r\nHost: h\r\n");
    EXPECT_TRUE(r.early);
    EXPECT_EQ(r.resp.status, 501);
    r = f.call("OPTIONS * HTTP/1.1\r\nHost: h\r\n");
    EXPECT_EQ(r.resp.status, 204);
    r = f.call("POST /form HTTP/1.1\r\nHost: h\r\nContent-Length: 7\r\n", "a=1&b=2");
    EXPECT_FALSE(r.early);
    EXPECT_EQ(r.resp.status, 200);
    EXPECT_NE(r.resp.memory_body().find("<b>b</b> = 2"), std::string::npos);
    r = f.call("GET /form?monkeys&bananas HTTP/1.1\r\nHost: h\r\n");
    EXPECT_NE(r.resp.memory_body().find("<li><b>bananas</b></li>"), std::string::npos);
    r = f.call("POST /form HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n", "a=%");
    EXPECT_EQ(r.resp.status, 400);
}

TEST(Site, PutAndDeleteUnderWritablePrefix) {
    SiteFixture f;
    auto r = f.call("PUT /upload/n.txt HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n", "one");
    EXPECT_FALSE(r.early);
    EXPECT_EQ(r.resp.status, 201);
    EXPECT_EQ(f.dir.read("www/upload/n.txt"), "one");
    r = f.call("PUT /upload/n.txt HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n", "two");
    EXPECT_EQ(r.resp.status, 204);
    EXPECT_EQ(f.dir.read("www/upload/n.txt"), "two");
    EXPECT_EQ(f.call("PUT /upload/no/n.txt HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\n", "x").resp.status, 409);
    EXPECT_EQ(f.call("PUT /upload/ HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\n", "x").resp.status, 409);
    EXPECT_EQ(f.call("DELETE /upload/n.txt HTTP/1.1\r\nHost: h\r\n").resp.status, 204);
    EXPECT_EQ(f.call("DELETE /upload/n.txt HTTP/1.1\r\nHost: h\r\n").resp.status, 404);
    // No temporary files left behind.
    EXPECT_TRUE(std::filesystem::is_empty(f.dir.path("www/upload")));
}

TEST(Site, PutAndDeleteEvaluatePreconditions) {
    SiteFixture f;
    f.dir.write("www/upload/p.txt", "old");
    const auto etag = [&] {
        const auto r = f.call("HEAD /upload/p.txt HTTP/1.1\r\nHost: h\r\n");
        const auto at = r.resp.fields.find("ETag: ") + 6;
        return r.resp.fields.substr(at, r.resp.fields.find("\r\n", at) - at);
    };
    const std::vector<std::string> failing = {"If-None-Match: *", "If-Match: \"nope\"", "If-Match: W/" + etag(),
                                              "If-Unmodified-Since: Thu, 01 Jan 1970 00:00:01 GMT"};
    for (const auto& pre : failing) {
        auto r = f.call("PUT /upload/p.txt HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n" + pre + "\r\n", "new");
        EXPECT_EQ(r.resp.status, 412) << pre;
        r = f.call("DELETE /upload/p.txt HTTP/1.1\r\nHost: h\r\n" + pre + "\r\n");
        EXPECT_EQ(r.resp.status, 412) << pre;
        EXPECT_EQ(f.dir.read("www/upload/p.txt"), "old") << pre;
    }
    auto r =
        f.call("PUT /upload/p.txt HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nIf-Match: " + etag() + "\r\n", "new");
    EXPECT_EQ(r.resp.status, 204);
    EXPECT_EQ(f.dir.read("www/upload/p.txt"), "new");
    r = f.call(
        "PUT /upload/p.txt HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n"
        "If-Unmodified-Since: Tue, 01 Jan 2999 00:00:00 GMT\r\n",
        "3rd");
    EXPECT_EQ(r.resp.status, 204);
    // No current representation: If-Match fails, If-None-Match: * and If-Unmodified-Since do not.
    r = f.call("PUT /upload/q.txt HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\nIf-Match: *\r\n", "q");
    EXPECT_EQ(r.resp.status, 412);
    EXPECT_FALSE(std::filesystem::exists(f.dir.path("www/upload/q.txt")));
    r = f.call(
        "PUT /upload/q.txt HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\nIf-None-Match: *\r\n"
        "If-Unmodified-Since: Thu, 01 Jan 1970 00:00:01 GMT\r\n",
        "q");
    EXPECT_EQ(r.resp.status, 201);
    EXPECT_EQ(f.call("DELETE /upload/q.txt HTTP/1.1\r\nHost: h\r\nIf-Match: " + etag() + "\r\n").resp.status, 412);
    EXPECT_EQ(f.call("DELETE /upload/p.txt HTTP/1.1\r\nHost: h\r\nIf-Match: " + etag() + "\r\n").resp.status, 204);
}

TEST(Site, PutWithContentRangeIsRefused) {
    SiteFixture f;
    f.dir.write("www/upload/r.txt", "0123456789");
    auto r =
        f.call("PUT /upload/r.txt HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nContent-Range: bytes 2-4/10\r\n", "abc");
    EXPECT_TRUE(r.early);  // before the body is read
    EXPECT_EQ(r.resp.status, 400);
    // Without a body the driver calls the handler alone: it refuses too.
    const std::string head = "PUT /upload/r.txt HTTP/1.1\r\nHost: h\r\nContent-Range: bytes */10\r\n\r\n";
    http::RequestParser p;
    ASSERT_EQ(p.parse(head).status, http::ParseStatus::complete);
    http::Response resp;
    f.site->handle({p.request(), "", f.peer, 1, 1}, resp);
    EXPECT_EQ(resp.status, 400);
    EXPECT_EQ(f.dir.read("www/upload/r.txt"), "0123456789");
    // Not writable: still 405 first.
    r = f.call("PUT /a.txt HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nContent-Range: bytes 0-2/3\r\n", "abc");
    EXPECT_EQ(r.resp.status, 405);
}

TEST(Site, PutStoresEveryNameTheFileSystemTakes) {
    SiteFixture f;
    const std::string longest = std::string(251, 'n') + ".txt";  // NAME_MAX
    auto r = f.call("PUT /upload/" + longest + " HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\n", "ok");
    EXPECT_EQ(r.resp.status, 201);
    EXPECT_EQ(f.dir.read("www/upload/" + longest), "ok");
    r = f.call("PUT /upload/n" + longest + " HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\n", "ok");
    EXPECT_EQ(r.resp.status, 414);
    for (const auto& e : std::filesystem::directory_iterator(f.dir.path("www/upload")))
        EXPECT_EQ(e.path().filename(), longest);  // no temporary file left behind
}
