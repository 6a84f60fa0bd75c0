#include "tracker/memory_swarm.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <memory>
#include <mutex>
#include <numeric>
#include <random>

#include <boost/unordered/unordered_flat_map.hpp>

#include "tracker/peer_array.hpp"

namespace tracker {
namespace {

// Peers are identified by address and port (as opentracker does), not by peer_id: the
// address is what the tracker has verified, and a peer_id handed out in a dictionary reply
// must not let anyone else replace or stop that peer. The records are in peer_array.hpp.
using store::compare_key;
using store::endpoint_of;
using store::ip_len;
using store::kCounted;
using store::kHasId;
using store::kSeeder;
using store::kStampMask;
using store::Peer4;
using store::Peer6;
using store::PeerArray;

// A torrent's counters, kept at the head of its IPv4 block (which also exists, empty, for a
// torrent with only IPv6 peers): the map's slot then holds 24 bytes besides the key, not 32.
struct TorrentHead {
    std::uint32_t seeders = 0;
    std::uint32_t downloaded = 0;
    [[nodiscard]] bool zero() const { return seeders == 0 && downloaded == 0; }
};

struct Torrent {
    PeerArray<Peer4, TorrentHead> v4;      // sorted by (ip, port), after the counters
    std::unique_ptr<PeerArray<Peer6>> v6;  // most torrents never see an IPv6 peer: 8 bytes, not 16

    [[nodiscard]] std::size_t size() const { return v4.size() + (v6 ? v6->size() : 0); }
    [[nodiscard]] SwarmCounts counts() const {
        const TorrentHead h = v4.head();
        return {h.seeders, static_cast<std::uint32_t>(size() - h.seeders), h.downloaded};
    }
};
static_assert(sizeof(Torrent) == 24);

// A peer in the side table of peer_ids: its torrent and its address.
struct IdKey {
    InfoHash ih{};
    std::array<std::uint8_t, 16> ip{};
    std::uint16_t port = 0;
    bool v6 = false;
    bool operator==(const IdKey&) const = default;
};

template <class P>
IdKey id_key(const InfoHash& ih, const P& p) {
    IdKey k;
    k.ih = ih;
    std::memcpy(k.ip.data(), p.ip, ip_len<P>);
    k.port = p.port;
    k.v6 = ip_len<P> == 16;
    return k;
}

std::uint64_t fmix64(std::uint64_t k) {
    k ^= k >> 33;
    k *= 0xff51afd7ed558ccdULL;
    k ^= k >> 33;
    k *= 0xc4ceb9fe1a85ec53ULL;
    k ^= k >> 33;
    return k;
}

// Info_hashes are chosen by clients, so the map hash is keyed with a per-process secret:
// colliding keys cannot be computed without it (hash flooding in open mode).
struct SeededHash {
    std::uint64_t s0 = 0, s1 = 0, s2 = 0;
    std::size_t operator()(const InfoHash& h) const noexcept {
        std::uint64_t a, b;
        std::uint32_t c;
        std::memcpy(&a, h.data(), 8);
        std::memcpy(&b, h.data() + 8, 8);
        std::memcpy(&c, h.data() + 16, 4);
        std::uint64_t x = fmix64(a ^ s0);
        x = fmix64(x ^ b ^ s1);
        return fmix64(x ^ c ^ s2);
    }
};

struct SeededIdHash {
    SeededHash h;
    std::size_t operator()(const IdKey& k) const noexcept {
        std::uint64_t a, b;
        std::memcpy(&a, k.ip.data(), 8);
        std::memcpy(&b, k.ip.data() + 8, 8);
        return fmix64(h(k.ih) ^ fmix64(a ^ h.s1) ^ fmix64(b ^ k.port ^ (std::uint64_t{k.v6} << 16) ^ h.s2));
    }
};
using IdMap = boost::unordered_flat_map<IdKey, PeerId, SeededIdHash>;

// Per-thread generator for peer selection (xorshift64*; quality is ample for sampling).
std::uint64_t next_random() {
    thread_local std::uint64_t state = [] {
        std::random_device rd;
        std::uint64_t s = (std::uint64_t{rd()} << 32) ^ rd();
        return s ? s : 0x9e3779b97f4a7c15ULL;
    }();
    state ^= state >> 12;
    state ^= state << 25;
    state ^= state >> 27;
    return state * 0x2545f4914f6cdd1dULL;
}

// Walks `peers` from a random start with a random stride coprime to its size, so every
// peer is visited once and the chosen ones are spread over the whole swarm; skips the
// requester (`self`) and, for a seeding requester, other seeders. O(size) at worst.
// With `ids` (a dictionary reply that wants them), known peer_ids go along.
template <class P, class H>
void pick(const PeerArray<P, H>* peers, std::size_t self, bool skip_seeders, const IdMap* ids, const InfoHash& ih,
          std::uint32_t& want, std::vector<PeerOut>& out) {
    const std::size_t n = peers ? peers->size() : 0;
    if (n == 0 || want == 0) return;
    std::size_t start = next_random() % n;
    std::size_t stride = 1;
    if (n > 2) {
        for (int tries = 0; tries < 8; ++tries) {
            std::size_t s = 1 + next_random() % (n - 1);
            if (std::gcd(s, n) == 1) {
                stride = s;
                break;
            }
        }
    }
    std::size_t idx = start;
    for (std::size_t i = 0; i < n && want > 0; ++i) {
        const P& p = (*peers)[idx];
        if (idx != self && !(skip_seeders && (p.meta & kSeeder))) {
            PeerOut& o = out.emplace_back(PeerOut{endpoint_of(p), std::nullopt});
            if (ids && (p.meta & kHasId)) {
                if (auto f = ids->find(id_key(ih, p)); f != ids->end()) o.peer_id = f->second;
            }
            --want;
        }
        idx += stride;
        if (idx >= n) idx -= n;
    }
}

}  // namespace

struct alignas(64) MemorySwarmStore::Shard {
    mutable std::mutex mu;
    boost::unordered_flat_map<InfoHash, Torrent, SeededHash> map;
    IdMap ids;  // peer_ids of the peers whose last announce asked for compact=0
};

MemorySwarmStore::MemorySwarmStore(MemoryStoreOptions opts) : opts_(opts) {
    std::size_t n = std::bit_ceil(std::max(1u, opts_.shards));
    shards_ = std::make_unique<Shard[]>(n);
    shard_mask_ = n - 1;
    std::random_device rd;
    for (auto& s : seed_) s = (std::uint64_t{rd()} << 32) ^ rd();
    const SeededHash h{seed_[0], seed_[1], seed_[2]};
    for (std::size_t i = 0; i < n; ++i) {
        shards_[i].map = decltype(Shard::map)(0, h);
        shards_[i].ids = IdMap(0, SeededIdHash{h});
    }
    // The timeout in at most 1024 ticks: exact to the second up to 1024 s, and the 13-bit
    // stamp (8192 ticks) tells a stale peer from a fresh one for 4 timeouts.
    const std::uint64_t timeout = opts_.peer_timeout;
    tick_ = static_cast<std::uint32_t>(std::max<std::uint64_t>(1, (timeout + 1023) / 1024));
    timeout_ticks_ = static_cast<std::uint32_t>((timeout + tick_ - 1) / tick_);
}

MemorySwarmStore::~MemorySwarmStore() = default;

MemorySwarmStore::Shard& MemorySwarmStore::shard_for(const InfoHash& h, std::size_t& hash) const {
    hash = SeededHash{seed_[0], seed_[1], seed_[2]}(h);
    return shards_[(hash >> 48) & shard_mask_];
}

namespace {

// What an announce or a sweep touches besides the record itself.
struct Scope {
    Torrent& t;
    IdMap& ids;
    MemorySwarmStore::Counters& c;
    const InfoHash& ih;
};

// A record leaves the swarm: its seeder count and its side-table entry go with it.
template <class P>
void forget(const P& rec, Scope& s) {
    if (rec.meta & kSeeder) {
        --s.t.v4.head_mut().seeders;
        s.c.seeders.fetch_sub(1, std::memory_order_relaxed);
    }
    if (rec.meta & kHasId) s.ids.erase(id_key(s.ih, rec));
}

// The announce on one family's array: find or insert the requester, update it.
template <class P, class H>
AnnounceStatus upsert(PeerArray<P, H>& arr, Scope& s, const AnnounceParams& p, std::uint16_t stamp,
                      std::size_t max_peers, std::size_t& self) {
    std::atomic<std::size_t>& total = s.c.peers;
    const P* it = std::lower_bound(arr.begin(), arr.end(), p.peer,
                                   [](const P& a, const PeerEndpoint& e) { return compare_key(a, e) < 0; });
    const auto at = static_cast<std::uint32_t>(it - arr.begin());
    const bool found = at < arr.size() && compare_key(arr[at], p.peer) == 0;
    self = SIZE_MAX;
    if (p.event == Event::stopped) {
        if (found) {
            forget(arr[at], s);
            arr.erase(at);
            total.fetch_sub(1, std::memory_order_relaxed);
        }
        return AnnounceStatus::ok;
    }
    if (!found) {
        if (total.fetch_add(1, std::memory_order_relaxed) >= max_peers) {
            total.fetch_sub(1, std::memory_order_relaxed);
            return AnnounceStatus::peer_limit;
        }
        P rec{};
        std::memcpy(rec.ip, p.peer.ip.data(), ip_len<P>);
        rec.port = p.peer.port;
        try {
            (void)arr.insert(at, rec);
        } catch (...) {
            total.fetch_sub(1, std::memory_order_relaxed);
            throw;
        }
    }
    P& r = arr[at];
    auto flags = static_cast<std::uint16_t>(r.meta & ~kStampMask);
    const bool seeder = p.left && *p.left == 0;
    if (seeder != bool(flags & kSeeder)) {
        flags ^= kSeeder;
        if (seeder) ++s.t.v4.head_mut().seeders;
        else --s.t.v4.head_mut().seeders;
        if (seeder) s.c.seeders.fetch_add(1, std::memory_order_relaxed);
        else s.c.seeders.fetch_sub(1, std::memory_order_relaxed);
    }
    if (p.event == Event::completed && !(flags & kCounted)) {
        flags |= kCounted;
        ++s.t.v4.head_mut().downloaded;
        s.c.downloaded.fetch_add(1, std::memory_order_relaxed);
    }
    if (p.keep_peer_id) {
        s.ids.insert_or_assign(id_key(s.ih, r), p.peer_id);
        flags |= kHasId;
    } else if (flags & kHasId) {
        s.ids.erase(id_key(s.ih, r));
        flags &= static_cast<std::uint16_t>(~kHasId);
    }
    r.meta = static_cast<std::uint16_t>(flags | stamp);
    self = at;
    return AnnounceStatus::ok;
}

template <class P, class H, class Fresh>
std::size_t prune(PeerArray<P, H>& arr, Scope& s, Fresh fresh) {
    const std::uint32_t dropped = arr.retain([&](const P& r) {
        if (fresh(r.meta)) return true;
        forget(r, s);
        return false;
    });
    arr.shrink();
    return dropped;
}

}  // namespace

std::uint16_t MemorySwarmStore::stamp(std::uint32_t now) const {
    return static_cast<std::uint16_t>((now / tick_) & kStampMask);
}

AnnounceStatus MemorySwarmStore::announce(const AnnounceParams& p, std::uint32_t now, SwarmCounts& counts,
                                          std::vector<PeerOut>& peers) {
    std::size_t hash;
    Shard& s = shard_for(p.info_hash, hash);
    std::lock_guard lock(s.mu);
    auto it = s.map.find(p.info_hash);
    if (it == s.map.end()) {
        counts = {};
        if (p.event == Event::stopped) return AnnounceStatus::ok;
        if (torrents_.fetch_add(1, std::memory_order_relaxed) >= opts_.max_torrents) {
            torrents_.fetch_sub(1, std::memory_order_relaxed);
            return AnnounceStatus::torrent_limit;
        }
        it = s.map.emplace(p.info_hash, Torrent{}).first;
    }
    Torrent& t = it->second;
    Scope scope{t, s.ids, counters_, it->first};
    std::size_t self = SIZE_MAX;
    AnnounceStatus st = AnnounceStatus::ok;
    if (!p.peer.v6) {
        st = upsert(t.v4, scope, p, stamp(now), opts_.max_peers, self);
    } else if (t.v6 || p.event != Event::stopped) {
        if (!t.v6) t.v6 = std::make_unique<PeerArray<Peer6>>();
        st = upsert(*t.v6, scope, p, stamp(now), opts_.max_peers, self);
        if (t.v6->size() == 0) t.v6.reset();
    }
    if (st == AnnounceStatus::ok && p.event != Event::stopped) {
        const bool skip_seeders = p.left && *p.left == 0;
        const IdMap* ids = p.want_peer_ids && !s.ids.empty() ? &s.ids : nullptr;
        std::uint32_t want = p.numwant;
        // The requester's own family first; the other family (HTTP only) gets the rest.
        if (p.peer.v6) {
            pick(t.v6.get(), self, skip_seeders, ids, it->first, want, peers);
            if (p.both_families) pick(&t.v4, SIZE_MAX, skip_seeders, ids, it->first, want, peers);
        } else {
            pick(&t.v4, self, skip_seeders, ids, it->first, want, peers);
            if (p.both_families) pick(t.v6.get(), SIZE_MAX, skip_seeders, ids, it->first, want, peers);
        }
    }
    counts = t.counts();
    if (t.size() == 0 && !opts_.keep_empty_torrents && t.v4.head().downloaded == 0) {
        s.map.erase(it);
        torrents_.fetch_sub(1, std::memory_order_relaxed);
    }
    return st;
}

std::optional<SwarmCounts> MemorySwarmStore::scrape(const InfoHash& h) const {
    std::size_t hash;
    Shard& s = shard_for(h, hash);
    std::lock_guard lock(s.mu);
    auto it = s.map.find(h);
    if (it == s.map.end()) return std::nullopt;
    return it->second.counts();
}

std::size_t MemorySwarmStore::expire(std::uint32_t now) {
    // Ages are taken modulo the stamp's range; one in the upper half is a stamp from the
    // future (a caller's clock that went back), kept as the 32-bit times were.
    const std::uint16_t now_ticks = stamp(now);
    auto fresh = [&](std::uint16_t meta) {
        const auto age = static_cast<std::uint16_t>((now_ticks - (meta & kStampMask)) & kStampMask);
        return age <= timeout_ticks_ || age > kStampMask / 2;
    };
    std::size_t removed = 0;
    for (std::size_t i = 0; i <= shard_mask_; ++i) {
        Shard& s = shards_[i];
        std::lock_guard lock(s.mu);
        std::size_t dropped_torrents = boost::unordered::erase_if(s.map, [&](auto& kv) {
            Torrent& t = kv.second;
            Scope scope{t, s.ids, counters_, kv.first};
            if (t.v6) {
                removed += prune(*t.v6, scope, fresh);
                if (t.v6->size() == 0) t.v6.reset();
            }
            removed += prune(t.v4, scope, fresh);  // last: its block frees once the counters are zero
            return t.size() == 0 && !opts_.keep_empty_torrents;
        });
        torrents_.fetch_sub(dropped_torrents, std::memory_order_relaxed);
    }
    counters_.peers.fetch_sub(removed, std::memory_order_relaxed);
    return removed;
}

std::size_t MemorySwarmStore::peer_ids_kept() const {
    std::size_t n = 0;
    for (std::size_t i = 0; i <= shard_mask_; ++i) {
        std::lock_guard lock(shards_[i].mu);
        n += shards_[i].ids.size();
    }
    return n;
}

// O(1), from counters kept with every change: /stats must not walk a million peers. The
// counters are read one by one, so under load they may disagree by a few announces.
StoreTotals MemorySwarmStore::totals() const {
    StoreTotals t;
    t.torrents = torrents_.load(std::memory_order_relaxed);
    const std::size_t peers = counters_.peers.load(std::memory_order_relaxed);
    t.seeders = std::min(peers, counters_.seeders.load(std::memory_order_relaxed));
    t.leechers = peers - t.seeders;
    t.downloaded = counters_.downloaded.load(std::memory_order_relaxed);
    return t;
}

}  // namespace tracker
