// smtpd's configuration: flags and `smtp.*` TOML keys, checked once at start.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "app/daemon.hpp"
#include "net/cidr.hpp"
#include "net/endpoint.hpp"

namespace smtpd {

/// Every setting; flags and keys bind to these (see README.md for the table).
struct Config {
    std::vector<std::string> domains{};          ///< --domain (repeatable); the first names us
    std::string maildir_root{};                  ///< --maildir-root DIR: user bob's Maildir is DIR/bob/
    std::string queue_dir{};                     ///< --queue DIR: the relay queue ("" = no relaying)
    std::vector<std::string> relay_nets{};       ///< --relay-net CIDR (repeatable): may relay without AUTH
    std::string resolver{};                      ///< --resolver HOST:PORT ("" = first nameserver of resolv.conf)
    unsigned relay_port = 25;                    ///< --relay-port: port of remote MX hosts
    std::string hostname{};                      ///< --hostname: our name in Received: and EHLO ("" = first domain)
    std::uint64_t max_message_size = 25u << 20;  ///< --max-message-size bytes (SIZE, 552 5.3.4)
    std::size_t max_recipients = 100;            ///< --max-recipients per message (452 4.5.3)
    std::size_t max_errors = 20;                 ///< --max-errors then 421
    std::size_t max_commands_before_auth = 100;  ///< --max-commands-before-auth (see README)
    unsigned idle_timeout_ms = 300000;           ///< --idle-timeout-ms (RFC 5321 4.5.3.2.7: 5 min)
    unsigned data_timeout_ms = 180000;           ///< --data-timeout-ms per DATA block (4.5.3.2.5: 3 min)
    std::size_t max_connections = 1000;          ///< --max-connections
    std::size_t max_per_address = 20;            ///< --max-per-address
    std::string bare_newline = "normalize";      ///< --bare-newline normalize|reject
    unsigned queue_lifetime_s = 5 * 24 * 3600;   ///< --queue-lifetime-s: then bounce (default 5 days)
    unsigned retry_min_ms = 60000;               ///< --retry-min-ms: first retry delay (doubles)
    unsigned retry_max_ms = 3600000;             ///< --retry-max-ms: the longest retry delay
    unsigned relay_timeout_ms = 300000;          ///< --relay-timeout-ms: each reply of a remote server
    unsigned delay_warning_s = 0;                ///< --delay-warning-s: "delayed" report after this long (0 = none)
    std::size_t max_hops = 50;                   ///< --max-hops: Received:/Delivered-To: lines, then 554 5.4.6
    bool no_dsn = false;                         ///< --no-dsn: do not advertise DSN (RFC 3461)
};

/// What the sessions and the relay use, parsed from Config once.
struct Settings {
    std::vector<std::string> domains{};  ///< lower case
    std::string hostname{};
    net::CidrList relay_nets{};
    bool reject_bare_newline = false;
    net::HostPort resolver{};
};

/// Binds every Config field to a flag and a key.
void bind_options(app::Daemon& d, Config& cfg);

/// Checks and parses `cfg`. Throws app::ConfigError (no domain, bad CIDR, bad resolver,
/// bad bare_newline value, no nameserver in /etc/resolv.conf when relaying).
[[nodiscard]] Settings settings(const Config& cfg);

/// The first "nameserver" address of a resolv.conf text, with port 53; nullopt if none.
[[nodiscard]] std::optional<net::HostPort> first_nameserver(std::string_view resolv_conf);

}  // namespace smtpd
