#include "pop3d/config.hpp"

#include <chrono>

namespace pop3d {

void bind_options(app::Daemon& d, Config& cfg) {
    auto& o = d.options();
    o.add("--maildir-root", "pop3.maildir_root", cfg.maildir_root, "directory of the Maildirs: user u reads DIR/u/");
    o.add("--idle-timeout-ms", "pop3.idle_timeout_ms", cfg.idle_timeout_ms, "autologout timer (RFC 1939: >= 10 min)");
    o.add("", "pop3.send_timeout_ms", cfg.send_timeout_ms, "time for each write of replies or message data");
    o.add("", "pop3.max_line", cfg.max_line, "command line bytes after login");
    o.add("--max-line-before-login", "pop3.max_line_before_login", cfg.max_line_before_login,
          "command line bytes before login");
    o.add("--max-commands-before-login", "pop3.max_commands_before_login", cfg.max_commands_before_login,
          "commands allowed before login (0 = no limit)");
    o.add("", "pop3.max_errors", cfg.max_errors, "refused commands before the server closes the session");
    o.add("", "pop3.max_auth_line", cfg.max_auth_line, "bytes of an AUTH continuation line");
    o.add("--max-connections", "pop3.max_connections", cfg.max_connections, "connection limit");
    o.add("--max-per-address", "pop3.max_per_address", cfg.max_per_address, "connections per client address");
    d.set_default_listen({"127.0.0.1:1110"});
}

void finish(app::Daemon& d, Config& cfg) {
    if (cfg.maildir_root.empty()) throw app::ConfigError("no maildir root: give --maildir-root DIR");
    cfg.maildir_root = d.config_path(cfg.maildir_root, "--maildir-root");
}

line::Limits limits(const Config& cfg) {
    line::Limits l;
    l.max_line = cfg.max_line;
    l.max_line_before_login = cfg.max_line_before_login;
    l.max_commands_before_login = cfg.max_commands_before_login;
    l.max_errors = cfg.max_errors;
    l.idle_timeout = std::chrono::milliseconds(cfg.idle_timeout_ms);
    l.send_timeout = std::chrono::milliseconds(cfg.send_timeout_ms);
    return l;
}

}  // namespace pop3d
