// Per-address announce rate limit with bounded memory: a fixed table of token buckets.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string_view>
#include <vector>

namespace tracker {

struct RateLimitOptions {
    double per_second = 0;      ///< sustained requests per second per address; 0 = unlimited
    double burst = 0;           ///< bucket size (0: max(per_second * 4, 1))
    std::size_t slots = 65536;  ///< table size: the memory bound (about 24 bytes a slot)
};

/// Token buckets indexed by a keyed hash of the address. Each slot remembers which address
/// owns it; a newcomer whose slot belongs to someone else takes it over with a full bucket,
/// so memory never grows and an address is never wrongly refused because of another one.
/// Thread-safe (striped locks).
class RateLimiter {
public:
    explicit RateLimiter(RateLimitOptions opts);
    /// True if a request from `address` (raw 4 or 16 bytes) at `now_ms` may proceed.
    [[nodiscard]] bool allow(std::string_view address, std::uint64_t now_ms);
    [[nodiscard]] bool enabled() const { return opts_.per_second > 0; }

private:
    struct Slot {
        std::uint64_t tag = 0;
        std::uint64_t last_ms = 0;
        double tokens = 0;
    };
    static constexpr std::size_t kStripes = 64;
    RateLimitOptions opts_;
    std::vector<Slot> slots_;
    std::unique_ptr<std::mutex[]> locks_;
    std::uint64_t seed_;
};

}  // namespace tracker
