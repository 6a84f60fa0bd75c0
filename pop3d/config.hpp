// pop3d's configuration: flags and `pop3.*` keys (the users file and login throttling are the
// common auth options: --users, --login-delay-ms, --max-login-failures).
#pragma once

#include <cstddef>
#include <string>

#include "app/daemon.hpp"
#include "line/connection.hpp"

namespace pop3d {

/// Every pop3d setting; bind_options binds each to a flag and/or a key.
struct Config {
    std::string maildir_root;                    ///< --maildir-root DIR, key pop3.maildir_root: user u reads DIR/u/
    unsigned idle_timeout_ms = 600000;           ///< key pop3.idle_timeout_ms (RFC 1939 3: at least 10 minutes)
    unsigned send_timeout_ms = 60000;            ///< key pop3.send_timeout_ms: each flush of replies or message data
    std::size_t max_line = 1024;                 ///< key pop3.max_line: command line bytes after login
    std::size_t max_line_before_login = 255;     ///< key pop3.max_line_before_login (RFC 2449 4: 255 octets)
    std::size_t max_commands_before_login = 20;  ///< key pop3.max_commands_before_login; 0 = no limit
    std::size_t max_errors = 10;                 ///< key pop3.max_errors: refused commands before we close
    std::size_t max_auth_line = 2048;            ///< key pop3.max_auth_line: an AUTH continuation line
    std::size_t max_connections = 1000;          ///< key pop3.max_connections
    std::size_t max_per_address = 32;            ///< key pop3.max_per_address
};

/// Binds every Config field to a flag and/or a `pop3.*` key; the default listen address is
/// 127.0.0.1:1110.
void bind_options(app::Daemon& d, Config& cfg);

/// After parsing: resolves maildir_root (relative to the config file when it came from there).
/// Throws app::ConfigError when no maildir root is given.
void finish(app::Daemon& d, Config& cfg);

/// The session limits the configuration gives.
[[nodiscard]] line::Limits limits(const Config& cfg);

}  // namespace pop3d
