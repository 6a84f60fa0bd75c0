// The tracker's HTTP resources as a pure function of the request line.
#include "tracker/http_routes.hpp"

#include <gtest/gtest.h>

#include <string>

#include "http/parser.hpp"
#include "http/url.hpp"
#include "test_util.hpp"
#include "tracker/bencode.hpp"
#include "tracker/memory_swarm.hpp"

namespace tracker {
namespace {

struct Routes {
    Tracker tracker{TrackerOptions{}, std::make_shared<MemorySwarmStore>()};
    const PeerEndpoint source = test::v4(1, 40000);
    std::string summary;

    HttpReply get(const std::string& target, std::string_view method = "GET") {
        summary.clear();
        return route(tracker, method, target, source, 1'000'000, &summary);
    }
    // The bencoded body of a 200 text/plain reply.
    bencode::Value bencoded(const std::string& target) {
        const HttpReply r = get(target);
        EXPECT_EQ(r.status, 200) << target;
        EXPECT_EQ(r.content_type, "text/plain") << target;
        auto v = bencode::decode(r.body);
        EXPECT_TRUE(v) << r.body;
        return v.value_or(bencode::Value{});
    }
    std::string failure(const std::string& target) {
        const auto v = bencoded(target);
        const auto* reason = v.find("failure reason");
        return reason ? reason->as_string() : std::string();
    }
};

std::string announce(const std::string& info_hash_escaped, std::uint16_t port, const std::string& extra = "") {
    return "/announce?info_hash=" + info_hash_escaped + "&peer_id=" + std::string(20, 'p') +
           "&port=" + std::to_string(port) + "&left=5" + extra;
}

std::string escaped(const Hash20& h) { return http::percent_encode(test::raw(h), true); }

}  // namespace

TEST(HttpRoutes, AnnounceAndScrape) {
    Routes r;
    auto v = r.bencoded(announce(escaped(test::hash(1)), 6881));
    EXPECT_EQ(v.find("failure reason"), nullptr);
    EXPECT_EQ(v.find("interval")->as_int(), 1800);
    EXPECT_TRUE(r.summary.starts_with("announce ")) << r.summary;
    v = r.bencoded("/scrape?info_hash=" + escaped(test::hash(1)));
    const auto* file = v.find("files")->find(test::raw(test::hash(1)));
    ASSERT_NE(file, nullptr);
    EXPECT_EQ(file->find("incomplete")->as_int(), 1);
    EXPECT_EQ(r.summary, "scrape");
    EXPECT_EQ(r.get(announce(escaped(test::hash(2)), 6881), "HEAD").status, 200);
}

TEST(HttpRoutes, AbsoluteFormTargets) {
    Routes r;
    EXPECT_EQ(r.failure("http://tracker.example:6969" + announce(escaped(test::hash(4)), 6881)), "");
    EXPECT_TRUE(r.summary.starts_with("announce ")) << r.summary;
    EXPECT_EQ(r.get("HTTPS://t/stats?format=json").content_type, "application/json");
    EXPECT_EQ(r.get("http://t").status, 200);  // the index
    EXPECT_EQ(r.get("http://t/announce.php").status, 404);
    EXPECT_EQ(r.get("ftp://t/announce").status, 404);
}

TEST(HttpRoutes, QueryBytesAreRawNotForm) {
    // '+' is the byte 0x2B in an info_hash, not a space: the same torrent as %2B.
    Routes r;
    EXPECT_EQ(r.failure(announce(std::string(20, '+'), 6881)), "");
    std::string pluses;
    for (int i = 0; i < 20; ++i) pluses += "%2B";
    const auto v = r.bencoded("/scrape?info_hash=" + pluses);
    const auto* file = v.find("files")->find(std::string(20, '+'));
    ASSERT_NE(file, nullptr);
    EXPECT_EQ(file->find("incomplete")->as_int(), 1);
}

TEST(HttpRoutes, QueryErrorsAreFailureReasons) {
    Routes r;
    EXPECT_EQ(r.failure("/announce?info_hash=%zz"), "invalid percent-encoding in query");
    EXPECT_EQ(r.summary, "failure: invalid percent-encoding in query");
    EXPECT_EQ(r.failure("/scrape?info_hash=%1"), "invalid percent-encoding in query");
    // The parameter limit, both sides.
    std::string at_limit = announce(escaped(test::hash(3)), 6881);
    for (int i = 4; i < static_cast<int>(kMaxQueryParams); ++i) at_limit += "&x" + std::to_string(i) + "=1";
    EXPECT_EQ(r.failure(at_limit), "");
    EXPECT_EQ(r.failure(at_limit + "&one=more"), "too many parameters");
    EXPECT_EQ(r.failure("/announce"), "missing info_hash");
}

TEST(HttpRoutes, StatsIndexAndTheRest) {
    Routes r;
    auto h = r.get("/stats");
    EXPECT_EQ(h.status, 200);
    EXPECT_EQ(h.content_type, "text/html; charset=utf-8");
    EXPECT_NE(h.body.find("<h1>Tracker statistics</h1>"), std::string::npos);
    EXPECT_EQ(r.summary, "stats (html)");
    h = r.get("/stats?format=json");
    EXPECT_EQ(h.content_type, "application/json");
    EXPECT_TRUE(h.body.starts_with("{\"torrents\":0,")) << h.body;
    EXPECT_EQ(r.get("/stats?format=%zz").content_type, "text/html; charset=utf-8");  // a bad query: HTML
    for (const char* index : {"/", "/index.html"}) {
        h = r.get(index);
        EXPECT_EQ(h.status, 200);
        EXPECT_NE(h.body.find("Announce URL"), std::string::npos);
    }
    h = r.get("/announce.php");
    EXPECT_EQ(h.status, 404);
    EXPECT_EQ(r.summary, "not found");
    EXPECT_EQ(r.get("/announce", "POST").status, 405);
    EXPECT_EQ(route(r.tracker, "GET", "/stats", r.source, 1, nullptr).status, 200);  // no summary asked
}

}  // namespace tracker

namespace tracker {

TEST(HttpRoutes, RespondFillsTheDriversResponse) {
    Tracker t{TrackerOptions{}, std::make_shared<MemorySwarmStore>()};
    const std::string text = "GET " + announce(escaped(test::hash(5)), 6881) + " HTTP/1.1\r\nHost: h\r\n\r\n";
    http::RequestParser p;
    ASSERT_EQ(p.parse(text).status, http::ParseStatus::complete);
    const http::Peer peer{"::ffff:192.0.2.9", 40000};
    http::Response resp;
    respond(t, {p.request(), "", peer, 1, 1}, 1'000'000, resp);
    EXPECT_EQ(resp.status, 200);
    EXPECT_EQ(resp.fields, "Content-Type: text/plain\r\nCache-Control: no-cache\r\n");
    EXPECT_TRUE(resp.note.empty());  // not tracing: no summary is made
    resp.clear();
    respond(t, {p.request(), "", peer, 1, 1, /*tracing=*/true}, 1'000'000, resp);
    EXPECT_TRUE(resp.note.starts_with("announce ")) << resp.note;
    // The same peer (address and port) announcing again: still one leecher.
    const auto v = bencode::decode(resp.body);
    ASSERT_TRUE(v);
    EXPECT_EQ(v->find("complete")->as_int(), 0);
    EXPECT_EQ(v->find("incomplete")->as_int(), 1);
}

}  // namespace tracker
