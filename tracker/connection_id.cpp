#include "tracker/connection_id.hpp"

#include <sys/random.h>

#include <algorithm>
#include <bit>
#include <cstring>
#include <stdexcept>

namespace tracker {
namespace {

std::uint64_t load_le64(const std::uint8_t* p) {
    std::uint64_t v = 0;
    for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
    return v;
}

struct SipState {
    std::uint64_t v0, v1, v2, v3;
    void round() {
        v0 += v1;
        v1 = std::rotl(v1, 13);
        v1 ^= v0;
        v0 = std::rotl(v0, 32);
        v2 += v3;
        v3 = std::rotl(v3, 16);
        v3 ^= v2;
        v0 += v3;
        v3 = std::rotl(v3, 21);
        v3 ^= v0;
        v2 += v1;
        v1 = std::rotl(v1, 17);
        v1 ^= v2;
        v2 = std::rotl(v2, 32);
    }
    void absorb(std::uint64_t m) {
        v3 ^= m;
        round();
        round();
        v0 ^= m;
    }
};

}  // namespace

// Written here rather than through OpenSSL's EVP_MAC: a UDP exchange hashes one short
// message, and the EVP dispatch costs more than the hash itself.
std::uint64_t siphash24(const std::array<std::uint8_t, 16>& key, std::string_view data) {
    const std::uint64_t k0 = load_le64(key.data()), k1 = load_le64(key.data() + 8);
    SipState s{k0 ^ 0x736f6d6570736575ULL, k1 ^ 0x646f72616e646f6dULL, k0 ^ 0x6c7967656e657261ULL,
               k1 ^ 0x7465646279746573ULL};
    const auto* p = reinterpret_cast<const std::uint8_t*>(data.data());
    const std::size_t n = data.size();
    std::size_t i = 0;
    for (; i + 8 <= n; i += 8) s.absorb(load_le64(p + i));
    // Last block: the remaining bytes and the message length in the top byte.
    std::uint8_t tail[8] = {};
    std::memcpy(tail, p + i, n - i);
    tail[7] = static_cast<std::uint8_t>(n);
    s.absorb(load_le64(tail));
    s.v2 ^= 0xff;
    for (int r = 0; r < 4; ++r) s.round();
    return s.v0 ^ s.v1 ^ s.v2 ^ s.v3;
}

ConnectionIds::ConnectionIds() {
    if (getrandom(key_.data(), key_.size(), 0) != static_cast<ssize_t>(key_.size())) {
        throw std::runtime_error("getrandom failed: cannot key connection ids");
    }
}

ConnectionIds::ConnectionIds(const std::array<std::uint8_t, 16>& key) : key_(key) {}

std::uint64_t ConnectionIds::mac(std::string_view address, std::uint64_t window) const {
    char msg[8 + 16];
    std::memcpy(msg, &window, 8);
    const std::size_t n = std::min<std::size_t>(address.size(), 16);
    std::memcpy(msg + 8, address.data(), n);
    std::uint64_t v = siphash24(key_, {msg, 8 + n});
    // The protocol id is the connect request's magic: never hand it out as an id.
    return v == 0x41727101980ULL ? v + 1 : v;
}

std::uint64_t ConnectionIds::issue(std::string_view address, std::uint64_t now) const {
    return mac(address, now / kWindowSeconds);
}

bool ConnectionIds::valid(std::uint64_t id, std::string_view address, std::uint64_t now) const {
    const std::uint64_t w = now / kWindowSeconds;
    if (id == mac(address, w)) return true;
    return w > 0 && id == mac(address, w - 1);
}

}  // namespace tracker
