// dnsd over TCP (RFC 7766): 2-octet length framing, several queries per connection, and
// zone transfers streamed as a sequence of messages (RFC 5936).
#pragma once

#include <chrono>

#include "dnsd/query.hpp"
#include "dnsd/recursive.hpp"
#include "dnsd/zone_store.hpp"
#include "net/stream.hpp"

namespace dnsd {

/// What a TCP session needs: its deadlines, the responder's options and the zones.
struct TcpSettings {
    std::chrono::milliseconds idle_timeout{10000};  ///< between queries (RFC 7766 6.2.3)
    std::chrono::milliseconds io_timeout{5000};     ///< a started message must arrive by then
    ResponderOptions responder{};
    const ZoneStore* store = nullptr;
    const RecursiveService* recursive = nullptr;  ///< --recursive: names outside our zones
};

/// Serves one connection: answers each framed query in order (pipelined queries included) and
/// streams AXFR. Returns, after a half-close, at EOF, a deadline, a length prefix shorter than
/// a header, a write error, or between queries once the server drains. Errors are values:
/// nothing is thrown for I/O failures.
[[nodiscard]] net::task<void> tcp_session(net::Stream& s, const TcpSettings& settings);

}  // namespace dnsd
