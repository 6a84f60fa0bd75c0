// HTTP announce and scrape requests (BEP 3, 23, 7, 48): validation of decoded query
// parameters and bencoded replies. Pure: the caller percent-decodes the query string.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "http/url.hpp"
#include "tracker/swarm.hpp"
#include "tracker/types.hpp"

namespace tracker {

/// One decoded query parameter (raw bytes: info_hash and peer_id are binary).
using Param = http::QueryParam;

struct NumwantPolicy {
    std::uint32_t default_numwant = 50;  ///< when the client sends none
    std::uint32_t max_numwant = 200;     ///< larger requests are capped to this
};

/// A validated HTTP announce.
struct HttpAnnounce {
    InfoHash info_hash{};
    PeerId peer_id{};
    std::uint16_t port = 0;
    std::uint64_t uploaded = 0;
    std::uint64_t downloaded = 0;
    std::optional<std::uint64_t> left;
    Event event = Event::none;
    std::uint32_t numwant = 50;
    bool compact = true;  ///< BEP 23; only an explicit compact=0 asks for the dictionary list
    bool no_peer_id = false;
    std::optional<PeerEndpoint> ip;  ///< the `ip` parameter, parsed (policy decides whether to use it)
};

/// Either a request or the text for a bencoded `failure reason`.
struct AnnounceParse {
    std::optional<HttpAnnounce> request;
    std::string error;
};

/// Validates an announce. Errors (as failure reasons): missing or not exactly 20-byte
/// info_hash/peer_id, port not in 1..65535, non-numeric uploaded/downloaded/left,
/// negative or non-numeric numwant (enormous ones are capped), unknown event, compact or
/// no_peer_id other than 0/1, a bad ip, any known parameter given twice.
[[nodiscard]] AnnounceParse parse_announce(std::span<const Param> params, const NumwantPolicy& policy);

/// Scrape: the info_hashes asked for (deduplicated, sorted). Errors: none given, one not
/// exactly 20 bytes, more than `max_hashes`.
struct ScrapeParse {
    std::vector<InfoHash> hashes;
    std::string error;
};
[[nodiscard]] ScrapeParse parse_scrape(std::span<const Param> params, std::size_t max_hashes);

/// `d14:failure reason<len>:<text>e`
[[nodiscard]] std::string failure_reply(std::string_view reason);

/// What an announce reply carries besides the peers.
struct AnnounceReplyInfo {
    std::uint32_t interval = 1800;
    std::uint32_t min_interval = 900;
    SwarmCounts counts;
};

/// Bencoded announce reply: compact `peers` (6 bytes each) and `peers6` (18 bytes each,
/// BEP 7) or, with compact=0, a list of dictionaries (with `peer id` where the store kept
/// it, unless no_peer_id).
[[nodiscard]] std::string announce_reply(const AnnounceReplyInfo& info, std::span<const PeerOut> peers, bool compact,
                                         bool no_peer_id);

/// Bencoded scrape reply: `files` dictionary keyed by raw info_hash (sorted).
[[nodiscard]] std::string scrape_reply(std::span<const std::pair<InfoHash, SwarmCounts>> files);

}  // namespace tracker
