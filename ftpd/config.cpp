#include "ftpd/config.hpp"

#include <unistd.h>

#include <charconv>

#include "app/config.hpp"

namespace ftpd {

void Config::bind(app::Daemon& d) {
    auto& o = d.options();
    o.add("--anonymous", "ftpd.anonymous", anonymous, "allow anonymous read-only logins (needs --root)");
    o.add("--root", "ftpd.root", root, "directory anonymous users see");
    o.add("--passive-ports", "ftpd.passive_ports", passive_ports, "passive data ports LOW-HIGH");
    o.add("--passive-address", "ftpd.passive_address", passive_address,
          "address or name announced in 227 replies (resolved for each session)");
    o.add("", "ftpd.max_sessions", max_sessions, "control connections in all (0 = unlimited)");
    o.add("", "ftpd.max_per_address", max_per_address, "control connections per client address (0 = unlimited)");
    o.add("--idle-timeout-ms", "ftpd.idle_timeout_ms", idle_timeout_ms, "control connection idle timeout");
    o.add("--data-timeout-ms", "ftpd.data_timeout_ms", data_timeout_ms, "time to open a data connection (425)");
    o.add("--stall-timeout-ms", "ftpd.stall_timeout_ms", stall_timeout_ms, "a transfer moving no data (426)");
    o.add("--max-upload", "ftpd.max_upload", max_upload, "bytes per upload (552), 0 = unlimited");
    o.add("", "ftpd.max_login_attempts", max_login_attempts, "failed logins per session before 421");
    o.add("", "ftpd.active_from_port_20", active_from_port_20, "active data connections from port 20 as root");
}

bool parse_port_range(std::string_view text, std::uint16_t& low, std::uint16_t& high) {
    const auto dash = text.find('-');
    if (dash == std::string_view::npos) return false;
    auto num = [](std::string_view s, std::uint16_t& out) {
        unsigned v = 0;
        auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
        if (ec != std::errc() || p != s.data() + s.size() || v == 0 || v > 65535) return false;
        out = static_cast<std::uint16_t>(v);
        return true;
    };
    return num(text.substr(0, dash), low) && num(text.substr(dash + 1), high) && low <= high;
}

void Config::finish(const app::Daemon& d) {
    if (!root.empty()) root = d.config_path(root, "--root");
    if (anonymous && root.empty()) throw app::ConfigError("--anonymous needs --root DIR");
    if (!root.empty() && ::access(root.c_str(), X_OK) != 0)
        throw app::ConfigError("--root " + root + ": not a usable directory");
    passive_low = passive_high = 0;
    if (!passive_ports.empty() && !parse_port_range(passive_ports, passive_low, passive_high))
        throw app::ConfigError("--passive-ports " + passive_ports + ": expected LOW-HIGH, e.g. 40000-40100");
}

}  // namespace ftpd
