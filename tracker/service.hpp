// Wires the tracker onto the shared runtime: the HTTP service (common/http session driver
// + http_routes), the BEP 15 UDP service, the once-a-second tick, SIGHUP whitelist reload.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "app/daemon.hpp"
#include "tracker/memory_swarm.hpp"
#include "tracker/tracker.hpp"

namespace tracker {

/// Every configuration value of the daemon (flags and `tracker.toml` keys, see README).
struct ServiceConfig {
    std::vector<std::string> listen_udp;  ///< --listen-udp / tracker.listen_udp
    bool udp_reuseport = false;           ///< a UDP socket per worker instead of one shared
    std::string whitelist;                ///< --whitelist / tracker.whitelist: a flag's path is relative
                                          ///< to the working directory, the key's to the config file
    std::uint32_t interval = 1800;
    std::uint32_t min_interval = 900;
    std::uint32_t default_numwant = 50;
    std::uint32_t max_numwant = 200;
    bool trust_ip = false;
    std::uint32_t peer_timeout = 2 * 1800 + 300;
    std::size_t max_peers = 20'000'000;
    std::size_t max_torrents = 2'000'000;
    std::size_t max_scrape = 64;
    double rate_limit = 0;  ///< requests per second per address (IPv6: per /64); 0 = off
    double rate_burst = 0;
    std::size_t max_connections = 20000;
    std::size_t max_per_address = 1024;
    unsigned idle_timeout_ms = 15000;
    unsigned max_requests = 1000;
};

/// Binds `cfg`'s flags and keys on the daemon.
void add_options(app::Daemon& d, ServiceConfig& cfg);

/// Milliseconds of a monotonic clock: the tracker's notion of time.
[[nodiscard]] std::uint64_t now_ms();

/// What setup builds and keeps alive while the runtime serves.
struct Service {
    std::shared_ptr<Tracker> tracker;
    std::string whitelist_path;  ///< resolved; empty in open mode
};

/// Builds the tracker and binds its services. Throws app::ConfigError for a bad value
/// (listen address, unreadable or malformed whitelist).
void setup(app::Daemon& d, net::Runtime& rt, const ServiceConfig& cfg, Service& svc);

}  // namespace tracker
