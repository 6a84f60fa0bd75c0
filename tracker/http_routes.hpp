// The tracker's HTTP resources, as a pure function of the request line: /announce (BEP 3),
// /scrape (BEP 48), /stats (HTML or JSON) and a small index page. No I/O: the session
// driver (common/http) reads the request and writes what this returns.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tracker/tracker.hpp"

namespace tracker {

/// Decoded query parameters; the views point into `storage`.
struct QueryParams {
    std::string storage;
    std::vector<Param> params;
};

enum class QueryStatus { ok, bad_encoding, too_many };

/// Splits a raw query ("a=1&b=%00") into parameters in order, duplicates kept, keys and
/// values percent-decoded as raw bytes ('+' stays '+': BitTorrent clients escape binary
/// info_hashes byte by byte). Errors: bad_encoding ('%' without two hex digits),
/// too_many (more than `max_params` pieces).
[[nodiscard]] QueryStatus parse_query(std::string_view query, QueryParams& out, std::size_t max_params = 64);

/// One HTTP answer.
struct HttpReply {
    int status = 200;
    std::string_view content_type = "text/plain";
    std::string body;
};

/// Answers GET/HEAD `target` ("/announce?info_hash=..."). Announce and scrape errors are
/// bencoded `failure reason`s with status 200, as clients expect; an unknown path is 404,
/// another method 405. `summary` (optional) receives a one-line description for traces.
[[nodiscard]] HttpReply route(Tracker& tracker, std::string_view method, std::string_view target,
                              const PeerEndpoint& source, std::uint64_t now_ms, std::string* summary = nullptr);

}  // namespace tracker
