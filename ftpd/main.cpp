// ftpd: an FTP server (RFC 959) for anonymous and local users (see ftpd/README.md).
#include <unistd.h>

#include <spdlog/spdlog.h>

#include "app/daemon.hpp"
#include "auth/options.hpp"
#include "ftpd/config.hpp"
#include "ftpd/server.hpp"

int main(int argc, char** argv) {
    app::Daemon d("ftpd", "FTP server: anonymous read-only and jailed local users, passive and active, AUTH TLS");
    ftpd::Config cfg;
    cfg.bind(d);
    auth::Options auth_opts;
    auth::bind_options(d, auth_opts);
    d.set_default_listen({::geteuid() == 0 ? "127.0.0.1:21" : "127.0.0.1:2121"});
    std::unique_ptr<ftpd::Server> server;
    return d.main(argc, argv, [&](app::Daemon& daemon, net::Runtime& rt) {
        cfg.finish(daemon);
        auto users = auth::make_authenticator(daemon, auth_opts);
        if (!cfg.anonymous && users->table()->size() == 0)
            throw app::ConfigError("no one could log in: give --users FILE or --anonymous --root DIR");
        server = std::make_unique<ftpd::Server>(cfg, users, daemon.tls());
        daemon.announce("ftp", server->serve(rt, daemon.listen()));
        daemon.on_reload([users](const toml::table&) {
            if (auto err = users->reload()) throw app::ConfigError(*err);
            spdlog::info("users reloaded");
        });
    });
}
