// pop3d: a POP3 server (RFC 1939) for the Maildirs smtpd delivers into.
#include <spdlog/spdlog.h>

#include "app/daemon.hpp"
#include "auth/options.hpp"
#include "pop3d/config.hpp"
#include "pop3d/server.hpp"

int main(int argc, char** argv) {
    app::Daemon d("pop3d", "POP3 server: USER/PASS, APOP, AUTH PLAIN and STLS over Maildirs");
    pop3d::Config cfg;
    auth::Options auth_opts;
    pop3d::Service svc;
    pop3d::bind_options(d, cfg);
    auth::bind_options(d, auth_opts);
    return d.main(argc, argv, [&](app::Daemon& daemon, net::Runtime& rt) {
        pop3d::finish(daemon, cfg);
        auto users = auth::make_authenticator(daemon, auth_opts);
        (void)pop3d::serve(daemon, rt, svc, cfg, users, auth_opts.allow_plain);
        // SIGHUP: re-read the users file; a bad one keeps the current table.
        daemon.on_reload([users](const toml::table&) {
            if (auto err = users->reload()) throw app::ConfigError(*err);
            spdlog::info("SIGHUP: users reloaded ({} users)", users->table()->size());
        });
    });
}
