// Opening FTP data connections (RFC 959 3.2, 5.2): a passive listener from a port range that
// takes only the control connection's client (RFC 2577 5), and active connections to the
// client, from port 20 when we may bind it. Every wait has a deadline; closing the acceptor or
// socket (ABOR) ends it with operation_aborted.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>

#include "net/asio.hpp"

namespace ftpd {

/// The FTP data port (RFC 959 3.2: L-1 of the control port 21).
inline constexpr std::uint16_t kDataPort = 20;

/// A listener on `local` with a port in [low, high] (both 0: any port), tried from a varying
/// start so that sessions spread over the range. Errors: address_in_use when every port is
/// taken, others as bind(2) gives them.
[[nodiscard]] std::optional<net::tcp::acceptor> listen_passive(const asio::any_io_executor& ex,
                                                               const asio::ip::address& local, std::uint16_t low,
                                                               std::uint16_t high, net::error_code& ec);

/// Accepts one connection on `acc` from `client` only; connections from other addresses are
/// closed (counted in `refused`) and the wait goes on. Errors: timed_out after `timeout`,
/// operation_aborted when `acc` is closed meanwhile, others from accept(2).
[[nodiscard]] net::task<void> accept_data(net::tcp::acceptor& acc, net::tcp::socket& out,
                                          const asio::ip::address& client, std::chrono::milliseconds timeout,
                                          unsigned& refused, net::error_code& ec);

/// Connects `sock` to `target` from `local` (port 20 when `from_data_port` and binding it works,
/// else any port). Errors: timed_out, operation_aborted (sock closed meanwhile), connect(2)'s.
[[nodiscard]] net::task<void> connect_data(net::tcp::socket& sock, const asio::ip::address& local,
                                           const net::tcp::endpoint& target, bool from_data_port,
                                           std::chrono::milliseconds timeout, net::error_code& ec);

}  // namespace ftpd
