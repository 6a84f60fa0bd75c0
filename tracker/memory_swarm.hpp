// In-memory swarm store: info_hash-sharded flat hash maps, one mutex per shard, and per
// torrent two sorted vectors of compact peer records (32 bytes IPv4, 44 bytes IPv6).
#pragma once

#include <atomic>
#include <memory>

#include "tracker/swarm.hpp"

namespace tracker {

struct MemoryStoreOptions {
    std::uint32_t peer_timeout = 2 * 1800 + 300;  ///< seconds without an announce before a peer expires
    std::size_t max_peers = 20'000'000;           ///< across all torrents
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

    struct Shard;
    /// Store-wide counters, kept up to date by every change (totals() is O(1)).
    struct Counters {
        std::atomic<std::size_t> peers{0};
        std::atomic<std::size_t> seeders{0};
        std::atomic<std::uint64_t> downloaded{0};  ///< "completed" events ever counted
    };

private:
    Shard& shard_for(const InfoHash& h, std::size_t& hash) const;
    MemoryStoreOptions opts_;
    std::unique_ptr<Shard[]> shards_;
    std::size_t shard_mask_;
    std::uint64_t seed_[3];
    Counters counters_;
    std::atomic<std::size_t> torrents_{0};
};

}  // namespace tracker
