// dnsd --recursive on the client side: which queries go to the resolver, who may ask, the
// reply (RA set, TTLs as left in the cache), and the UDP answer sent once resolution ends.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "dns/message.hpp"
#include "dnsd/recursor.hpp"
#include "dnsd/zone.hpp"
#include "net/cidr.hpp"

namespace dnsd {

/// What the recursive side of the server needs.
struct RecursiveService {
    Recursor* recursor = nullptr;
    net::CidrList allow;              ///< clients that may recurse (`--allow`)
    std::uint16_t edns_size = 1232;   ///< our UDP payload size towards clients
    unsigned max_resolutions = 4096;  ///< UDP queries resolving at once (each holds a coroutine)
    mutable std::atomic<unsigned> resolving{0};
};

/// The parsed query when the resolver should answer it: opcode QUERY, one question of a data
/// type (not AXFR/IXFR/ANY-like meta types), EDNS version 0 if any, a name outside our zones
/// and a client in `allow`. Anything else (ours, malformed, a refused client) is the
/// authoritative responder's: REFUSED outside our zones, FORMERR, NOTIMP.
[[nodiscard]] std::optional<dns::Message> recursive_query(std::span<const std::uint8_t> query,
                                                          const asio::ip::address& peer, const ZoneSet& zones,
                                                          const net::CidrList& allow);

/// Writes the reply to `query` from `res` into `out`: id, RD copied, RA set, the client's
/// question, the answer, the SOA for negative answers, OPT when the client sent one. Over UDP
/// the size is the client's EDNS size (512 without, at most `edns_size`); what does not fit
/// sets TC with the question alone (RFC 2181 9). Returns the size, 0 if not even the header fits.
[[nodiscard]] std::size_t write_reply(const dns::Message& query, const Resolution& res, std::span<std::uint8_t> out,
                                      bool tcp, std::uint16_t edns_size);

/// "Q: A gaia.cs.umass.edu. -> NOERROR 1 answer (cached)" / "(3 queries)".
[[nodiscard]] std::string recursive_summary(const dns::Message& query, const Resolution& res);

/// Resolves `query` and sends the reply to `client` from `sock` (the socket it came in on).
/// Runs on the socket's thread; errors are values (a failed send is dropped, as UDP is).
/// The caller has added one to `svc.resolving`; it is taken off once resolved, before the reply.
[[nodiscard]] net::task<void> answer_later(const RecursiveService& svc, dns::Message query, net::udp::endpoint client,
                                           net::udp::socket& sock);

}  // namespace dnsd
