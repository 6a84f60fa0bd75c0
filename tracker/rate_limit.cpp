#include "tracker/rate_limit.hpp"

#include <algorithm>
#include <bit>
#include <cstring>
#include <random>

namespace tracker {

RateLimiter::RateLimiter(RateLimitOptions opts) : opts_(opts) {
    if (opts_.burst <= 0) opts_.burst = std::max(opts_.per_second * 4, 1.0);
    opts_.slots = std::bit_ceil(std::max<std::size_t>(opts_.slots, kStripes));
    if (enabled()) slots_.resize(opts_.slots);
    locks_ = std::make_unique<std::mutex[]>(kStripes);
    std::random_device rd;
    seed_ = (std::uint64_t{rd()} << 32) ^ rd();
}

static std::uint64_t hash_address(std::string_view a, std::uint64_t seed) {
    // FNV-1a over the seeded bytes, then a final mix: addresses are short, the secret
    // seed keeps clients from aiming at one slot.
    std::uint64_t h = 0xcbf29ce484222325ULL ^ seed;
    for (unsigned char c : a) {
        h ^= c;
        h *= 0x100000001b3ULL;
    }
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    return h | 1;  // 0 marks an empty slot
}

bool RateLimiter::allow(std::string_view address, std::uint64_t now_ms) {
    if (!enabled()) return true;
    std::uint64_t h = hash_address(address, seed_);
    std::size_t i = (h >> 20) & (opts_.slots - 1);
    std::lock_guard lock(locks_[i % kStripes]);
    Slot& s = slots_[i];
    if (s.tag != h) {
        s.tag = h;
        s.tokens = opts_.burst;
    } else if (now_ms > s.last_ms) {
        s.tokens = std::min(opts_.burst, s.tokens + double(now_ms - s.last_ms) * opts_.per_second / 1000.0);
    }
    s.last_ms = std::max(s.last_ms, now_ms);
    if (s.tokens < 1.0) return false;
    s.tokens -= 1.0;
    return true;
}

}  // namespace tracker
