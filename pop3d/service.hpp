// What every pop3d session shares: the configuration, limits, replies of the driver, users
// and TLS. One object per daemon, outliving the runtime.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "auth/authenticator.hpp"
#include "line/connection.hpp"
#include "net/tls.hpp"
#include "pop3d/config.hpp"

namespace pop3d {

/// The shared state of all sessions (thread-safe: the counter is atomic, the rest is
/// read-only once serving, the Authenticator and TlsContext are thread-safe themselves).
struct Service {
    Config cfg{};
    line::Limits limits{};
    line::Dialect dialect{};
    std::shared_ptr<auth::Authenticator> users{};
    net::TlsContext* tls = nullptr;  ///< null or not enabled(): no STLS
    bool apop = false;               ///< greet with an APOP timestamp (plain secrets are allowed)
    std::string host{};              ///< the right side of APOP timestamps
    std::atomic<std::uint64_t> greetings{0};
};

/// The driver's own replies in POP3's words (RFC 1939 3: "-ERR" and a text).
[[nodiscard]] line::Dialect pop3_dialect();

}  // namespace pop3d
