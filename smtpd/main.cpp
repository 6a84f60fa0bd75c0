// smtpd: an SMTP server that delivers mail for its domains into Maildirs and relays the rest.
#include "app/daemon.hpp"
#include "auth/options.hpp"
#include "smtpd/config.hpp"
#include "smtpd/server.hpp"

int main(int argc, char** argv) {
    app::Daemon d("smtpd", "SMTP server: local delivery into Maildir, relaying by MX through a durable queue");
    smtpd::Config cfg;
    auth::Options auth_opts;
    smtpd::bind_options(d, cfg);
    auth::bind_options(d, auth_opts);
    std::unique_ptr<smtpd::Server> server;
    return d.main(argc, argv,
                  [&](app::Daemon& daemon, net::Runtime& rt) { server = smtpd::start(daemon, rt, cfg, auth_opts); });
}
