// POP3's pure parts (RFC 1939, 2449, 5034, 6856): the states, argument parsers, APOP digests,
// SASL PLAIN and the capability list. No I/O: the session (session.hpp) calls these.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "auth/sasl.hpp"

namespace pop3d {

/// The session's states (one bit each, for the command table). RFC 1939 3: AUTHORIZATION,
/// TRANSACTION, and UPDATE, which QUIT runs and which then ends the session.
enum State : std::uint32_t {
    kAuthorization = 1,  ///< before USER (or after a failed PASS)
    kUserGiven = 2,      ///< after USER, waiting for PASS (still AUTHORIZATION)
    kTransaction = 4,    ///< logged in, the maildrop locked
};
inline constexpr std::uint32_t kBeforeLogin = kAuthorization | kUserGiven;
inline constexpr std::uint32_t kAnyState = kBeforeLogin | kTransaction;

/// RFC 2449 8 extended response codes.
inline constexpr std::string_view kInUse = "[IN-USE]";      ///< the maildrop is locked by another session
inline constexpr std::string_view kAuthCode = "[AUTH]";     ///< the credentials are wrong (not temporary)
inline constexpr std::string_view kSysTemp = "[SYS/TEMP]";  ///< a temporary failure: try again later

/// Longest message number or line count we parse (RFC 1939 messages are 1..count).
inline constexpr std::size_t kMaxNumberDigits = 9;

/// A message number "n" (decimal digits only, 1-based, as RFC 1939 writes them). nullopt for
/// anything else ("0", "-1", "1 2", "", "+1", more than kMaxNumberDigits digits).
[[nodiscard]] std::optional<std::size_t> parse_number(std::string_view arg);

/// TOP's "msg n" (RFC 1939 7: the message and the number of body lines, n >= 0).
struct TopArgs {
    std::size_t msg = 0;
    std::size_t lines = 0;
};
/// nullopt unless the argument is two numbers separated by one space (msg >= 1, lines >= 0).
[[nodiscard]] std::optional<TopArgs> parse_top(std::string_view arg);

/// APOP's "name digest" (RFC 1939 7), views into the argument.
struct ApopArgs {
    std::string_view name;
    std::string_view digest;  ///< 32 hex digits (any case)
};
/// nullopt unless the argument is a non-empty name, one space, and 32 hex digits.
[[nodiscard]] std::optional<ApopArgs> parse_apop(std::string_view arg);

/// The APOP digest: MD5 of the greeting's timestamp (with its angle brackets) followed by the
/// shared secret, as 32 lower-case hex digits.
[[nodiscard]] std::string apop_digest(std::string_view timestamp, std::string_view secret);
/// Compares a client's digest (any case) with ours in constant time. False when the lengths differ.
[[nodiscard]] bool digest_matches(std::string_view client, std::string_view expected);

/// The greeting's APOP timestamp "<pid.counter.seconds@host>" (RFC 1939 7: unique per
/// greeting; RFC 822 msg-id syntax).
[[nodiscard]] std::string apop_timestamp(std::uint64_t pid, std::uint64_t counter, std::uint64_t seconds,
                                         std::string_view host);

/// SASL PLAIN credentials (RFC 4616 2: [authzid] NUL authcid NUL passwd).
using auth::kMaxSaslField;
using auth::PlainCredentials;
/// Decodes the base64 client response of AUTH PLAIN. nullopt when it is not base64, has not
/// exactly two NULs, an empty authcid or password, or a field over kMaxSaslField bytes.
[[nodiscard]] std::optional<PlainCredentials> decode_plain(std::string_view base64);

/// True when `s` is well-formed UTF-8 (RFC 3629: no overlongs, surrogates or values over 10FFFF).
[[nodiscard]] bool valid_utf8(std::string_view s);

/// What the CAPA list depends on.
struct CapaContext {
    bool tls_available = false;  ///< a certificate is configured
    bool tls_active = false;     ///< this connection already runs TLS
    bool logged_in = false;
};
/// The capability lines (RFC 2449 5, RFC 5034 6, RFC 2595 4, RFC 6856 2), without the "+OK"
/// line and the terminator. STLS only before login, with a certificate, and not under TLS already.
[[nodiscard]] std::vector<std::string> capabilities(const CapaContext& ctx);

}  // namespace pop3d
