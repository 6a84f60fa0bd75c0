#include "dnsd/cache.hpp"

#include <algorithm>
#include <array>

#include "dns/name.hpp"

namespace dnsd {

namespace {

// The key: lower-cased wire name, then type and class (two octets each), built on the stack
// (a lookup allocates nothing).
class Key {
public:
    Key(const dns::Name& name, std::uint16_t type) {
        const std::string_view w = name.wire();
        size_ = std::min(w.size(), kMaxWire);
        std::copy_n(w.begin(), size_, buf_.begin());
        dns::wire_lower(std::span(buf_.data(), size_));
        for (const std::uint16_t v : {type, dns::klass::IN}) {
            buf_[size_++] = static_cast<char>(v >> 8);
            buf_[size_++] = static_cast<char>(v & 0xFF);
        }
    }
    [[nodiscard]] std::string_view view() const { return {buf_.data(), size_}; }

private:
    static constexpr std::size_t kMaxWire = 255;
    std::array<char, kMaxWire + 4> buf_;
    std::size_t size_;
};

// An estimate of an entry's memory: the key, the records and the containers' overhead.
std::size_t estimate(const std::string& key, const std::vector<dns::Rr>& rrs) {
    std::size_t n = 160 + 2 * key.size();
    for (const auto& r : rrs) n += sizeof(dns::Rr) + r.owner.size() + r.rdata.size();
    return n;
}

}  // namespace

std::uint32_t soa_negative_ttl(const dns::Rr& soa) {
    if (soa.type != dns::type::SOA || soa.rdata.size() < 22) return 0;
    const auto* p = reinterpret_cast<const std::uint8_t*>(soa.rdata.data()) + soa.rdata.size() - 4;
    const std::uint32_t minimum =
        (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | p[3];
    return std::min(minimum, soa.ttl);
}

Cache::Cache(CacheOptions opts) : opts_(opts) {
    opts_.shards = std::max(1u, opts_.shards);
    shard_budget_ = std::max<std::size_t>(opts_.max_bytes / opts_.shards, 1);
    for (unsigned i = 0; i < opts_.shards; ++i) shards_.push_back(std::make_unique<Shard>());
}

Cache::Shard& Cache::shard(std::string_view key) { return *shards_[KeyHash{}(key) % shards_.size()]; }

void Cache::erase(Shard& s, std::list<Entry>::iterator it) {
    s.bytes -= it->bytes;
    s.index.erase(it->key);
    s.lru.erase(it);
}

void Cache::put(const dns::Name& name, std::uint16_t type, CacheKind kind, std::vector<dns::Rr> rrs, std::uint32_t ttl,
                Trust trust, CacheClock::time_point now) {
    ttl = std::min(ttl, opts_.max_ttl);
    if (ttl == 0) return;
    Entry e;
    e.key = Key(name, kind == CacheKind::nxdomain ? 0 : type).view();
    e.kind = kind;
    e.trust = trust;
    // The TTLs are stored as given and counted down on the way out; one RRset has one TTL
    // (RFC 2181 5.2), the lowest.
    for (auto& r : rrs) r.ttl = std::min(r.ttl, ttl);
    e.rrs = std::move(rrs);
    e.stored = now;
    e.expires = now + std::chrono::seconds(ttl);
    e.bytes = estimate(e.key, e.rrs);
    if (e.bytes > shard_budget_) return;
    Shard& s = shard(e.key);
    std::lock_guard lock(s.mu);
    if (auto it = s.index.find(e.key); it != s.index.end()) {
        if (it->second->expires > now && it->second->trust > trust) return;
        erase(s, it->second);
    }
    while (s.bytes + e.bytes > shard_budget_ && !s.lru.empty()) erase(s, std::prev(s.lru.end()));
    s.bytes += e.bytes;
    s.lru.push_front(std::move(e));
    s.index.emplace(s.lru.front().key, s.lru.begin());
}

std::optional<CacheHit> Cache::get(const dns::Name& name, std::uint16_t type, Trust min_trust,
                                   CacheClock::time_point now) {
    const Key k(name, type);
    const std::string_view key = k.view();
    Shard& s = shard(key);
    std::lock_guard lock(s.mu);
    auto it = s.index.find(key);
    if (it == s.index.end()) return std::nullopt;
    auto e = it->second;
    if (e->expires <= now) {
        // Kept for serve-stale until stale_max_age has passed too (the LRU bounds it anyway).
        if (now >= e->expires + std::chrono::seconds(opts_.stale_max_age)) erase(s, e);
        return std::nullopt;
    }
    if (e->trust < min_trust) return std::nullopt;
    s.lru.splice(s.lru.begin(), s.lru, e);
    CacheHit hit{e->kind, e->rrs, e->trust};
    const auto elapsed =
        static_cast<std::uint32_t>(std::chrono::duration_cast<std::chrono::seconds>(now - e->stored).count());
    for (auto& r : hit.rrs) r.ttl = r.ttl > elapsed ? r.ttl - elapsed : 0;
    return hit;
}

std::optional<CacheHit> Cache::lookup(const dns::Name& name, std::uint16_t type, Trust min_trust,
                                      CacheClock::time_point now) {
    if (auto h = get(name, type, min_trust, now)) return h;
    auto nx = get(name, 0, min_trust, now);
    if (nx && nx->kind == CacheKind::nxdomain) return nx;
    return std::nullopt;
}

std::optional<CacheHit> Cache::get_stale(const dns::Name& name, std::uint16_t type, Trust min_trust,
                                         CacheClock::time_point now) {
    const Key k(name, type);
    const std::string_view key = k.view();
    Shard& s = shard(key);
    std::lock_guard lock(s.mu);
    auto it = s.index.find(key);
    if (it == s.index.end()) return std::nullopt;
    auto e = it->second;
    if (now >= e->expires + std::chrono::seconds(opts_.stale_max_age) || e->trust < min_trust) return std::nullopt;
    CacheHit hit{e->kind, e->rrs, e->trust};
    for (auto& r : hit.rrs) r.ttl = stale_ttl;
    return hit;
}

std::optional<CacheHit> Cache::lookup_stale(const dns::Name& name, std::uint16_t type, Trust min_trust,
                                            CacheClock::time_point now) {
    if (auto h = get_stale(name, type, min_trust, now)) return h;
    auto nx = get_stale(name, 0, min_trust, now);
    if (nx && nx->kind == CacheKind::nxdomain) return nx;
    return std::nullopt;
}

std::size_t Cache::bytes() const {
    std::size_t n = 0;
    for (const auto& s : shards_) {
        std::lock_guard lock(s->mu);
        n += s->bytes;
    }
    return n;
}

std::size_t Cache::entries() const {
    std::size_t n = 0;
    for (const auto& s : shards_) {
        std::lock_guard lock(s->mu);
        n += s->index.size();
    }
    return n;
}

}  // namespace dnsd
