// ftpd's configuration: flags and TOML keys (see README.md for the table).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "app/daemon.hpp"

namespace ftpd {

struct Config {
    bool anonymous = false;             ///< --anonymous, key ftpd.anonymous: allow "anonymous"/"ftp", read-only
    std::string root{};                 ///< --root DIR, key ftpd.root: what anonymous users see
    std::string passive_ports{};        ///< --passive-ports LOW-HIGH, key ftpd.passive_ports ("" = any port)
    std::string passive_address{};      ///< --passive-address NAME, key ftpd.passive_address (resolved per session)
    unsigned max_sessions = 200;        ///< key ftpd.max_sessions: control connections in all
    unsigned max_per_address = 20;      ///< key ftpd.max_per_address: control connections per client address
    unsigned idle_timeout_ms = 300000;  ///< --idle-timeout-ms, key ftpd.idle_timeout_ms: waiting for a command
    unsigned data_timeout_ms = 30000;   ///< --data-timeout-ms, key ftpd.data_timeout_ms: data connection set-up (425)
    unsigned stall_timeout_ms = 60000;  ///< --stall-timeout-ms, key ftpd.stall_timeout_ms: no data moving (426)
    std::uint64_t max_upload = 0;       ///< --max-upload, key ftpd.max_upload: bytes per STOR/APPE (552), 0 = none
    unsigned max_login_attempts = 3;    ///< key ftpd.max_login_attempts: failed PASS per session, then 421
    bool active_from_port_20 = true;    ///< key ftpd.active_from_port_20: PORT/EPRT connect from port 20 as root

    // Parsed by finish():
    std::uint16_t passive_low = 0;
    std::uint16_t passive_high = 0;

    /// Binds every field above to its flag and key.
    void bind(app::Daemon& d);
    /// Resolves paths and parses passive_ports. Throws app::ConfigError.
    void finish(const app::Daemon& d);
};

/// "LOW-HIGH" as two ports (1 <= LOW <= HIGH <= 65535); false when malformed.
[[nodiscard]] bool parse_port_range(std::string_view text, std::uint16_t& low, std::uint16_t& high);

}  // namespace ftpd
