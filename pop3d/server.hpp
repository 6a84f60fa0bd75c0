// pop3d's wiring: the users, the TLS context and the POP3 service on the --listen addresses.
#pragma once

#include <vector>

#include "app/daemon.hpp"
#include "auth/authenticator.hpp"
#include "pop3d/service.hpp"

namespace pop3d {

/// Fills `svc` from the parsed configuration (`cfg` finished, `users` made, the daemon's TLS
/// context, the host name for APOP timestamps; APOP is offered when `allow_plain`), adds the
/// POP3 service and announces it as "pop3". `svc` must outlive the runtime. Throws
/// std::system_error when an address cannot be bound, app::ConfigError on a malformed --listen.
std::vector<net::tcp::endpoint> serve(app::Daemon& d, net::Runtime& rt, Service& svc, Config cfg,
                                      std::shared_ptr<auth::Authenticator> users, bool allow_plain);

}  // namespace pop3d
