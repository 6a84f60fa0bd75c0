#include "tracker/memory_swarm.hpp"

#include <algorithm>
#include <bit>
#include <mutex>
#include <numeric>
#include <random>

#include <boost/unordered/unordered_flat_map.hpp>

namespace tracker {
namespace {

// Compact peer records. Peers are identified by address and port (as opentracker does),
// not by peer_id: the address is what the tracker has verified, and a peer_id handed out
// in a dictionary reply must not let anyone else replace or stop that peer.
constexpr std::uint8_t kSeeder = 1;
constexpr std::uint8_t kCounted = 2;  // its "completed" was already counted

struct Peer4 {
    std::uint8_t ip[4];
    std::uint16_t port;
    std::uint8_t flags;
    std::uint8_t pad;
    std::uint32_t last_seen;
    PeerId id;
};
static_assert(sizeof(Peer4) == 32);

struct Peer6 {
    std::uint8_t ip[16];
    std::uint16_t port;
    std::uint8_t flags;
    std::uint8_t pad;
    std::uint32_t last_seen;
    PeerId id;
};
static_assert(sizeof(Peer6) == 44);

template <class P>
constexpr std::size_t ip_len = sizeof(P::ip);

template <class P>
int compare_key(const P& p, const PeerEndpoint& e) {
    if (int c = std::memcmp(p.ip, e.ip.data(), ip_len<P>)) return c;
    return p.port < e.port ? -1 : (p.port > e.port ? 1 : 0);
}

template <class P>
PeerOut to_out(const P& p) {
    PeerOut o;
    std::memcpy(o.endpoint.ip.data(), p.ip, ip_len<P>);
    o.endpoint.port = p.port;
    o.endpoint.v6 = ip_len<P> == 16;
    o.peer_id = p.id;
    return o;
}

struct Torrent {
    std::vector<Peer4> v4;  // sorted by (ip, port)
    std::vector<Peer6> v6;
    std::uint32_t seeders = 0;
    std::uint32_t downloaded = 0;

    [[nodiscard]] std::size_t size() const { return v4.size() + v6.size(); }
    [[nodiscard]] SwarmCounts counts() const {
        return {seeders, static_cast<std::uint32_t>(size() - seeders), downloaded};
    }
};

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
template <class P>
void pick(const std::vector<P>& peers, std::size_t self, bool skip_seeders, std::uint32_t& want,
          std::vector<PeerOut>& out) {
    const std::size_t n = peers.size();
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
        const P& p = peers[idx];
        if (idx != self && !(skip_seeders && (p.flags & kSeeder))) {
            out.push_back(to_out(p));
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
};

MemorySwarmStore::MemorySwarmStore(MemoryStoreOptions opts) : opts_(opts) {
    std::size_t n = std::bit_ceil(std::max(1u, opts_.shards));
    shards_ = std::make_unique<Shard[]>(n);
    shard_mask_ = n - 1;
    std::random_device rd;
    for (auto& s : seed_) s = (std::uint64_t{rd()} << 32) ^ rd();
    for (std::size_t i = 0; i < n; ++i) {
        shards_[i].map = decltype(Shard::map)(0, SeededHash{seed_[0], seed_[1], seed_[2]});
    }
}

MemorySwarmStore::~MemorySwarmStore() = default;

MemorySwarmStore::Shard& MemorySwarmStore::shard_for(const InfoHash& h, std::size_t& hash) const {
    hash = SeededHash{seed_[0], seed_[1], seed_[2]}(h);
    return shards_[(hash >> 48) & shard_mask_];
}

namespace {

// The announce on one family's vector: find or insert the requester, update it.
template <class P>
AnnounceStatus upsert(std::vector<P>& vec, Torrent& t, const AnnounceParams& p, std::uint32_t now,
                      MemorySwarmStore::Counters& c, std::size_t max_peers, std::size_t& self) {
    std::atomic<std::size_t>& total = c.peers;
    auto it = std::lower_bound(vec.begin(), vec.end(), p.peer,
                               [](const P& a, const PeerEndpoint& e) { return compare_key(a, e) < 0; });
    bool found = it != vec.end() && compare_key(*it, p.peer) == 0;
    if (p.event == Event::stopped) {
        if (found) {
            if (it->flags & kSeeder) {
                --t.seeders;
                c.seeders.fetch_sub(1, std::memory_order_relaxed);
            }
            vec.erase(it);
            total.fetch_sub(1, std::memory_order_relaxed);
        }
        self = SIZE_MAX;
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
        if (vec.size() == vec.capacity()) {
            // Grow by 1.5x rather than the library's 2x: most swarms are small and their
            // slack is most of the store's memory (10 peers: 11 slots, not 16).
            const auto at = it - vec.begin();
            vec.reserve(vec.size() + vec.size() / 2 + 1);
            it = vec.begin() + at;
        }
        it = vec.insert(it, rec);
    }
    it->id = p.peer_id;
    it->last_seen = now;
    bool seeder = p.left && *p.left == 0;
    if (seeder != bool(it->flags & kSeeder)) {
        if (seeder) {
            it->flags |= kSeeder;
            ++t.seeders;
            c.seeders.fetch_add(1, std::memory_order_relaxed);
        } else {
            it->flags &= static_cast<std::uint8_t>(~kSeeder);
            --t.seeders;
            c.seeders.fetch_sub(1, std::memory_order_relaxed);
        }
    }
    if (p.event == Event::completed && !(it->flags & kCounted)) {
        it->flags |= kCounted;
        ++t.downloaded;
        c.downloaded.fetch_add(1, std::memory_order_relaxed);
    }
    self = static_cast<std::size_t>(it - vec.begin());
    return AnnounceStatus::ok;
}

template <class P>
std::size_t prune(std::vector<P>& vec, Torrent& t, std::uint32_t cutoff, MemorySwarmStore::Counters& c) {
    std::size_t before = vec.size();
    std::erase_if(vec, [&](const P& p) {
        if (p.last_seen >= cutoff) return false;
        if (p.flags & kSeeder) {
            --t.seeders;
            c.seeders.fetch_sub(1, std::memory_order_relaxed);
        }
        return true;
    });
    if (vec.capacity() > 2 * vec.size() + 8) vec.shrink_to_fit();
    return before - vec.size();
}

}  // namespace

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
    std::size_t self = SIZE_MAX;
    AnnounceStatus st = p.peer.v6 ? upsert(t.v6, t, p, now, counters_, opts_.max_peers, self)
                                  : upsert(t.v4, t, p, now, counters_, opts_.max_peers, self);
    if (st == AnnounceStatus::ok && p.event != Event::stopped) {
        bool skip_seeders = p.left && *p.left == 0;
        std::uint32_t want = p.numwant;
        // The requester's own family first; the other family (HTTP only) gets the rest.
        if (p.peer.v6) {
            pick(t.v6, self, skip_seeders, want, peers);
            if (p.both_families) pick(t.v4, SIZE_MAX, skip_seeders, want, peers);
        } else {
            pick(t.v4, self, skip_seeders, want, peers);
            if (p.both_families) pick(t.v6, SIZE_MAX, skip_seeders, want, peers);
        }
    }
    counts = t.counts();
    if (t.size() == 0 && !opts_.keep_empty_torrents && t.downloaded == 0) {
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
    std::uint32_t cutoff = now > opts_.peer_timeout ? now - opts_.peer_timeout : 0;
    std::size_t removed = 0;
    for (std::size_t i = 0; i <= shard_mask_; ++i) {
        Shard& s = shards_[i];
        std::lock_guard lock(s.mu);
        std::size_t dropped_torrents = boost::unordered::erase_if(s.map, [&](auto& kv) {
            Torrent& t = kv.second;
            removed += prune(t.v4, t, cutoff, counters_) + prune(t.v6, t, cutoff, counters_);
            return t.size() == 0 && !opts_.keep_empty_torrents;
        });
        torrents_.fetch_sub(dropped_torrents, std::memory_order_relaxed);
    }
    counters_.peers.fetch_sub(removed, std::memory_order_relaxed);
    return removed;
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
