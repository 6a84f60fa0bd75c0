#include "tracker/http_routes.hpp"

#include "http/url.hpp"

namespace tracker {

QueryStatus parse_query(std::string_view query, QueryParams& out, std::size_t max_params) {
    out.storage.clear();
    out.params.clear();
    // Decoded bytes are never more than encoded ones: reserving once keeps every view valid.
    out.storage.reserve(query.size());
    struct Span {
        std::size_t key_at, key_len, value_at, value_len;
    };
    Span spans[64];
    std::vector<Span> more;
    std::size_t count = 0;
    while (!query.empty()) {
        std::size_t amp = query.find('&');
        std::string_view piece = query.substr(0, amp);
        query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
        if (piece.empty()) continue;
        if (count >= max_params) return QueryStatus::too_many;
        std::size_t eq = piece.find('=');
        std::string_view k = piece.substr(0, eq);
        std::string_view v = eq == std::string_view::npos ? std::string_view{} : piece.substr(eq + 1);
        Span s{};
        s.key_at = out.storage.size();
        if (!http::percent_decode(k, out.storage, false)) return QueryStatus::bad_encoding;
        s.key_len = out.storage.size() - s.key_at;
        s.value_at = out.storage.size();
        if (!http::percent_decode(v, out.storage, false)) return QueryStatus::bad_encoding;
        s.value_len = out.storage.size() - s.value_at;
        if (count < std::size(spans)) spans[count] = s;
        else more.push_back(s);
        ++count;
    }
    out.params.reserve(count);
    const std::string_view all = out.storage;
    for (std::size_t i = 0; i < count; ++i) {
        const Span& s = i < std::size(spans) ? spans[i] : more[i - std::size(spans)];
        out.params.push_back({all.substr(s.key_at, s.key_len), all.substr(s.value_at, s.value_len)});
    }
    return QueryStatus::ok;
}

namespace {

constexpr std::string_view kIndex =
    "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>tracker</title></head>\n"
    "<body><h1>BitTorrent tracker</h1>\n<p>Announce URL: <code>/announce</code> (BEP 3, compact BEP 23, "
    "IPv6 BEP 7); scrape: <code>/scrape</code> (BEP 48); UDP announces (BEP 15) on the UDP port.</p>\n"
    "<p><a href=\"/stats\">Statistics</a> (<a href=\"/stats?format=json\">JSON</a>)</p>\n</body></html>\n";

HttpReply bencoded(std::string body) { return {200, "text/plain", std::move(body)}; }

std::string_view query_error(QueryStatus s) {
    return s == QueryStatus::too_many ? "too many parameters" : "invalid percent-encoding in query";
}

}  // namespace

HttpReply route(Tracker& tracker, std::string_view method, std::string_view target, const PeerEndpoint& source,
                std::uint64_t now_ms, std::string* summary) {
    const std::size_t q = target.find('?');
    const std::string_view path = target.substr(0, q);
    const std::string_view query = q == std::string_view::npos ? std::string_view{} : target.substr(q + 1);
    if (method != "GET" && method != "HEAD") {
        return {405, "text/plain", "method not allowed\n"};
    }
    thread_local QueryParams params;
    if (path == "/announce" || path == "/scrape") {
        QueryStatus st = parse_query(query, params);
        if (st != QueryStatus::ok) {
            if (summary) *summary = "failure: " + std::string(query_error(st));
            return bencoded(failure_reply(query_error(st)));
        }
        if (path == "/announce") return bencoded(tracker.announce(params.params, source, now_ms, summary));
        if (summary) *summary = "scrape";
        return bencoded(tracker.scrape(params.params, source, now_ms));
    }
    if (path == "/stats") {
        bool json = false;
        if (parse_query(query, params) == QueryStatus::ok) {
            for (const Param& p : params.params) json = json || (p.key == "format" && p.value == "json");
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

}  // namespace tracker
