// Helpers shared by the tracker's unit tests.
#pragma once

#include <cstdint>
#include <string>

#include "tracker/types.hpp"

namespace tracker::test {

/// A hash of twenty `b` bytes.
inline Hash20 filled(std::uint8_t b) {
    Hash20 h;
    h.fill(b);
    return h;
}

/// A hash of sixteen `b` bytes followed by `i` (big-endian).
inline Hash20 hash(std::uint8_t b, std::uint32_t i = 0) {
    Hash20 h;
    h.fill(b);
    h[16] = static_cast<std::uint8_t>(i >> 24);
    h[17] = static_cast<std::uint8_t>(i >> 16);
    h[18] = static_cast<std::uint8_t>(i >> 8);
    h[19] = static_cast<std::uint8_t>(i);
    return h;
}

inline PeerEndpoint v4(std::uint8_t last, std::uint16_t port, std::uint8_t third = 0) {
    return PeerEndpoint::v4_from({10, 0, third, last}, port);
}

inline PeerEndpoint v6(std::uint8_t last, std::uint16_t port) {
    std::array<std::uint8_t, 16> a{0x20, 0x01, 0x0d, 0xb8};
    a[15] = last;
    return PeerEndpoint::v6_from(a, port);
}

inline std::string raw(const Hash20& h) { return std::string(as_bytes(h)); }

}  // namespace tracker::test
