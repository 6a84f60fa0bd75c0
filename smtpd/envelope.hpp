// The relay queue's file format: an envelope block in front of the stored message, and the
// small state file beside it. Pure: no I/O.
//
//   netsuite-queue 1
//   sender <alice@crepes.fr>
//   arrival 1764700000
//   ret full              (optional; RFC 3461 RET)
//   envid QQ314159        (optional; xtext)
//   utf8                  (optional; the message needs SMTPUTF8)
//   rcpt <bob@hamburger.edu> notify=6 orcpt=rfc822;bob@hamburger.edu
//   <empty line>
//   message in stored form (LF line ends)
#pragma once

#include <cstdint>
#include <ctime>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "smtpd/protocol.hpp"

namespace smtpd {

/// One recipient of a queued message.
struct QueuedRcpt {
    std::string address{};
    std::uint8_t notify = notify_unset;
    std::string orcpt{};
};

/// What a queue file says about its message.
struct Envelope {
    std::string sender{};  ///< "" for a bounce (the null reverse-path)
    std::time_t arrival = 0;
    Ret ret = Ret::unset;
    std::string envid{};
    bool utf8 = false;
    std::vector<QueuedRcpt> rcpts{};
};

/// The envelope block in stored form, ending with the empty line.
[[nodiscard]] std::string encode_envelope(const Envelope& e);
/// Parses the envelope block at the start of `text`; sets `body_offset` to where the message
/// starts. nullopt when malformed (a foreign or damaged file).
[[nodiscard]] std::optional<Envelope> parse_envelope(std::string_view text, std::size_t& body_offset);

/// What the queue runner remembers of a message between attempts (the state file).
struct QueueState {
    unsigned attempts = 0;
    bool warned = false;                  ///< the delay report (RFC 3461 "delayed") was sent
    std::vector<std::string> finished{};  ///< recipients delivered or bounced
    [[nodiscard]] bool is_finished(std::string_view rcpt) const;
};
[[nodiscard]] std::string encode_state(const QueueState& s);
/// Malformed lines are ignored (the worst case is a second attempt for a recipient).
[[nodiscard]] QueueState parse_state(std::string_view text);

}  // namespace smtpd
