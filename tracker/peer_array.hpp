// The memory store's peer records and the array that holds them: 8 bytes per IPv4 peer,
// 20 per IPv6 peer, in a malloc'd block grown by an eighth into the whole allocator chunk.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <new>
#include <type_traits>
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

/// No head: the block holds records only.
struct NoHead {
    [[nodiscard]] bool zero() const { return true; }
};

/// A sorted array of trivially copyable records in one malloc'd block, optionally after a
/// trivially copyable `Head` (a torrent keeps its counters there): 16 bytes in the owner
/// (a std::vector takes 24), capacity that fills the allocator's chunk, growth by an eighth
/// (at least two records) so that small swarms carry little slack. Throws std::bad_alloc.
template <class P, class Head = NoHead>
class PeerArray {
    static constexpr std::size_t kOffset =
        std::is_empty_v<Head> ? 0 : (sizeof(Head) + alignof(P) - 1) / alignof(P) * alignof(P);

public:
    PeerArray() = default;
    PeerArray(PeerArray&& o) noexcept
        : block_(std::exchange(o.block_, nullptr)), size_(std::exchange(o.size_, 0)), cap_(std::exchange(o.cap_, 0)) {}
    PeerArray& operator=(PeerArray&& o) noexcept {
        if (this != &o) {
            std::free(block_);
            block_ = std::exchange(o.block_, nullptr);
            size_ = std::exchange(o.size_, 0);
            cap_ = std::exchange(o.cap_, 0);
        }
        return *this;
    }
    PeerArray(const PeerArray&) = delete;
    PeerArray& operator=(const PeerArray&) = delete;
    ~PeerArray() { std::free(block_); }

    [[nodiscard]] std::uint32_t size() const { return size_; }
    [[nodiscard]] std::uint32_t capacity() const { return cap_; }
    [[nodiscard]] P* begin() { return data(); }
    [[nodiscard]] P* end() { return data() + size_; }
    [[nodiscard]] const P* begin() const { return data(); }
    [[nodiscard]] const P* end() const { return data() + size_; }
    [[nodiscard]] P& operator[](std::size_t i) { return data()[i]; }
    [[nodiscard]] const P& operator[](std::size_t i) const { return data()[i]; }

    /// The head (all zero while there is no block).
    [[nodiscard]] Head head() const { return block_ ? *reinterpret_cast<const Head*>(block_) : Head{}; }
    /// The head, for changing it: allocates the block if there is none.
    [[nodiscard]] Head& head_mut() {
        if (!block_) resize(0);
        return *reinterpret_cast<Head*>(block_);
    }

    /// Inserts `p` before index `at`; returns the new record.
    P& insert(std::uint32_t at, const P& p) {
        if (size_ == cap_) resize(size_ + std::max<std::uint32_t>(2, size_ / 8));
        P* d = data();
        std::memmove(d + at + 1, d + at, (size_ - at) * sizeof(P));
        d[at] = p;
        ++size_;
        return d[at];
    }
    void erase(std::uint32_t at) {
        P* d = data();
        std::memmove(d + at, d + at + 1, (size_ - at - 1) * sizeof(P));
        --size_;
    }
    /// Keeps the records for which `keep` is true, in order; returns how many were dropped.
    template <class F>
    std::uint32_t retain(F keep) {
        P* d = data();
        std::uint32_t out = 0;
        for (std::uint32_t i = 0; i < size_; ++i) {
            if (keep(d[i])) d[out++] = d[i];
        }
        std::uint32_t dropped = size_ - out;
        size_ = out;
        return dropped;
    }
    /// Gives back memory when at most four fifths of the capacity is used (after expiry);
    /// frees the block when it holds no record and an all-zero head.
    void shrink() {
        if (size_ == 0 && head().zero()) {
            std::free(std::exchange(block_, nullptr));
            cap_ = 0;
        } else if (cap_ > size_ + size_ / 4 + 2) {
            resize(size_);
        }
    }

private:
    [[nodiscard]] P* data() const { return block_ ? reinterpret_cast<P*>(block_ + kOffset) : nullptr; }

    void resize(std::uint32_t want) {
        const bool fresh = block_ == nullptr;
        void* n = std::realloc(block_, kOffset + std::size_t{want} * sizeof(P));
        if (!n) throw std::bad_alloc();
        block_ = static_cast<std::byte*>(n);
        if (fresh && kOffset) ::new (block_) Head{};
        std::size_t bytes = kOffset + std::size_t{want} * sizeof(P);
#if defined(__GLIBC__)
        // The chunk is rounded up to 16 bytes anyway: use all of it.
        bytes = malloc_usable_size(n);
#endif
        cap_ = static_cast<std::uint32_t>((bytes - kOffset) / sizeof(P));
    }

    std::byte* block_ = nullptr;
    std::uint32_t size_ = 0;
    std::uint32_t cap_ = 0;
};

}  // namespace tracker::store
