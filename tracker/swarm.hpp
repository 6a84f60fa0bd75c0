// The swarm store: which peers are in which torrent. An interface, so that several tracker
// instances could share swarms through an external store; MemorySwarmStore is the default.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "tracker/types.hpp"

namespace tracker {

enum class Event : std::uint8_t { none, completed, started, stopped };

/// One announce, already validated; `peer` is the address to record and hand out.
struct AnnounceParams {
    InfoHash info_hash{};
    PeerId peer_id{};
    PeerEndpoint peer;
    std::optional<std::uint64_t> left;  ///< nullopt: unknown (treated as a leecher)
    Event event = Event::none;
    std::uint32_t numwant = 50;  ///< already capped by policy
    bool both_families = true;   ///< HTTP: v4 and v6 peers; UDP (BEP 15): the requester's family only
    bool keep_peer_id = false;   ///< HTTP compact=0: remember this peer's peer_id for dictionary replies
    bool want_peer_ids = false;  ///< HTTP compact=0 without no_peer_id: hand out the peer_ids known
};

/// Per-torrent counters (scrape and announce replies).
struct SwarmCounts {
    std::uint32_t complete = 0;    ///< seeders
    std::uint32_t incomplete = 0;  ///< leechers
    std::uint32_t downloaded = 0;  ///< "completed" events seen
};

/// A peer handed out to a requester.
struct PeerOut {
    PeerEndpoint endpoint;
    std::optional<PeerId> peer_id;  ///< only if asked for and the peer's last announce asked compact=0
};

enum class AnnounceStatus {
    ok,
    torrent_limit,  ///< a new torrent would exceed max_torrents
    peer_limit,     ///< a new peer would exceed max_peers
};

struct StoreTotals {
    std::uint64_t torrents = 0;
    std::uint64_t seeders = 0;
    std::uint64_t leechers = 0;
    std::uint64_t downloaded = 0;  ///< "completed" events counted since the store started
};

/// Thread-safe: every method may be called from any worker thread at once.
class SwarmStore {
public:
    virtual ~SwarmStore() = default;
    /// Records the announce and appends at most `numwant` other peers (never the requester,
    /// no seeders when the requester is a seeder) to `peers`, in random order.
    /// `stopped` removes the peer and hands out nothing. `counts` is filled after the update.
    [[nodiscard]] virtual AnnounceStatus announce(const AnnounceParams& p, std::uint32_t now, SwarmCounts& counts,
                                                  std::vector<PeerOut>& peers) = 0;
    /// Counters of a known torrent; nullopt if the store has never seen it (or dropped it).
    [[nodiscard]] virtual std::optional<SwarmCounts> scrape(const InfoHash& h) const = 0;
    /// Removes peers not seen since `now - timeout` and torrents left empty. Returns peers removed.
    virtual std::size_t expire(std::uint32_t now) = 0;
    [[nodiscard]] virtual StoreTotals totals() const = 0;
};

}  // namespace tracker
