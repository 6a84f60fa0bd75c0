// The decoding every daemon's SASL exchange needs (SMTP AUTH, POP3 AUTH): strict base64 and
// the PLAIN mechanism's message. Pure.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace auth {

/// Strict base64 (RFC 4648 4): padding required, the pad bits zero (3.5: one encoding per
/// value), no whitespace or other characters. nullopt on anything else.
[[nodiscard]] std::optional<std::string> base64_decode(std::string_view text);
/// Bytes to base64 with padding.
[[nodiscard]] std::string base64_encode(std::string_view bytes);

/// RFC 4616 2: each of authzid, authcid and passwd is at most 255 octets.
inline constexpr std::size_t kMaxSaslField = 255;

/// The fields of a SASL PLAIN message ("[authzid] NUL authcid NUL passwd").
struct PlainCredentials {
    std::string authzid{};
    std::string authcid{};
    std::string password{};  ///< wipe it (OPENSSL_cleanse) once checked
};

/// How a PLAIN message is malformed, worst first.
enum class PlainError : std::uint8_t {
    ok,
    no_separator,     ///< fewer than two NULs: no fields at all
    extra_separator,  ///< a third NUL (then the password holds it)
    empty_field,      ///< an empty authcid or password
    too_long,         ///< a field over kMaxSaslField
};

/// Splits a decoded PLAIN message into `out` (RFC 4616 2). The fields are filled for every
/// result but no_separator (the password is everything after the second NUL), so that a daemon
/// may still treat a malformed message as a failed login. Errors: PlainError.
[[nodiscard]] PlainError split_plain(std::string_view message, PlainCredentials& out);

}  // namespace auth
