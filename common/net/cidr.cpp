#include "net/cidr.hpp"

#include <arpa/inet.h>

#include <charconv>
#include <cstring>

namespace net {
namespace {

constexpr unsigned v4_offset = 96;  // IPv4 sits in the last 32 bits of ::ffff:0:0/96

bool is_v4_mapped(const std::array<std::uint8_t, 16>& b, unsigned prefix) {
    if (prefix < v4_offset) return false;
    for (int i = 0; i < 10; ++i)
        if (b[static_cast<std::size_t>(i)] != 0) return false;
    return b[10] == 0xff && b[11] == 0xff;
}

// Whether the first `prefix` bits of `a` and `b` agree.
bool same_prefix(const std::array<std::uint8_t, 16>& a, const std::array<std::uint8_t, 16>& b, unsigned prefix) {
    std::size_t whole = prefix / 8;
    if (std::memcmp(a.data(), b.data(), whole) != 0) return false;
    unsigned rest = prefix % 8;
    if (rest == 0) return true;
    auto mask = static_cast<std::uint8_t>(0xFF00u >> rest);
    return (a[whole] & mask) == (b[whole] & mask);
}

std::array<std::uint8_t, 16> masked(std::array<std::uint8_t, 16> b, unsigned prefix) {
    for (unsigned bit = prefix; bit < 128; ++bit) b[bit / 8] &= static_cast<std::uint8_t>(~(0x80u >> (bit % 8)));
    return b;
}

std::string bad(std::string_view text, std::string_view why) {
    std::string s = "`";
    s.append(text).append("` is not an address, a CIDR range or \"any\"");
    if (!why.empty()) s.append(": ").append(why);
    return s;
}

}  // namespace

std::array<std::uint8_t, 16> address_bytes(const boost::asio::ip::address& a) {
    std::array<std::uint8_t, 16> out{};
    if (a.is_v4()) {
        auto v4 = a.to_v4().to_bytes();
        out[10] = out[11] = 0xff;
        std::memcpy(out.data() + 12, v4.data(), 4);
    } else {
        auto v6 = a.to_v6().to_bytes();
        std::memcpy(out.data(), v6.data(), 16);
    }
    return out;
}

std::optional<Cidr> Cidr::parse(std::string_view text, std::string& error) {
    if (text == "any") return Cidr{};
    std::string_view host = text;
    std::optional<unsigned> prefix;
    if (auto slash = text.find('/'); slash != std::string_view::npos) {
        host = text.substr(0, slash);
        auto digits = text.substr(slash + 1);
        unsigned v = 0;
        auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v);
        if (digits.empty() || digits.size() > 3 || ec != std::errc() || p != digits.data() + digits.size()) {
            error = bad(text, "the prefix length must be a number");
            return std::nullopt;
        }
        prefix = v;
    }
    char buf[INET6_ADDRSTRLEN + 1];
    if (host.empty() || host.size() >= sizeof buf) {
        error = bad(text, "");
        return std::nullopt;
    }
    std::memcpy(buf, host.data(), host.size());
    buf[host.size()] = '\0';
    Cidr c;
    if (inet_pton(AF_INET, buf, c.network.data() + 12) == 1) {
        c.network[10] = c.network[11] = 0xff;
        if (prefix && *prefix > 32) {
            error = bad(text, "an IPv4 prefix is at most /32");
            return std::nullopt;
        }
        c.prefix = v4_offset + prefix.value_or(32);
    } else if (inet_pton(AF_INET6, buf, c.network.data()) == 1) {
        if (prefix && *prefix > 128) {
            error = bad(text, "an IPv6 prefix is at most /128");
            return std::nullopt;
        }
        c.prefix = prefix.value_or(128);
    } else {
        error = bad(text, "");
        return std::nullopt;
    }
    // A range with host bits set is usually a typo for a single address or another prefix
    // (Postfix refuses "10.0.0.1/8" in mynetworks for the same reason).
    if (auto net = masked(c.network, c.prefix); net != c.network) {
        c.network = net;
        error = bad(text, "host bits are set (the range is " + c.to_string() + ")");
        return std::nullopt;
    }
    return c;
}

bool Cidr::contains(const std::array<std::uint8_t, 16>& a) const { return same_prefix(network, a, prefix); }

bool Cidr::contains(const boost::asio::ip::address& a) const { return contains(address_bytes(a)); }

std::string Cidr::to_string() const {
    if (prefix == 0) return "any";
    char buf[INET6_ADDRSTRLEN];
    if (is_v4_mapped(network, prefix)) {
        if (inet_ntop(AF_INET, network.data() + 12, buf, sizeof buf) == nullptr) return "?";
        return prefix == 128 ? std::string(buf) : std::string(buf) + "/" + std::to_string(prefix - v4_offset);
    }
    if (inet_ntop(AF_INET6, network.data(), buf, sizeof buf) == nullptr) return "?";
    return prefix == 128 ? std::string(buf) : std::string(buf) + "/" + std::to_string(prefix);
}

std::optional<CidrList> CidrList::parse(const std::vector<std::string>& entries, std::string& error) {
    CidrList list;
    for (const auto& e : entries) {
        auto c = Cidr::parse(e, error);
        if (!c) return std::nullopt;
        list.add(*c);
    }
    return list;
}

bool CidrList::contains(const boost::asio::ip::address& a) const {
    if (ranges_.empty()) return false;
    auto bytes = address_bytes(a);
    for (const auto& r : ranges_)
        if (r.contains(bytes)) return true;
    return false;
}

std::string CidrList::to_string() const {
    std::string s;
    for (const auto& r : ranges_) {
        if (!s.empty()) s += ", ";
        s += r.to_string();
    }
    return s;
}

}  // namespace net
