#include "tracker/http_routes.hpp"

#include "http/url.hpp"

namespace tracker {

namespace {

constexpr std::string_view kIndex =
    "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>tracker</title></head>\n"
    "<body><h1>BitTorrent tracker</h1>\n<p>Announce URL: <code>/announce</code> (BEP 3, compact BEP 23, "
    "IPv6 BEP 7); scrape: <code>/scrape</code> (BEP 48); UDP announces (BEP 15) on the UDP port.</p>\n"
    "<p><a href=\"/stats\">Statistics</a> (<a href=\"/stats?format=json\">JSON</a>)</p>\n</body></html>\n";

HttpReply bencoded(std::string body) { return {200, "text/plain", std::move(body)}; }

std::string_view query_error(http::QueryError e) {
    return e == http::QueryError::too_many ? "too many parameters" : "invalid percent-encoding in query";
}

// Raw bytes: '+' is not a space in an info_hash.
http::QueryError parse(std::string_view query, http::QueryParams& out) {
    return http::parse_query(query, out, http::QueryMode::raw, kMaxQueryParams);
}

}  // namespace

HttpReply route(Tracker& tracker, std::string_view method, std::string_view target, const PeerEndpoint& source,
                std::uint64_t now_ms, std::string* summary) {
    // RFC 9112 3.2.2: origin form or absolute form ("http://tracker:6969/announce?...").
    const std::string_view path = http::target_path(target);
    const std::string_view query = http::target_query(target);
    if (method != "GET" && method != "HEAD") {
        return {405, "text/plain", "method not allowed\n"};
    }
    thread_local http::QueryParams params;
    if (path == "/announce" || path == "/scrape") {
        const http::QueryError e = parse(query, params);
        if (e != http::QueryError::none) {
            if (summary) *summary = "failure: " + std::string(query_error(e));
            return bencoded(failure_reply(query_error(e)));
        }
        if (path == "/announce") return bencoded(tracker.announce(params.all(), source, now_ms, summary));
        if (summary) *summary = "scrape";
        return bencoded(tracker.scrape(params.all(), source, now_ms));
    }
    if (path == "/stats") {
        bool json = false;
        if (parse(query, params) == http::QueryError::none) {
            for (const Param& p : params.all()) json = json || (p.key == "format" && p.value == "json");
        }
        StatsSnapshot s = tracker.stats(now_ms);
        if (summary) *summary = json ? "stats (json)" : "stats (html)";
        if (json) return {200, "application/json", stats_json(s)};
        return {200, "text/html; charset=utf-8", stats_html(s)};
    }
    if (path == "/" || path == "/index.html") return {200, "text/html; charset=utf-8", std::string(kIndex)};
    if (summary) *summary = "not found";
    return {404, "text/plain", "not found\n"};
}

void respond(Tracker& tracker, const http::ServerRequest& req, std::uint64_t now_ms, http::Response& resp) {
    // The driver's peer is the socket's numeric address.
    const PeerEndpoint source = parse_ip(req.peer.address, req.peer.port).value_or(PeerEndpoint{});
    HttpReply r =
        route(tracker, req.head.method_token, req.head.target, source, now_ms, req.tracing ? &resp.note : nullptr);
    resp.status = r.status;
    resp.add_header("Content-Type", r.content_type);
    if (r.status == 200 && r.content_type == "text/plain") resp.add_header("Cache-Control", "no-cache");
    resp.body = std::move(r.body);
}

}  // namespace tracker
