// dnsd: an authoritative DNS server for RFC 1035 zone files over UDP and TCP.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <memory>

#include "app/daemon.hpp"
#include "dnsd/cache.hpp"
#include "dnsd/config.hpp"
#include "dnsd/recursor.hpp"
#include "dnsd/server.hpp"
#include "dnsd/zone_store.hpp"

int main(int argc, char** argv) {
    app::Daemon d(
        "dnsd", "DNS server: serves zone files over UDP and TCP, with AXFR; with --recursive also a caching resolver");
    dnsd::Config cfg;
    dnsd::ZoneStore store;
    std::unique_ptr<dnsd::Cache> cache;
    std::unique_ptr<dnsd::Recursor> recursor;
    dnsd::RecursiveService recursive;
    dnsd::bind_options(d, cfg);
    return d.main(argc, argv, [&](app::Daemon& daemon, net::Runtime& rt) {
        auto specs = dnsd::zone_specs(cfg, daemon, daemon.config());
        if (specs.empty() && !cfg.recursive)
            throw app::ConfigError("no zones: give --zone FILE or [[zone]] tables in the config, or --recursive");
        if (!dnsd::reload_zones(store, specs, dnsd::responder_options(cfg)))
            throw app::ConfigError("zones failed to load");
        if (cfg.recursive) {
            cache = std::make_unique<dnsd::Cache>(
                dnsd::CacheOptions{.max_bytes = cfg.cache_size,
                                   .max_ttl = cfg.max_ttl,
                                   .stale_max_age = cfg.serve_stale ? cfg.stale_max_age : 0});
            recursor =
                std::make_unique<dnsd::Recursor>(dnsd::recursor_options(cfg), dnsd::root_hints(cfg, daemon), *cache);
            recursive.recursor = recursor.get();
            recursive.allow = dnsd::recursion_allow(cfg);
            recursive.edns_size = dnsd::responder_options(cfg).edns_size;
            recursive.max_resolutions = std::max(cfg.max_resolutions, 1u);
            spdlog::info("recursive for {}", recursive.allow.to_string());
        }
        (void)dnsd::serve(daemon, rt, cfg, store, cfg.recursive ? &recursive : nullptr);
        // SIGHUP: re-read the zone files (and the [[zone]] list); a broken zone keeps the old set.
        daemon.on_reload([&](const toml::table& fresh) {
            spdlog::info("SIGHUP: reloading zones");
            (void)dnsd::reload_zones(store, dnsd::zone_specs(cfg, daemon, fresh), dnsd::responder_options(cfg));
        });
    });
}
