// ftpd's wiring: the control connection's limits and dialect, the users, and the service on
// the runtime.
#pragma once

#include <memory>

#include "app/daemon.hpp"
#include "auth/authenticator.hpp"
#include "ftpd/config.hpp"
#include "ftpd/session.hpp"
#include "line/connection.hpp"
#include "net/server.hpp"

namespace ftpd {

/// The control connection's replies to the driver's own events.
[[nodiscard]] const line::Dialect& dialect();

/// Everything the sessions of one daemon share; must outlive the runtime.
class Server {
public:
    Server(const Config& cfg, std::shared_ptr<auth::Authenticator> users, net::TlsContext& tls);
    /// Binds the control service; returns the bound endpoints. Throws std::system_error.
    std::vector<net::tcp::endpoint> serve(net::Runtime& rt, const std::vector<net::HostPort>& listen);

private:
    line::Limits limits_;
    Shared shared_;
};

}  // namespace ftpd
