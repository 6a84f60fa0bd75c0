// dnsd's configuration: flags and `dns.*` keys, and the zones to load (`--zone`, `dns.zone`,
// `[[zone]]` tables).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include <toml++/toml.h>

#include "app/daemon.hpp"
#include "dnsd/query.hpp"
#include "dnsd/zone.hpp"

namespace dnsd {

/// Every setting; flags and the `dns.*` keys bind to these, `[[zone]]` tables add zones.
struct Config {
    std::vector<std::string> zone_files;   ///< --zone FILE (repeatable), key dns.zone
    std::vector<std::string> axfr_allow;   ///< --axfr-allow IP, key dns.axfr_allow: default for every zone
    unsigned edns_size = 1232;             ///< key dns.edns_size: our UDP payload size
    bool round_robin = true;               ///< key dns.round_robin
    bool minimal_responses = false;        ///< key dns.minimal_responses
    unsigned tcp_idle_timeout_ms = 10000;  ///< key dns.tcp_idle_timeout_ms (RFC 7766 6.2.3: seconds)
    unsigned tcp_io_timeout_ms = 5000;     ///< key dns.tcp_io_timeout_ms: a started message must arrive by then
    std::size_t max_connections = 2000;    ///< key dns.max_connections
    std::size_t max_per_address = 64;      ///< key dns.max_per_address
};

/// Binds every Config field to a flag and a key.
void bind_options(app::Daemon& d, Config& cfg);

/// The zones to load: `cfg.zone_files` (flags or dns.zone) then each `[[zone]]` table
/// (`file`, optional `name`, optional `axfr_allow`) of `file` (the daemon's config or a
/// re-read one). `--zone` paths are relative to the working directory, those named in the
/// file to its directory. Throws app::ConfigError on a malformed table or access list.
[[nodiscard]] std::vector<ZoneSpec> zone_specs(const Config& cfg, const app::Daemon& d, const toml::table& file);

/// The responder's options from the configuration (edns_size clamped to 512..4096).
[[nodiscard]] ResponderOptions responder_options(const Config& cfg);

}  // namespace dnsd
