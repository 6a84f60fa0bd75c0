// The infrastructure cache's server speeds (as BIND's and Unbound's): a smoothed round-trip
// time per server address, shared by every worker thread, that orders the servers of a zone.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "net/asio.hpp"

namespace dnsd {

struct RttOptions {
    std::chrono::milliseconds max{12000};  ///< cap of a backed-off estimate
    unsigned explore_one_in = 16;          ///< about one ordering in this many puts another server first
    std::size_t max_servers = 65536;       ///< addresses remembered; beyond, the table starts afresh
};

/// Smoothed RTT per address (SRTT = 0.7 SRTT + 0.3 sample, BIND's weights). A timeout doubles
/// the estimate (up to `max`); servers not chosen decay by 2% per ordering so that a server
/// that was slow once is tried again; unknown servers get a small random estimate, so each is
/// tried early. Thread-safe (one mutex: taken once per upstream query, not per client query).
class RttTable {
public:
    explicit RttTable(RttOptions opts = {}) : opts_(opts) {}

    /// A reply came from `addr` after `rtt`.
    void success(const asio::ip::address& addr, std::chrono::microseconds rtt);
    /// `addr` did not answer in time.
    void timeout(const asio::ip::address& addr);
    /// The estimate for `addr` in microseconds, -1 when unknown.
    [[nodiscard]] std::int64_t srtt_us(const asio::ip::address& addr) const;
    /// `addrs` fastest first; `random` (any 32 bits) picks the exploration. Decays the others.
    [[nodiscard]] std::vector<asio::ip::address> order(std::vector<asio::ip::address> addrs, std::uint32_t random);

private:
    RttOptions opts_;
    mutable std::mutex mu_;
    std::unordered_map<std::string, double> srtt_;  ///< microseconds, keyed by the address bytes
};

}  // namespace dnsd
