#include "dnsd/config.hpp"

#include <algorithm>
#include <fstream>
#include <sstream>

#include "net/cidr.hpp"
#include "net/endpoint.hpp"

namespace dnsd {

void bind_options(app::Daemon& d, Config& cfg) {
    auto& o = d.options();
    o.add("--zone", "dns.zone", cfg.zone_files, "zone file to serve (repeatable); origin from $ORIGIN or the SOA");
    o.add("--axfr-allow", "dns.axfr_allow", cfg.axfr_allow, "address allowed to AXFR every zone (repeatable)");
    o.add("--edns-size", "dns.edns_size", cfg.edns_size, "EDNS0 UDP payload size we advertise and send at most");
    o.add("--round-robin", "dns.round_robin", cfg.round_robin, "rotate multi-record RRsets per query");
    o.add("--minimal-responses", "dns.minimal_responses", cfg.minimal_responses,
          "leave the zone's NS out of positive answers");
    o.add("--tcp-idle-timeout-ms", "dns.tcp_idle_timeout_ms", cfg.tcp_idle_timeout_ms, "idle TCP connection timeout");
    o.add("--tcp-io-timeout-ms", "dns.tcp_io_timeout_ms", cfg.tcp_io_timeout_ms, "time to receive a started message");
    o.add("--max-connections", "dns.max_connections", cfg.max_connections, "TCP connection limit");
    o.add("--max-per-address", "dns.max_per_address", cfg.max_per_address, "TCP connections per client address");
    o.add("--recursive", "dns.recursive", cfg.recursive, "resolve names outside our zones iteratively, with a cache");
    o.add("--allow", "dns.allow", cfg.allow, "address or CIDR range allowed to recurse (repeatable; default loopback)");
    o.add("--root-hints", "dns.root_hints", cfg.root_hints, "named.root file (default: the root servers, built in)");
    o.add("--upstream-port", "dns.upstream_port", cfg.upstream_port, "port of the servers the resolver asks");
    o.add("--cache-size", "dns.cache_size", cfg.cache_size, "resolver cache size in bytes (LRU)");
    o.add("--max-ttl", "dns.max_ttl", cfg.max_ttl, "cap on cached TTLs, seconds");
    o.add("--upstream-timeout-ms", "dns.upstream_timeout_ms", cfg.upstream_timeout_ms, "per upstream query");
    o.add("--resolve-timeout-ms", "dns.resolve_timeout_ms", cfg.resolve_timeout_ms, "per client query, then SERVFAIL");
    o.add("--max-upstream-queries", "dns.max_upstream_queries", cfg.max_upstream_queries,
          "upstream queries per client query, then SERVFAIL");
    o.add("--max-resolutions", "dns.max_resolutions", cfg.max_resolutions,
          "UDP client queries being resolved at once; beyond, SERVFAIL at once");
    o.add("--upstream-ipv6", "dns.upstream_ipv6", cfg.upstream_ipv6,
          "ask servers over IPv6 too: auto (if the host has a global IPv6 route), yes, no");
    o.add("--no-qname-minimisation", "dns.no_qname_minimisation", cfg.no_qname_minimisation,
          "ask each server for the full name (RFC 9156 QNAME minimisation is on by default)");
    o.add("--forward", "dns.forward", cfg.forward,
          "HOST:PORT of an upstream resolver to forward to instead of iterating (repeatable)");
    o.add("--serve-stale", "dns.serve_stale", cfg.serve_stale,
          "answer with expired data (TTL 30) when no server answers (RFC 8767)");
    o.add("--stale-max-age", "dns.stale_max_age", cfg.stale_max_age,
          "seconds past expiry that data may be served stale");
    o.add("--stale-answer-timeout-ms", "dns.stale_answer_timeout_ms", cfg.stale_answer_timeout_ms,
          "with stale data at hand, give it after this long without an answer");
    o.allow_key("zone");
    d.set_default_listen({"127.0.0.1:5353"});
}

namespace {

std::vector<std::string> strings(const toml::node* n, const std::string& where) {
    std::vector<std::string> out;
    if (n == nullptr) return out;
    if (auto s = n->value<std::string>()) return {*s};
    const auto* arr = n->as_array();
    if (arr == nullptr) throw app::ConfigError(where + ": expected a string or an array of strings");
    for (const auto& e : *arr) {
        auto s = e.value<std::string>();
        if (!s) throw app::ConfigError(where + ": expected an array of strings");
        out.push_back(*s);
    }
    return out;
}

net::CidrList access_list(const std::vector<std::string>& entries, const std::string& where) {
    std::string error;
    auto list = net::CidrList::parse(entries, error);
    if (!list) throw app::ConfigError(where + ": " + error);
    return *list;
}

/// One `[[zone]]` table: `file` (relative to the config file), optional `name` and `axfr_allow`.
ZoneSpec zone_table(const toml::node& node, const std::string& where, const std::string& config_path,
                    const net::CidrList& default_allow) {
    const auto* t = node.as_table();
    if (t == nullptr) throw app::ConfigError(where + ": expected a table");
    for (const auto& [k, v] : *t) {
        if (k != "file" && k != "name" && k != "axfr_allow")
            throw app::ConfigError(where + ": unknown key `" + std::string(k.str()) + "`");
    }
    auto f = (*t)["file"].value<std::string>();
    if (!f) throw app::ConfigError(where + ".file: expected a string");
    ZoneSpec spec{app::path_in_file(config_path, *f), std::nullopt, default_allow};
    if (auto name = (*t)["name"].value<std::string>()) {
        std::string text = *name;
        if (text.empty() || text.back() != '.') text += '.';
        dns::NameError err;
        spec.origin = dns::Name::from_text(text, nullptr, err);
        if (!spec.origin) throw app::ConfigError(where + ".name: " + std::string(dns::to_string(err)));
    }
    if (const auto* a = t->get("axfr_allow"))
        spec.axfr_allow = access_list(strings(a, where + ".axfr_allow"), where + ".axfr_allow");
    return spec;
}

}  // namespace

std::vector<ZoneSpec> zone_specs(const Config& cfg, const app::Daemon& d, const toml::table& file) {
    const net::CidrList axfr_allow = access_list(cfg.axfr_allow, "axfr_allow");
    const std::string& config_path = d.common().config_file;
    std::vector<ZoneSpec> specs;
    // --zone paths are relative to the working directory, dns.zone paths to the config file.
    for (const auto& f : cfg.zone_files) specs.push_back({d.config_path(f, "--zone"), std::nullopt, axfr_allow});
    const auto* zones = file["zone"].as_array();
    if (file.contains("zone") && zones == nullptr)
        throw app::ConfigError(config_path + ": zone: expected [[zone]] tables");
    if (zones == nullptr) return specs;
    for (std::size_t i = 0; i < zones->size(); ++i)
        specs.push_back(
            zone_table((*zones)[i], config_path + ": zone[" + std::to_string(i) + "]", config_path, axfr_allow));
    return specs;
}

net::CidrList recursion_allow(const Config& cfg) {
    if (cfg.allow.empty()) return access_list({"127.0.0.0/8", "::1"}, "allow");
    return access_list(cfg.allow, "allow");
}

RecursorOptions recursor_options(const Config& cfg) {
    RecursorOptions o;
    if (cfg.upstream_port == 0 || cfg.upstream_port > 65535) throw app::ConfigError("upstream_port: 1..65535");
    o.upstream_port = static_cast<std::uint16_t>(cfg.upstream_port);
    o.upstream_timeout = std::chrono::milliseconds(std::max(cfg.upstream_timeout_ms, 10u));
    o.time_budget = std::chrono::milliseconds(std::max(cfg.resolve_timeout_ms, 10u));
    o.max_queries = std::max(cfg.max_upstream_queries, 1u);
    o.edns_size = static_cast<std::uint16_t>(std::clamp(cfg.edns_size, 512u, 4096u));
    if (cfg.upstream_ipv6 == "yes") o.upstream_ipv6 = true;
    else if (cfg.upstream_ipv6 == "auto") o.upstream_ipv6 = has_global_ipv6_route();
    else if (cfg.upstream_ipv6 != "no") throw app::ConfigError("upstream_ipv6: auto, yes or no");
    o.qname_minimisation = !cfg.no_qname_minimisation;
    for (const auto& f : cfg.forward) {
        auto hp = net::parse_host_port(f);
        if (!hp || hp->port == 0) throw app::ConfigError("forward: " + f + ": expected IP:PORT");
        o.forwarders.emplace_back(hp->address, hp->port);
    }
    o.serve_stale = cfg.serve_stale;
    o.stale_answer_timeout = std::chrono::milliseconds(std::max(cfg.stale_answer_timeout_ms, 10u));
    return o;
}

bool has_global_ipv6_route() {
    asio::io_context io;
    asio::ip::udp::socket s(io);
    net::error_code ec;
    s.open(asio::ip::udp::v6(), ec);
    if (ec) return false;
    // a.root-servers.net's IPv6 address; connect() on UDP only picks a route and a source.
    s.connect(asio::ip::udp::endpoint(asio::ip::make_address_v6("2001:503:ba3e::2:30"), 53), ec);
    if (ec) return false;
    const auto local = s.local_endpoint(ec).address();
    if (ec || !local.is_v6()) return false;
    const auto v6 = local.to_v6();
    return !v6.is_loopback() && !v6.is_link_local() && !v6.is_unspecified() && !v6.is_v4_mapped();
}

RootHints root_hints(const Config& cfg, const app::Daemon& d) {
    if (cfg.root_hints.empty()) return builtin_root_hints();
    const std::string path = d.config_path(cfg.root_hints, "--root-hints");
    std::ifstream in(path, std::ios::binary);
    if (!in) throw app::ConfigError(path + ": cannot read the root hints");
    std::ostringstream text;
    text << in.rdbuf();
    std::string error;
    auto hints = parse_root_hints(text.str(), path, error);
    if (!hints) throw app::ConfigError(error);
    return *hints;
}

ResponderOptions responder_options(const Config& cfg) {
    ResponderOptions o;
    o.edns_size = static_cast<std::uint16_t>(std::clamp(cfg.edns_size, 512u, 4096u));
    o.round_robin = cfg.round_robin;
    o.minimal_responses = cfg.minimal_responses;
    return o;
}

}  // namespace dnsd
