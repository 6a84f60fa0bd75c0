// The memory store's peer records and the array that holds them: 8 bytes per IPv4 peer,
// 20 per IPv6 peer, in a malloc'd block grown by an eighth into the whole allocator chunk.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <new>
#include <utility>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include "tracker/types.hpp"

namespace tracker::store {

// `meta`: the low 13 bits are the time of the last announce in ticks (modulo 8192), the top
// three are flags.
constexpr std::uint16_t kStampBits = 13;
constexpr std::uint16_t kStampMask = (1u << kStampBits) - 1;
constexpr std::uint16_t kSeeder = 1u << 13;
constexpr std::uint16_t kCounted = 1u << 14;  // its "completed" was already counted
constexpr std::uint16_t kHasId = 1u << 15;    // its peer_id is in the shard's side table

/// An IPv4 peer: address and port (the identity), stamp and flags.
struct Peer4 {
    std::uint8_t ip[4];
    std::uint16_t port;
    std::uint16_t meta;
};
static_assert(sizeof(Peer4) == 8);

/// An IPv6 peer.
struct Peer6 {
    std::uint8_t ip[16];
    std::uint16_t port;
    std::uint16_t meta;
};
static_assert(sizeof(Peer6) == 20);

template <class P>
constexpr std::size_t ip_len = sizeof(P::ip);

/// Orders records by (address, port), the key the arrays are sorted on.
template <class P>
int compare_key(const P& p, const PeerEndpoint& e) {
    if (int c = std::memcmp(p.ip, e.ip.data(), ip_len<P>)) return c;
    return p.port < e.port ? -1 : (p.port > e.port ? 1 : 0);
}

template <class P>
PeerEndpoint endpoint_of(const P& p) {
    PeerEndpoint e;
    std::memcpy(e.ip.data(), p.ip, ip_len<P>);
    e.port = p.port;
    e.v6 = ip_len<P> == 16;
    return e;
}

/// A sorted array of trivially copyable records in one malloc'd block: 16 bytes of header
/// (a std::vector takes 24), capacity that fills the allocator's chunk, growth by an eighth
/// (at least two records) so that small swarms carry little slack. Throws std::bad_alloc.
template <class P>
class PeerArray {
public:
    PeerArray() = default;
    PeerArray(PeerArray&& o) noexcept
        : data_(std::exchange(o.data_, nullptr)), size_(std::exchange(o.size_, 0)), cap_(std::exchange(o.cap_, 0)) {}
    PeerArray& operator=(PeerArray&& o) noexcept {
        if (this != &o) {
            std::free(data_);
            data_ = std::exchange(o.data_, nullptr);
            size_ = std::exchange(o.size_, 0);
            cap_ = std::exchange(o.cap_, 0);
        }
        return *this;
    }
    PeerArray(const PeerArray&) = delete;
    PeerArray& operator=(const PeerArray&) = delete;
    ~PeerArray() { std::free(data_); }

    [[nodiscard]] std::uint32_t size() const { return size_; }
    [[nodiscard]] std::uint32_t capacity() const { return cap_; }
    [[nodiscard]] P* begin() { return data_; }
    [[nodiscard]] P* end() { return data_ + size_; }
    [[nodiscard]] const P* begin() const { return data_; }
    [[nodiscard]] const P* end() const { return data_ + size_; }
    [[nodiscard]] P& operator[](std::size_t i) { return data_[i]; }
    [[nodiscard]] const P& operator[](std::size_t i) const { return data_[i]; }

    /// Inserts `p` before index `at`; returns the new record.
    P& insert(std::uint32_t at, const P& p) {
        if (size_ == cap_) resize(size_ + std::max<std::uint32_t>(2, size_ / 8));
        std::memmove(data_ + at + 1, data_ + at, (size_ - at) * sizeof(P));
        data_[at] = p;
        ++size_;
        return data_[at];
    }
    void erase(std::uint32_t at) {
        std::memmove(data_ + at, data_ + at + 1, (size_ - at - 1) * sizeof(P));
        --size_;
    }
    /// Keeps the records for which `keep` is true, in order; returns how many were dropped.
    template <class F>
    std::uint32_t retain(F keep) {
        std::uint32_t out = 0;
        for (std::uint32_t i = 0; i < size_; ++i) {
            if (keep(data_[i])) data_[out++] = data_[i];
        }
        std::uint32_t dropped = size_ - out;
        size_ = out;
        return dropped;
    }
    /// Gives back memory when at most four fifths of the capacity is used (after expiry).
    void shrink() {
        if (size_ == 0) {
            std::free(std::exchange(data_, nullptr));
            cap_ = 0;
        } else if (cap_ > size_ + size_ / 4 + 2) {
            resize(size_);
        }
    }

private:
    void resize(std::uint32_t want) {
        void* n = std::realloc(data_, std::size_t{want} * sizeof(P));
        if (!n) throw std::bad_alloc();
        data_ = static_cast<P*>(n);
#if defined(__GLIBC__)
        // The chunk is rounded up to 16 bytes anyway: use all of it.
        want = static_cast<std::uint32_t>(malloc_usable_size(n) / sizeof(P));
#endif
        cap_ = want;
    }

    P* data_ = nullptr;
    std::uint32_t size_ = 0;
    std::uint32_t cap_ = 0;
};

}  // namespace tracker::store
