// In-memory swarm store: info_hash-sharded flat hash maps, one mutex per shard, and per
// torrent sorted arrays of compact peer records (8 bytes IPv4, 20 bytes IPv6; see the
// README's "Memory" section).
#pragma once

#include <atomic>
#include <memory>

#include "tracker/swarm.hpp"

namespace tracker {

struct MemoryStoreOptions {
    /// Seconds without an announce before a peer expires; kept to the second up to 1024 s,
    /// to a 1024th of it beyond. expire() must run at least every two timeouts.
    std::uint32_t peer_timeout = 2 * 1800 + 300;
    std::size_t max_peers = 20'000'000;  ///< across all torrents
    std::size_t max_torrents = 2'000'000;
    bool keep_empty_torrents = false;  ///< whitelist mode: keep counters of empty torrents
    unsigned shards = 256;             ///< rounded up to a power of two
};

class MemorySwarmStore final : public SwarmStore {
public:
    explicit MemorySwarmStore(MemoryStoreOptions opts = {});
    ~MemorySwarmStore() override;
    [[nodiscard]] AnnounceStatus announce(const AnnounceParams& p, std::uint32_t now, SwarmCounts& counts,
                                          std::vector<PeerOut>& peers) override;
    [[nodiscard]] std::optional<SwarmCounts> scrape(const InfoHash& h) const override;
    std::size_t expire(std::uint32_t now) override;
    [[nodiscard]] StoreTotals totals() const override;
    [[nodiscard]] std::size_t peer_count() const { return counters_.peers.load(std::memory_order_relaxed); }
    /// Peer_ids held in the side tables (peers whose last announce asked compact=0); O(shards).
    [[nodiscard]] std::size_t peer_ids_kept() const;

    struct Shard;
    /// Store-wide counters, kept up to date by every change (totals() is O(1)).
    struct Counters {
        std::atomic<std::size_t> peers{0};
        std::atomic<std::size_t> seeders{0};
        std::atomic<std::uint64_t> downloaded{0};  ///< "completed" events ever counted
    };

private:
    Shard& shard_for(const InfoHash& h, std::size_t& hash) const;
    [[nodiscard]] std::uint16_t stamp(std::uint32_t now) const;
    MemoryStoreOptions opts_;
    std::unique_ptr<Shard[]> shards_;
    std::size_t shard_mask_;
    std::uint64_t seed_[3];
    Counters counters_;
    std::atomic<std::size_t> torrents_{0};
    std::uint32_t tick_ = 1;           ///< seconds per tick of the peers' 13-bit time stamps
    std::uint32_t timeout_ticks_ = 0;  ///< peer_timeout in ticks, rounded up
};

}  // namespace tracker
