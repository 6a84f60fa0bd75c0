#include "smtpd/config.hpp"

#include <fstream>
#include <sstream>

namespace smtpd {

void bind_options(app::Daemon& d, Config& cfg) {
    auto& o = d.options();
    o.add("--domain", "smtp.domain", cfg.domains, "local mail domain (repeatable; the first is the greeting's name)");
    o.add("--maildir-root", "smtp.maildir_root", cfg.maildir_root, "Maildirs of local users: DIR/<user>/");
    o.add("--queue", "smtp.queue", cfg.queue_dir, "relay queue directory (survives restarts)");
    o.add("--relay-net", "smtp.relay_net", cfg.relay_nets, "client network allowed to relay without AUTH (repeatable)");
    o.add("--resolver", "smtp.resolver", cfg.resolver, "DNS server HOST:PORT for MX lookups (default: resolv.conf)");
    o.add("--relay-port", "smtp.relay_port", cfg.relay_port, "TCP port of remote MX hosts");
    o.add("--hostname", "smtp.hostname", cfg.hostname, "our host name in EHLO and Received: (default: first domain)");
    o.add("--max-message-size", "smtp.max_message_size", cfg.max_message_size, "largest message in bytes (552)");
    o.add("--max-recipients", "smtp.max_recipients", cfg.max_recipients, "recipients per message (452)");
    o.add("--max-errors", "smtp.max_errors", cfg.max_errors, "refused commands before 421 and close");
    o.add("--max-commands-before-auth", "smtp.max_commands_before_auth", cfg.max_commands_before_auth,
          "commands before AUTH or a first accepted message (0 = no limit)");
    o.add("--idle-timeout-ms", "smtp.idle_timeout_ms", cfg.idle_timeout_ms, "waiting for a command (RFC 5321: 5 min)");
    o.add("--data-timeout-ms", "smtp.data_timeout_ms", cfg.data_timeout_ms, "waiting for each DATA block (3 min)");
    o.add("--max-connections", "smtp.max_connections", cfg.max_connections, "connection limit");
    o.add("--max-per-address", "smtp.max_per_address", cfg.max_per_address, "connections per client address");
    o.add("--bare-newline", "smtp.bare_newline", cfg.bare_newline, "bare CR/LF in DATA: normalize or reject");
    o.add("--queue-lifetime-s", "smtp.queue_lifetime_s", cfg.queue_lifetime_s, "give up and bounce after this long");
    o.add("--retry-min-ms", "smtp.retry_min_ms", cfg.retry_min_ms, "first retry delay of a deferred message");
    o.add("--retry-max-ms", "smtp.retry_max_ms", cfg.retry_max_ms, "longest retry delay");
    o.add("--relay-timeout-ms", "smtp.relay_timeout_ms", cfg.relay_timeout_ms, "each reply of a remote server");
    o.add("--delay-warning-s", "smtp.delay_warning_s", cfg.delay_warning_s,
          "tell the sender once when a message is still queued after this long (0 = never)");
    o.add("--max-hops", "smtp.max_hops", cfg.max_hops, "Received:/Delivered-To: lines a message may carry (loops)");
    o.add("--no-dsn", "smtp.no_dsn", cfg.no_dsn, "do not advertise DSN (RFC 3461) in EHLO");
    d.set_default_listen({"127.0.0.1:2525"});
}

std::optional<net::HostPort> first_nameserver(std::string_view text) {
    std::istringstream in{std::string(text)};
    for (std::string line; std::getline(in, line);) {
        std::istringstream words(line);
        std::string key, value;
        if (!(words >> key >> value) || key != "nameserver") continue;
        if (auto a = net::parse_address(value)) return net::HostPort{*a, 53};
    }
    return std::nullopt;
}

Settings settings(const Config& cfg) {
    Settings s;
    if (cfg.domains.empty()) throw app::ConfigError("no local domain: give --domain NAME");
    for (auto d : cfg.domains) {
        for (char& c : d)
            if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
        s.domains.push_back(d);
    }
    s.hostname = cfg.hostname.empty() ? s.domains.front() : cfg.hostname;
    if (cfg.maildir_root.empty()) throw app::ConfigError("no --maildir-root DIR");
    std::string error;
    auto nets = net::CidrList::parse(cfg.relay_nets, error);
    if (!nets) throw app::ConfigError("relay_net: " + error);
    s.relay_nets = *nets;
    if (cfg.bare_newline != "normalize" && cfg.bare_newline != "reject")
        throw app::ConfigError("bare_newline: expected normalize or reject, not `" + cfg.bare_newline + "`");
    s.reject_bare_newline = cfg.bare_newline == "reject";
    if (!cfg.resolver.empty()) {
        auto hp = net::parse_host_port(cfg.resolver);
        if (!hp) throw app::ConfigError("resolver: expected HOST:PORT, not `" + cfg.resolver + "`");
        s.resolver = *hp;
    } else if (!cfg.queue_dir.empty()) {
        std::ifstream f("/etc/resolv.conf");
        std::stringstream text;
        text << f.rdbuf();
        auto ns = first_nameserver(text.str());
        s.resolver = ns ? *ns : net::HostPort{asio::ip::make_address("127.0.0.1"), 53};
    }
    if (cfg.retry_min_ms == 0 || cfg.retry_max_ms < cfg.retry_min_ms)
        throw app::ConfigError("retry_min_ms must be > 0 and <= retry_max_ms");
    return s;
}

}  // namespace smtpd
