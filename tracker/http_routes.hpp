// The tracker's HTTP resources, as a pure function of the request line: /announce (BEP 3),
// /scrape (BEP 48), /stats (HTML or JSON) and a small index page. No I/O: the session
// driver (common/http) reads the request and writes the response `respond` fills.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "http/exchange.hpp"
#include "tracker/tracker.hpp"

namespace tracker {

/// Query parameters an announce or scrape may carry; more is a failure reason.
inline constexpr std::size_t kMaxQueryParams = 64;

/// One HTTP answer.
struct HttpReply {
    int status = 200;
    std::string_view content_type = "text/plain";
    std::string body;
};

/// Answers GET/HEAD `target` ("/announce?info_hash=...", or in absolute form "http://h/announce?..."). Announce and
/// scrape errors are bencoded `failure reason`s with status 200, as clients expect; an unknown path is 404, another
/// method 405. `summary` (optional) receives a one-line description for traces.
[[nodiscard]] HttpReply route(Tracker& tracker, std::string_view method, std::string_view target,
                              const PeerEndpoint& source, std::uint64_t now_ms, std::string* summary = nullptr);

/// The session driver's handler: route() for the request from its peer, into `resp` with its
/// Content-Type (and Cache-Control: no-cache on bencoded replies); when the driver traces,
/// route()'s summary becomes the transcript note.
void respond(Tracker& tracker, const http::ServerRequest& req, std::uint64_t now_ms, http::Response& resp);

}  // namespace tracker
