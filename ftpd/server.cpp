#include "ftpd/server.hpp"

#include <unistd.h>

#include "line/session.hpp"

namespace ftpd {

const line::Dialect& dialect() {
    static const line::Dialect d{
        .protocol = "ftp",
        .line_too_long = "500 Command line too long",
        .timeout = "421 Timeout: closing control connection",
        .too_many_errors = "421 Too many errors, closing control connection",
        .too_many_commands = "421 Too many commands before login",
        .shutting_down = "421 Server shutting down",
    };
    return d;
}

Server::Server(const Config& cfg, std::shared_ptr<auth::Authenticator> users, net::TlsContext& tls)
    : shared_{cfg, std::move(users), tls, ::geteuid() == 0} {
    limits_.idle_timeout = std::chrono::milliseconds(cfg.idle_timeout_ms);
    // RFC 959 allows pathnames of any length; 4 KiB of path plus the verb after login.
    limits_.max_line = kMaxPath + 16;
    limits_.max_line_before_login = 512;
}

std::vector<net::tcp::endpoint> Server::serve(net::Runtime& rt, const std::vector<net::HostPort>& listen) {
    return rt.add_tcp(
        {.name = "ftp",
         .listen = listen,
         .limits = {shared_.cfg.max_sessions, shared_.cfg.max_per_address},
         .busy_reply = "421 Too many connections, try later\r\n"},
        line::serve<Session>(limits_, dialect(), [this](line::Connection& c) { return Session(c, shared_); }));
}

}  // namespace ftpd
