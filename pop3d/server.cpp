#include "pop3d/server.hpp"

#include <unistd.h>

#include <array>
#include <utility>

#include "line/session.hpp"
#include "pop3d/session.hpp"

namespace pop3d {

namespace {

std::string host_name() {
    std::array<char, 256> buf{};
    if (::gethostname(buf.data(), buf.size() - 1) != 0) return "localhost";
    return std::string(buf.data());
}

}  // namespace

std::vector<net::tcp::endpoint> serve(app::Daemon& d, net::Runtime& rt, Service& svc, Config cfg,
                                      std::shared_ptr<auth::Authenticator> users, bool allow_plain) {
    svc.limits = limits(cfg);
    svc.dialect = pop3_dialect();
    svc.cfg = std::move(cfg);
    svc.users = std::move(users);
    svc.tls = &d.tls();
    svc.apop = allow_plain;
    svc.host = host_name();
    auto eps = rt.add_tcp(
        {.name = "pop3",
         .listen = d.listen(),
         .limits = {svc.cfg.max_connections, svc.cfg.max_per_address},
         .busy_reply = "-ERR [SYS/TEMP] Too many connections\r\n"},
        line::serve<Session>(svc.limits, svc.dialect, [&svc](line::Connection& c) { return Session(c, svc); }));
    d.announce("pop3", eps);
    return eps;
}

}  // namespace pop3d
