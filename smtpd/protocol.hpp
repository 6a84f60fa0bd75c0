// The pure part of SMTP (RFC 5321): MAIL/RCPT argument parsing with their ESMTP parameters,
// addresses, the EHLO capability list, the xtext encoding of DSN parameters and the hop count
// of a message's header. No I/O.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace smtpd {

/// RFC 5321 4.5.3.1 sizes.
inline constexpr std::size_t kMaxLocalPart = 64;
inline constexpr std::size_t kMaxDomain = 255;
inline constexpr std::size_t kMaxPath = 256;  ///< "<" address ">" included

/// Why a MAIL FROM / RCPT TO argument was refused.
enum class PathError : std::uint8_t {
    ok,
    syntax,         ///< not "FROM:<path>" / "TO:<path>" (501 5.5.4)
    bad_address,    ///< the mailbox is malformed (501 5.1.3 / 5.1.7)
    too_long,       ///< over the RFC 5321 4.5.3.1 sizes (501 5.5.4)
    utf8,           ///< non-ASCII address without SMTPUTF8 (553 5.6.7, RFC 6531 3.5)
    bad_parameter,  ///< an unknown or malformed ESMTP parameter (555 5.5.4)
};

/// RET= of RFC 3461 4.3.
enum class Ret : std::uint8_t { unset, full, hdrs };
/// BODY= of RFC 6152.
enum class Body : std::uint8_t { seven_bit, eight_bit_mime, binary_mime };

/// A parsed "MAIL FROM:<...> params".
struct MailFrom {
    std::string address{};                ///< "" for the null reverse-path "<>"
    std::optional<std::uint64_t> size{};  ///< SIZE= (RFC 1870)
    Body body = Body::seven_bit;          ///< BODY=
    bool smtputf8 = false;                ///< SMTPUTF8 (RFC 6531)
    Ret ret = Ret::unset;                 ///< RET= (RFC 3461)
    std::string envid{};                  ///< ENVID=, decoded xtext
    std::string auth{};                   ///< AUTH= (RFC 4954 5), as sent
};

/// NOTIFY= bits (RFC 3461 4.1).
enum Notify : std::uint8_t {
    notify_unset = 0,
    notify_never = 1,
    notify_success = 2,
    notify_failure = 4,
    notify_delay = 8
};

/// A parsed "RCPT TO:<...> params".
struct RcptTo {
    std::string address{};
    std::uint8_t notify = notify_unset;
    std::string orcpt{};  ///< ORCPT= as "rfc822;bob@hamburger.edu", decoded xtext
};

/// Parses the argument of MAIL ("FROM:<a@b> SIZE=10"), with or without a space after the
/// colon. `utf8_allowed`: SMTPUTF8 was advertised (non-ASCII addresses need the parameter).
/// Errors: PathError.
[[nodiscard]] PathError parse_mail(std::string_view arg, MailFrom& out);
/// Parses the argument of RCPT ("TO:<b@c> NOTIFY=FAILURE"). `utf8`: the transaction's MAIL had
/// SMTPUTF8. Errors: PathError.
[[nodiscard]] PathError parse_rcpt(std::string_view arg, bool utf8, RcptTo& out);

/// Whether `mailbox` is a valid "local@domain" (dot-atom or quoted local part; a domain of
/// labels or an address literal), ASCII unless `utf8`.
[[nodiscard]] bool valid_mailbox(std::string_view mailbox, bool utf8);
/// The domain of "local@domain", lower-cased ASCII ("" when none).
[[nodiscard]] std::string domain_of(std::string_view mailbox);
/// The local part of "local@domain" ("postmaster" for a bare "postmaster", RFC 5321 4.5.1).
[[nodiscard]] std::string_view local_of(std::string_view mailbox);
/// Whether a HELO/EHLO argument is acceptable: a domain or an address literal, no spaces or
/// control characters, at most 255 octets.
[[nodiscard]] bool valid_helo(std::string_view name);

/// xtext (RFC 3461 4): "+XX" escapes decoded; nullopt when malformed.
[[nodiscard]] std::optional<std::string> xtext_decode(std::string_view s);
/// xtext encoding of `s` ("+" and "=", controls and non-ASCII as "+XX").
[[nodiscard]] std::string xtext_encode(std::string_view s);

/// Counts the trace fields (Received:, and Delivered-To: as Postfix's local delivery and qmail
/// do) in the header of a message fed in pieces of network text (RFC 5321 6.3: loop detection).
/// Stops looking at the first empty line. Pure.
class HopCounter {
public:
    void feed(std::string_view text);
    [[nodiscard]] std::size_t hops() const { return hops_; }

private:
    void end_line();
    std::string line_{};  // the start of the current line, at most 13 octets
    bool in_header_ = true;
    std::size_t hops_ = 0;
};

/// What the EHLO reply advertises.
struct Capabilities {
    std::uint64_t max_size = 0;  ///< SIZE value (0: SIZE without a number)
    bool starttls = false;       ///< a TLS context exists and the session is not yet TLS
    bool auth = false;           ///< AUTH PLAIN LOGIN may be used now (TLS or loopback)
    bool dsn = true;             ///< DSN (RFC 3461)
};
/// The lines of the EHLO reply after the first ("PIPELINING", "SIZE 10485760", ...).
[[nodiscard]] std::vector<std::string> ehlo_keywords(const Capabilities& caps);

}  // namespace smtpd
