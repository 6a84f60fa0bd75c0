#include "tracker/types.hpp"

#include <arpa/inet.h>

#include "http/text.hpp"

namespace tracker {

std::optional<Hash20> hash20_from_bytes(std::string_view s) {
    if (s.size() != 20) return std::nullopt;
    Hash20 h;
    std::memcpy(h.data(), s.data(), 20);
    return h;
}

std::optional<Hash20> hash20_from_hex(std::string_view s) {
    if (s.size() != 40) return std::nullopt;
    Hash20 h;
    for (std::size_t i = 0; i < 20; ++i) {
        int hi = http::hex_value(s[2 * i]), lo = http::hex_value(s[2 * i + 1]);
        if (hi < 0 || lo < 0) return std::nullopt;
        h[i] = static_cast<std::uint8_t>(hi * 16 + lo);
    }
    return h;
}

std::string to_hex(const Hash20& h) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string out(40, '0');
    for (std::size_t i = 0; i < 20; ++i) {
        out[2 * i] = digits[h[i] >> 4];
        out[2 * i + 1] = digits[h[i] & 15];
    }
    return out;
}

PeerEndpoint PeerEndpoint::v4_from(std::array<std::uint8_t, 4> a, std::uint16_t port) {
    PeerEndpoint e;
    std::memcpy(e.ip.data(), a.data(), 4);
    e.port = port;
    return e;
}

PeerEndpoint PeerEndpoint::v6_from(std::array<std::uint8_t, 16> a, std::uint16_t port) {
    PeerEndpoint e;
    e.ip = a;
    e.port = port;
    e.v6 = true;
    return e;
}

std::string PeerEndpoint::address_text() const {
    char buf[INET6_ADDRSTRLEN] = {};
    inet_ntop(v6 ? AF_INET6 : AF_INET, ip.data(), buf, sizeof buf);
    return buf;
}

std::optional<PeerEndpoint> parse_ip(std::string_view text, std::uint16_t port) {
    // inet_pton stops at a NUL: "1.2.3.4%00junk" must not pass as 1.2.3.4.
    if (text.empty() || text.size() >= INET6_ADDRSTRLEN || text.find('\0') != std::string_view::npos) {
        return std::nullopt;
    }
    std::string s(text);
    std::array<std::uint8_t, 16> b{};
    if (inet_pton(AF_INET, s.c_str(), b.data()) == 1) {
        return PeerEndpoint::v4_from({b[0], b[1], b[2], b[3]}, port);
    }
    if (inet_pton(AF_INET6, s.c_str(), b.data()) == 1) {
        // An IPv4-mapped IPv6 address is an IPv4 peer (dual-stack sockets report them).
        static constexpr std::uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
        if (std::memcmp(b.data(), mapped, 12) == 0) return PeerEndpoint::v4_from({b[12], b[13], b[14], b[15]}, port);
        return PeerEndpoint::v6_from(b, port);
    }
    return std::nullopt;
}

}  // namespace tracker
