// Value types shared by the tracker's pure parts: hashes, peer ids, peer endpoints.
#pragma once

#include <array>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>

namespace tracker {

/// A 20-byte SHA-1 info_hash or a 20-byte peer_id.
using Hash20 = std::array<std::uint8_t, 20>;
using InfoHash = Hash20;
using PeerId = Hash20;

/// Copies exactly 20 bytes; nullopt if `s` is not exactly 20 bytes long.
[[nodiscard]] std::optional<Hash20> hash20_from_bytes(std::string_view s);
/// Parses 40 hex digits (either case); nullopt otherwise.
[[nodiscard]] std::optional<Hash20> hash20_from_hex(std::string_view s);
/// Lower-case hex.
[[nodiscard]] std::string to_hex(const Hash20& h);
[[nodiscard]] inline std::string_view as_bytes(const Hash20& h) {
    return {reinterpret_cast<const char*>(h.data()), h.size()};
}

/// An IPv4 or IPv6 address and port, without any socket library.
/// IPv4 lives in the first 4 bytes of `ip`; the rest is zero.
struct PeerEndpoint {
    std::array<std::uint8_t, 16> ip{};
    std::uint16_t port = 0;
    bool v6 = false;

    [[nodiscard]] static PeerEndpoint v4_from(std::array<std::uint8_t, 4> a, std::uint16_t port);
    [[nodiscard]] static PeerEndpoint v6_from(std::array<std::uint8_t, 16> a, std::uint16_t port);
    /// Address bytes: 4 for IPv4, 16 for IPv6.
    [[nodiscard]] std::string_view address_bytes() const {
        return {reinterpret_cast<const char*>(ip.data()), v6 ? 16u : 4u};
    }
    /// "1.2.3.4" or "2001:db8::1" (no port).
    [[nodiscard]] std::string address_text() const;
    bool operator==(const PeerEndpoint&) const = default;
};

/// Parses a numeric IPv4 or IPv6 address (no brackets, no port); nullopt otherwise.
[[nodiscard]] std::optional<PeerEndpoint> parse_ip(std::string_view text, std::uint16_t port);

}  // namespace tracker
