// dnsd: an authoritative DNS server for RFC 1035 zone files over UDP and TCP.
#include <spdlog/spdlog.h>

#include "app/daemon.hpp"
#include "dnsd/config.hpp"
#include "dnsd/server.hpp"
#include "dnsd/zone_store.hpp"

int main(int argc, char** argv) {
    app::Daemon d("dnsd", "authoritative DNS server: serves zone files over UDP and TCP, with AXFR");
    dnsd::Config cfg;
    dnsd::ZoneStore store;
    dnsd::bind_options(d, cfg);
    return d.main(argc, argv, [&](app::Daemon& daemon, net::Runtime& rt) {
        auto specs = dnsd::zone_specs(cfg, daemon, daemon.config());
        if (specs.empty()) throw app::ConfigError("no zones: give --zone FILE or [[zone]] tables in the config");
        if (!dnsd::reload_zones(store, specs, dnsd::responder_options(cfg)))
            throw app::ConfigError("zones failed to load");
        (void)dnsd::serve(daemon, rt, cfg, store);
        // SIGHUP: re-read the zone files (and the [[zone]] list); a broken zone keeps the old set.
        daemon.on_reload([&](const toml::table& fresh) {
            spdlog::info("SIGHUP: reloading zones");
            (void)dnsd::reload_zones(store, dnsd::zone_specs(cfg, daemon, fresh), dnsd::responder_options(cfg));
        });
    });
}
