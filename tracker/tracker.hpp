// Tracker policy: announces, scrapes and UDP exchanges over a swarm store, with the
// whitelist, the per-address rate limit, connection ids and statistics. Pure: callers
// pass the client address and the time; the HTTP session and the UDP handler do the I/O.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <string>

#include "tracker/announce.hpp"
#include "tracker/connection_id.hpp"
#include "tracker/rate_limit.hpp"
#include "tracker/swarm.hpp"
#include "tracker/whitelist.hpp"

namespace tracker {

struct TrackerOptions {
    std::uint32_t interval = 1800;     ///< seconds between regular announces
    std::uint32_t min_interval = 900;  ///< seconds a client must wait at least
    NumwantPolicy numwant;
    bool whitelist_mode = false;            ///< refuse info_hashes not in the whitelist
    bool trust_ip_param = false;            ///< honour `ip` (HTTP) / the ip field (UDP); off: spoofing
    std::size_t max_scrape = 64;            ///< info_hashes per HTTP scrape
    RateLimitOptions rate;                  ///< per client address (IPv6: per /64)
    std::uint32_t expire_every_ms = 30000;  ///< how often tick() sweeps expired peers
};

/// Counters for /stats.
struct StatsSnapshot {
    StoreTotals totals;
    std::uint64_t announces = 0;
    std::uint64_t scrapes = 0;
    std::uint64_t connects = 0;
    std::uint64_t failures = 0;  ///< requests answered with an error
    std::uint64_t rate_limited = 0;
    double announces_per_second = 0;  ///< over the last ~10 seconds
    std::uint64_t uptime_seconds = 0;
    bool whitelist_mode = false;
    std::size_t whitelist_size = 0;
};

class Tracker {
public:
    Tracker(TrackerOptions opts, std::shared_ptr<SwarmStore> store);
    Tracker(TrackerOptions opts, std::shared_ptr<SwarmStore> store, ConnectionIds ids);

    /// HTTP announce from `source` (the TCP peer); returns the bencoded body (a failure
    /// reason for every refusal). `summary` (optional) gets a one-line description.
    [[nodiscard]] std::string announce(std::span<const Param> params, const PeerEndpoint& source, std::uint64_t now_ms,
                                       std::string* summary = nullptr);
    /// HTTP scrape; bencoded body.
    [[nodiscard]] std::string scrape(std::span<const Param> params, const PeerEndpoint& source, std::uint64_t now_ms);
    /// One BEP 15 datagram; returns the reply size written to `out` (0 = no reply).
    [[nodiscard]] std::size_t datagram(std::span<const std::uint8_t> in, const PeerEndpoint& from, std::uint64_t now_ms,
                                       std::span<std::uint8_t> out, std::string* summary = nullptr);

    /// Periodic work (call about once a second): expires peers, samples the announce rate.
    void tick(std::uint64_t now_ms);

    [[nodiscard]] StatsSnapshot stats(std::uint64_t now_ms) const;
    [[nodiscard]] Whitelist& whitelist() { return whitelist_; }
    [[nodiscard]] const TrackerOptions& options() const { return opts_; }
    [[nodiscard]] const ConnectionIds& connection_ids() const { return ids_; }

private:
    [[nodiscard]] bool allowed(const PeerEndpoint& source, std::uint64_t now_ms);
    [[nodiscard]] std::string fail(std::string_view reason, std::string* summary);

    TrackerOptions opts_;
    std::shared_ptr<SwarmStore> store_;
    ConnectionIds ids_;
    RateLimiter limiter_;
    Whitelist whitelist_;
    std::atomic<std::uint64_t> announces_{0}, scrapes_{0}, connects_{0}, failures_{0}, rate_limited_{0};
    std::uint64_t start_ms_ = UINT64_MAX;
    std::uint64_t last_expire_ms_ = 0;
    mutable std::mutex rate_mu_;
    struct Sample {
        std::uint64_t ms = 0, announces = 0;
    };
    Sample samples_[11];
    std::size_t sample_count_ = 0, sample_next_ = 0;
};

/// /stats renderings.
[[nodiscard]] std::string stats_json(const StatsSnapshot& s);
[[nodiscard]] std::string stats_html(const StatsSnapshot& s);

}  // namespace tracker
