// httpd's HTTPS listener: a TLS handshake under its own deadline, then the same HTTP/1.1
// session driver and limits as plain HTTP, then close_notify.
#pragma once

#include <chrono>

#include "http/server.hpp"
#include "net/sni.hpp"

namespace httpd {

/// The session of one HTTPS connection. A handshake that fails (plaintext, TLS 1.1, garbage)
/// or does not finish within `handshake_timeout` closes the connection without a reply.
/// `certs`, `handler` and `opts` must outlive the runtime.
[[nodiscard]] net::SessionHandler https_session(const net::CertificateSet& certs, const http::Handler& handler,
                                                const http::ServerOptions& opts,
                                                std::chrono::milliseconds handshake_timeout);

}  // namespace httpd
