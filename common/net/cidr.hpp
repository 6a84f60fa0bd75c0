// Address access lists: addresses, CIDR ranges and "any", parsed once from configuration and
// matched against a peer's address on the hot path (AXFR, relay networks, allow lists).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/ip/address.hpp>

namespace net {

/// One range in the IPv6 address space, where IPv4 is ::ffff:0:0/96 (RFC 4291 2.5.5.2): so
/// "10.0.0.0/8" is ::ffff:10.0.0.0/104 and an IPv4-mapped IPv6 peer matches IPv4 ranges.
struct Cidr {
    std::array<std::uint8_t, 16> network{};  ///< host bits zero
    unsigned prefix = 0;                     ///< 0..128, in the IPv6 space

    /// "192.0.2.1", "10.0.0.0/8", "2001:db8::/32" or "any" (every address). Returns nullopt
    /// and sets `error` ("`10.0.0.0/33` is not an address, ...: ...") when malformed, when the
    /// prefix is too long for the family, or when host bits are set ("10.0.0.1/8").
    [[nodiscard]] static std::optional<Cidr> parse(std::string_view text, std::string& error);

    /// Whether `a` is inside the range (no allocation, no text).
    [[nodiscard]] bool contains(const boost::asio::ip::address& a) const;
    /// The same for an address already in 16-octet form (IPv4 mapped).
    [[nodiscard]] bool contains(const std::array<std::uint8_t, 16>& a) const;
    /// "10.0.0.0/8", "2001:db8::/32", "any"; a single address without a prefix.
    [[nodiscard]] std::string to_string() const;
};

/// The 16-octet form of an address: IPv6 as is, IPv4 as ::ffff:a.b.c.d.
[[nodiscard]] std::array<std::uint8_t, 16> address_bytes(const boost::asio::ip::address& a);

/// A list of ranges; an address is in it if any range contains it. Empty: nobody.
class CidrList {
public:
    CidrList() = default;

    /// Parses every entry. Returns nullopt and sets `error` naming the first bad entry (see
    /// Cidr::parse); callers prefix the setting, e.g. "axfr_allow: ".
    [[nodiscard]] static std::optional<CidrList> parse(const std::vector<std::string>& entries, std::string& error);

    [[nodiscard]] bool contains(const boost::asio::ip::address& a) const;
    [[nodiscard]] bool empty() const { return ranges_.empty(); }
    [[nodiscard]] const std::vector<Cidr>& ranges() const { return ranges_; }
    /// The ranges in canonical form, comma separated (for logs).
    [[nodiscard]] std::string to_string() const;

    void add(const Cidr& c) { ranges_.push_back(c); }

private:
    std::vector<Cidr> ranges_;
};

}  // namespace net
