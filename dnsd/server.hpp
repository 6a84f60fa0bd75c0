// dnsd's wiring: the UDP handler and the TCP service on the same addresses and port.
#pragma once

#include <vector>

#include "app/daemon.hpp"
#include "dnsd/config.hpp"
#include "dnsd/recursive.hpp"
#include "dnsd/zone_store.hpp"
#include "net/server.hpp"

namespace dnsd {

/// The addresses the services were bound to (port 0 resolved).
struct Bound {
    std::vector<net::tcp::endpoint> tcp;
    std::vector<net::udp::endpoint> udp;
};

/// Adds the TCP and UDP services on the daemon's --listen addresses (UDP on the ports TCP
/// got, so port 0 gives one port for both) and announces them. Throws std::system_error when
/// an address cannot be bound, app::ConfigError on a malformed --listen.
/// With `recursive`, queries for names outside our zones from allowed clients are resolved.
Bound serve(app::Daemon& d, net::Runtime& rt, const Config& cfg, ZoneStore& store,
            const RecursiveService* recursive = nullptr);

}  // namespace dnsd
