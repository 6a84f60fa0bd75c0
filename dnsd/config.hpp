// dnsd's configuration: flags and `dns.*` keys, and the zones to load (`--zone`, `dns.zone`,
// `[[zone]]` tables).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include <toml++/toml.h>

#include "app/daemon.hpp"
#include "dnsd/query.hpp"
#include "dnsd/recursor.hpp"
#include "dnsd/zone.hpp"
#include "net/cidr.hpp"

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
    // The resolver (--recursive).
    bool recursive = false;                   ///< --recursive, key dns.recursive
    std::vector<std::string> allow;           ///< --allow CIDR, key dns.allow: who may recurse (empty: loopback)
    std::string root_hints;                   ///< --root-hints FILE, key dns.root_hints (empty: built in)
    unsigned upstream_port = 53;              ///< --upstream-port, key dns.upstream_port
    std::size_t cache_size = 64u << 20;       ///< key dns.cache_size: bytes
    unsigned max_ttl = 86400;                 ///< key dns.max_ttl: seconds
    unsigned upstream_timeout_ms = 800;       ///< key dns.upstream_timeout_ms: per upstream query
    unsigned resolve_timeout_ms = 4000;       ///< key dns.resolve_timeout_ms: per client query
    unsigned max_upstream_queries = 48;       ///< key dns.max_upstream_queries: per client query
    unsigned max_resolutions = 4096;          ///< key dns.max_resolutions: UDP client queries resolving at once
    std::string upstream_ipv6 = "auto";       ///< --upstream-ipv6 auto|yes|no, key dns.upstream_ipv6
    bool no_qname_minimisation = false;       ///< --no-qname-minimisation, key dns.no_qname_minimisation
    std::vector<std::string> forward;         ///< --forward HOST:PORT (repeatable), key dns.forward
    bool serve_stale = false;                 ///< --serve-stale, key dns.serve_stale (RFC 8767)
    unsigned stale_max_age = 86400;           ///< --stale-max-age, key dns.stale_max_age: seconds
    unsigned stale_answer_timeout_ms = 1800;  ///< key dns.stale_answer_timeout_ms (RFC 8767 client-response timer)
};

/// Binds every Config field to a flag and a key.
void bind_options(app::Daemon& d, Config& cfg);

/// The zones to load: `cfg.zone_files` (flags or dns.zone) then each `[[zone]]` table
/// (`file`, optional `name`, optional `axfr_allow`) of `file` (the daemon's config or a
/// re-read one). `--zone` paths are relative to the working directory, those named in the
/// file to its directory. Throws app::ConfigError on a malformed table or access list.
[[nodiscard]] std::vector<ZoneSpec> zone_specs(const Config& cfg, const app::Daemon& d, const toml::table& file);

/// The resolver's allow list (loopback when none is given). Throws app::ConfigError naming
/// a bad entry.
[[nodiscard]] net::CidrList recursion_allow(const Config& cfg);
/// The resolver's options from the configuration.
[[nodiscard]] RecursorOptions recursor_options(const Config& cfg);
/// Whether this host has a route to the global IPv6 Internet (a UDP socket connects to a
/// global address, from an address that is neither loopback nor link-local). No packet is sent.
[[nodiscard]] bool has_global_ipv6_route();

/// The root hints: `root_hints` read as named.root, else the built-in ones. Throws
/// app::ConfigError ("file:line: message") when the file cannot be read or parsed.
[[nodiscard]] RootHints root_hints(const Config& cfg, const app::Daemon& d);

/// The responder's options from the configuration (edns_size clamped to 512..4096).
[[nodiscard]] ResponderOptions responder_options(const Config& cfg);

}  // namespace dnsd
