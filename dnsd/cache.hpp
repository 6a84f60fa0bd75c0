// The resolver's cache (RFC 1034 4.3.4, RFC 2308): RRsets and negative answers keyed by name,
// type and class, TTLs counting down, capped in TTL and in memory (LRU), sharded so that the
// worker threads rarely meet on one lock.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "dns/message.hpp"

namespace dnsd {

using CacheClock = std::chrono::steady_clock;

/// What an entry says.
enum class CacheKind : std::uint8_t {
    positive,  ///< `rrs` is the RRset
    nxdomain,  ///< the name does not exist (stored under type 0: every type); `rrs` holds the SOA
    nodata,    ///< the name exists without this type; `rrs` holds the SOA
};

/// RFC 2181 5.4.1: how much a record is believed; lower never replaces higher while fresh,
/// and glue is never given to a client as an answer.
enum class Trust : std::uint8_t { glue = 0, referral = 1, answer = 2 };

struct CacheOptions {
    std::size_t max_bytes = 64u << 20;  ///< estimated memory of all entries (`cache_size`)
    std::uint32_t max_ttl = 86400;      ///< cap on any TTL (`max_ttl`)
    unsigned shards = 16;
    std::uint32_t stale_max_age = 0;  ///< RFC 8767: keep expired entries this long for serve-stale (0: off)
};

/// RFC 8767 4: the TTL of a stale answer.
inline constexpr std::uint32_t stale_ttl = 30;

/// A cache hit: the records with their TTLs counted down to what is left.
struct CacheHit {
    CacheKind kind = CacheKind::positive;
    std::vector<dns::Rr> rrs;
    Trust trust = Trust::glue;
};

/// Shared by every worker thread; each shard has its own mutex, LRU list and byte budget.
class Cache {
public:
    explicit Cache(CacheOptions opts = {});

    /// Stores an entry for `ttl` seconds (capped by max_ttl; 0 stores nothing). A fresh entry
    /// of higher trust is kept. Evicts least recently used entries of the shard to fit.
    void put(const dns::Name& name, std::uint16_t type, CacheKind kind, std::vector<dns::Rr> rrs, std::uint32_t ttl,
             Trust trust, CacheClock::time_point now);
    /// The fresh entry for (name, type, IN) of at least `min_trust`, or nullopt.
    [[nodiscard]] std::optional<CacheHit> get(const dns::Name& name, std::uint16_t type, Trust min_trust,
                                              CacheClock::time_point now);
    /// get(name, type), else a cached NXDOMAIN for the name.
    [[nodiscard]] std::optional<CacheHit> lookup(const dns::Name& name, std::uint16_t type, Trust min_trust,
                                                 CacheClock::time_point now);

    /// RFC 8767: an entry that expired less than `stale_max_age` ago (or a fresh one), its
    /// TTLs set to `stale_ttl`; else a stale NXDOMAIN for the name; nullopt otherwise.
    [[nodiscard]] std::optional<CacheHit> lookup_stale(const dns::Name& name, std::uint16_t type, Trust min_trust,
                                                       CacheClock::time_point now);

    [[nodiscard]] std::size_t bytes() const;
    [[nodiscard]] std::size_t entries() const;
    [[nodiscard]] const CacheOptions& options() const { return opts_; }

private:
    struct Entry {
        std::string key;
        CacheKind kind = CacheKind::positive;
        Trust trust = Trust::glue;
        std::vector<dns::Rr> rrs;
        CacheClock::time_point stored{};
        CacheClock::time_point expires{};
        std::size_t bytes = 0;
    };
    struct KeyHash {
        using is_transparent = void;
        std::size_t operator()(std::string_view k) const { return std::hash<std::string_view>{}(k); }
    };
    struct Shard {
        mutable std::mutex mu;
        std::list<Entry> lru;  ///< most recently used first
        std::unordered_map<std::string, std::list<Entry>::iterator, KeyHash, std::equal_to<>> index;
        std::size_t bytes = 0;
    };
    [[nodiscard]] Shard& shard(std::string_view key);
    [[nodiscard]] std::optional<CacheHit> get_stale(const dns::Name& name, std::uint16_t type, Trust min_trust,
                                                    CacheClock::time_point now);
    static void erase(Shard& s, std::list<Entry>::iterator it);

    CacheOptions opts_;
    std::size_t shard_budget_;
    std::vector<std::unique_ptr<Shard>> shards_;
};

/// RFC 2308 5: the negative TTL of an SOA record, min(its TTL, its MINIMUM); 0 if malformed.
[[nodiscard]] std::uint32_t soa_negative_ttl(const dns::Rr& soa);

}  // namespace dnsd
