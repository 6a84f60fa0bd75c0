#include "smtpd/server.hpp"

#include <spdlog/spdlog.h>

#include "line/session.hpp"
#include "smtpd/relay.hpp"

namespace smtpd {

Server::~Server() = default;

std::unique_ptr<Server> start(app::Daemon& d, net::Runtime& rt, Config& cfg, const auth::Options& auth_opts) {
    auto server = std::make_unique<Server>();
    cfg.maildir_root = d.config_path(cfg.maildir_root, "--maildir-root");
    if (!cfg.queue_dir.empty()) cfg.queue_dir = d.config_path(cfg.queue_dir, "--queue");
    auto users = auth::make_authenticator(d, auth_opts);
    server->shared = std::unique_ptr<Shared>(new Shared{cfg, settings(cfg), users, d.tls()});
    Shared& shared = *server->shared;
    shared.limits = session_limits(cfg);
    shared.dialect = session_dialect(shared.settings.hostname);
    if (!cfg.queue_dir.empty()) {
        server->relay = std::make_unique<Relay>(rt, shared);
        Relay* relay = server->relay.get();
        shared.queued = [relay](std::string path) { relay->enqueue(std::move(path)); };
    }
    net::TcpServiceConfig svc{
        .name = "smtp",
        .listen = d.listen(),
        .limits = {.max_connections = cfg.max_connections, .max_per_address = cfg.max_per_address},
        .busy_reply = "421 4.7.0 " + shared.settings.hostname + " Too many connections, try again later\r\n",
    };
    d.announce("smtp", rt.add_tcp(std::move(svc),
                                  line::serve<Session>(shared.limits, shared.dialect,
                                                       [&shared](line::Connection& c) { return Session(c, shared); })));
    d.on_reload([users](const toml::table&) {
        if (auto err = users->reload()) throw app::ConfigError(*err);
    });
    if (server->relay) server->relay->start();
    spdlog::info("smtpd: domains {}, maildirs under {}{}", fmt::join(shared.settings.domains, " "), cfg.maildir_root,
                 cfg.queue_dir.empty() ? std::string(", no relay queue") : ", queue " + cfg.queue_dir);
    return server;
}

}  // namespace smtpd
