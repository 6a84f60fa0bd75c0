// RR types, classes, opcodes and rcodes (IANA DNS parameters) and their mnemonics.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace dns {

namespace type {
inline constexpr std::uint16_t A = 1, NS = 2, CNAME = 5, SOA = 6, PTR = 12, HINFO = 13, MX = 15, TXT = 16, AAAA = 28,
                               SRV = 33, OPT = 41, DS = 43, RRSIG = 46, NSEC = 47, DNSKEY = 48, IXFR = 251, AXFR = 252,
                               MAILB = 253, MAILA = 254, ANY = 255, CAA = 257;
}
namespace klass {
inline constexpr std::uint16_t IN = 1, CH = 3, HS = 4, NONE = 254, ANY = 255;
}
namespace opcode {
inline constexpr std::uint8_t QUERY = 0, IQUERY = 1, STATUS = 2, NOTIFY = 4, UPDATE = 5;
}
namespace rcode {
inline constexpr std::uint16_t NOERROR = 0, FORMERR = 1, SERVFAIL = 2, NXDOMAIN = 3, NOTIMP = 4, REFUSED = 5,
                               NOTAUTH = 9, BADVERS = 16;
}

/// "A", "MX", ... or "TYPE65280" (RFC 3597 5).
[[nodiscard]] std::string type_to_string(std::uint16_t t);
/// Accepts mnemonics (case-insensitive) and "TYPEnnn"; nullopt otherwise.
[[nodiscard]] std::optional<std::uint16_t> type_from_string(std::string_view s);
/// "IN", "CH", ... or "CLASSnnn".
[[nodiscard]] std::string class_to_string(std::uint16_t c);
[[nodiscard]] std::optional<std::uint16_t> class_from_string(std::string_view s);
/// "NOERROR", "NXDOMAIN", ... or "RCODEnn".
[[nodiscard]] std::string rcode_to_string(std::uint16_t r);
/// Meta-types and QTYPE-only values (RFC 6895 3.1): never stored in a zone.
[[nodiscard]] constexpr bool is_meta_type(std::uint16_t t) { return t == type::OPT || (t >= 128 && t <= 255); }

}  // namespace dns
