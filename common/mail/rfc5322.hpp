// Internet Message Format helpers (RFC 5322): the header block, trace fields, dates. Pure.
#pragma once

#include <cstddef>
#include <ctime>
#include <string>
#include <string_view>
#include <vector>

namespace mail {

/// One header field, unfolded (RFC 5322 2.2.3).
struct HeaderField {
    std::string name{};   ///< as written ("Subject")
    std::string value{};  ///< unfolded, leading and trailing white space removed
};

/// Bounds on a header block.
struct HeaderLimits {
    std::size_t max_bytes = 256 * 1024;  ///< the whole header block, line ends included
    std::size_t max_fields = 2000;
};

enum class HeaderStatus {
    complete,      ///< ended by an empty line; `body_offset` is where the body starts
    no_body,       ///< the text ended inside the header (a message with no empty line)
    not_a_header,  ///< a line that is neither a field nor a continuation; the body starts there
    too_large,     ///< more than max_bytes before the end of the header
    too_many_fields,
};

/// The parsed header block of a message.
struct Header {
    HeaderStatus status = HeaderStatus::complete;
    std::vector<HeaderField> fields{};  ///< in order (also when status is an error: those parsed)
    std::size_t body_offset = 0;        ///< offset of the body in the text (after the empty line)

    /// Value of the first field named `name` (case-insensitive), "" when absent.
    [[nodiscard]] std::string_view get(std::string_view name) const;
    /// Number of fields named `name` (e.g. Received:, for loop detection, RFC 5321 6.3).
    [[nodiscard]] std::size_t count(std::string_view name) const;
};

/// Parses the header block of `text` (LF or CRLF line ends) up to the first empty line.
[[nodiscard]] Header parse_header(std::string_view text, const HeaderLimits& limits = {});

/// RFC 5322 3.3 date-time, e.g. "Tue, 1 Dec 2026 21:47:51 +0000", for `t` at a zone offset
/// of `utc_offset_seconds` east of UTC.
[[nodiscard]] std::string format_date(std::time_t t, long utc_offset_seconds);
/// The same in the local time zone (the form Postfix and Dovecot write).
[[nodiscard]] std::string format_date_local(std::time_t t);

/// The RFC 5321 4.4 / RFC 3848 "with" protocol name: SMTP, ESMTP, ESMTPS, ESMTPA, ESMTPSA, or
/// with SMTPUTF8 (RFC 6531 3.7.3) UTF8SMTP, UTF8SMTPS, UTF8SMTPA, UTF8SMTPSA.
[[nodiscard]] std::string_view received_protocol(bool ehlo, bool tls, bool authenticated, bool utf8 = false);

/// What a Received: field says about one hop (RFC 5321 4.4).
struct ReceivedInfo {
    std::string_view helo{};              ///< the client's HELO/EHLO argument
    std::string_view client_host{};       ///< its verified reverse name, or "" when unknown
    std::string_view client_address{};    ///< "192.0.2.1" or "2001:db8::1" (written as an address literal)
    std::string_view by{};                ///< our host name
    std::string_view protocol = "ESMTP";  ///< see received_protocol()
    std::string_view id{};                ///< our id for the message (queue id)
    std::string_view for_recipient{};     ///< the recipient when there is exactly one, else ""
    std::time_t time = 0;
};

/// A complete Received: field, folded, ending in CRLF:
/// "Received: from crepes.fr (mail.crepes.fr [192.0.2.1])\r\n\tby hamburger.edu with ESMTP id X\r\n
/// \tfor <bob@hamburger.edu>; Tue, 1 Dec 2026 21:47:51 +0000\r\n". Control characters and
/// spaces in client-supplied parts are replaced, so the field cannot be split or forged.
[[nodiscard]] std::string received_field(const ReceivedInfo& info);
/// "Return-Path: <alice@crepes.fr>\r\n" (RFC 5322 3.6.7); an empty sender gives "<>".
[[nodiscard]] std::string return_path_field(std::string_view sender);
/// "Delivered-To: bob@hamburger.edu\r\n" (as Postfix's local delivery writes it, for loop detection).
[[nodiscard]] std::string delivered_to_field(std::string_view recipient);

}  // namespace mail
