// smtpd's wiring: the settings, the users, the SMTP service on the runtime, the relay queue.
#pragma once

#include <memory>

#include "app/daemon.hpp"
#include "auth/options.hpp"
#include "smtpd/config.hpp"
#include "smtpd/session.hpp"

namespace smtpd {

class Relay;

/// Everything the daemon keeps while it runs (must outlive the runtime).
struct Server {
    std::unique_ptr<Shared> shared;
    std::unique_ptr<Relay> relay;
    ~Server();
};

/// Binds the SMTP service on `rt` and starts the relay queue (when --queue is given).
/// Relative paths in `cfg` are resolved first. Throws app::ConfigError on bad settings.
[[nodiscard]] std::unique_ptr<Server> start(app::Daemon& d, net::Runtime& rt, Config& cfg,
                                            const auth::Options& auth_opts);

}  // namespace smtpd
