// One query to one authoritative or recursive server (RFC 1035 4.2, RFC 5452): a fresh random
// id and source port, answers accepted only from the server asked, with our id and our
// question; TCP when the answer is truncated; a retry without EDNS for a server that
// answers FORMERR to EDNS (RFC 6891 7); the name's letters in random case (0x20), which the
// answer's question must echo, with a retry in plain case for servers that do not.
#pragma once

#include <chrono>
#include <cstdint>
#include <span>

#include "dns/message.hpp"
#include "net/asio.hpp"

namespace dns {

/// Fills `out` from a cryptographic generator (OpenSSL's), drawn in blocks per thread.
void random_bytes(std::span<std::uint8_t> out);
/// A random query id from a cryptographic generator (RFC 5452 9.2).
[[nodiscard]] std::uint16_t random_id();

struct ExchangeOptions {
    std::chrono::milliseconds timeout{1000};  ///< for the UDP attempt, and again for TCP
    std::uint16_t edns_size = 1232;           ///< 0: no EDNS
    bool rd = false;                          ///< recursion desired (false to authoritative servers)
    bool randomize_case = true;               ///< 0x20: random case over UDP, echoed exactly
};

enum class ExchangeStatus : std::uint8_t {
    ok,       ///< `message` is the server's answer to our question
    timeout,  ///< no acceptable answer in time
    error,    ///< a socket error, or a TCP answer that did not parse or match
};

struct ExchangeResult {
    ExchangeStatus status = ExchangeStatus::error;
    Message message{};
    bool tcp = false;            ///< the UDP answer was truncated: `status` is TCP's
    bool no_edns = false;        ///< the answer came from the retry without EDNS
    bool case_fallback = false;  ///< the server did not echo the random case: asked again in ours
    unsigned ignored = 0;        ///< datagrams ignored: other source, id, question, or unparsable
};

/// Whether `m` answers our query `id` for `name`/`type`: QR set, the id, exactly one question
/// equal to ours (names case-insensitively), class IN (RFC 5452 4.1). Pure.
[[nodiscard]] bool matches_query(const Message& m, std::uint16_t id, const Name& name, std::uint16_t type);

/// `name` with each letter's case chosen at random (draft-vixie-dnsext-dns0x20).
[[nodiscard]] Name randomize_case(const Name& name);

/// Asks `server` about `name`/`type` (class IN). Owner names equal to `name` in the answer come
/// back in `name`'s case. Never throws for network failures: they are
/// ExchangeStatus values; datagrams from other addresses or ports, with another id or another
/// question are ignored while the deadline runs.
[[nodiscard]] net::task<ExchangeResult> exchange(net::udp::endpoint server, Name name, std::uint16_t type,
                                                 ExchangeOptions opts);

}  // namespace dns
