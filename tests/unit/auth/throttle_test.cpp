#include "auth/throttle.hpp"

#include <gtest/gtest.h>

namespace auth {
namespace {

using namespace std::chrono_literals;
const auto kA = asio::ip::make_address("192.0.2.1");
const auto kB = asio::ip::make_address("192.0.2.2");
const net::Clock::time_point t0{};

TEST(LoginThrottle, DelayGrowsWithFailuresUpToTheCap) {
    LoginThrottle t({.failure_delay = 100ms, .max_delay = 350ms});
    EXPECT_EQ(t.record_failure(kA, t0), 100ms);
    EXPECT_EQ(t.record_failure(kA, t0), 200ms);
    EXPECT_EQ(t.record_failure(kA, t0), 300ms);
    EXPECT_EQ(t.record_failure(kA, t0), 350ms);
    EXPECT_EQ(t.record_failure(kB, t0), 100ms) << "per address";
    EXPECT_EQ(t.failures(kA, t0), 4u);
}

TEST(LoginThrottle, BlocksAboveMaxFailures) {
    LoginThrottle t({.max_failures = 3});
    for (int i = 0; i < 3; ++i) (void)t.record_failure(kA, t0);
    EXPECT_FALSE(t.blocked(kA, t0)) << "3 failures is the limit, not over it";
    (void)t.record_failure(kA, t0);
    EXPECT_TRUE(t.blocked(kA, t0));
    EXPECT_FALSE(t.blocked(kB, t0));
}

TEST(LoginThrottle, FailuresExpireAfterTheWindow) {
    LoginThrottle t({.max_failures = 1, .window = 60s});
    (void)t.record_failure(kA, t0);
    (void)t.record_failure(kA, t0 + 30s);
    EXPECT_TRUE(t.blocked(kA, t0 + 90s)) << "60 s after the last failure, not the first";
    EXPECT_FALSE(t.blocked(kA, t0 + 91s));
    EXPECT_EQ(t.failures(kA, t0 + 91s), 0u);
    EXPECT_EQ(t.size(), 0u) << "the expired entry is gone";
    EXPECT_EQ(t.record_failure(kA, t0 + 200s), 1000ms) << "counting starts again";
}

TEST(LoginThrottle, SuccessClearsTheAddress) {
    LoginThrottle t({.max_failures = 1});
    (void)t.record_failure(kA, t0);
    (void)t.record_failure(kA, t0);
    ASSERT_TRUE(t.blocked(kA, t0));
    t.record_success(kA);
    EXPECT_FALSE(t.blocked(kA, t0));
    EXPECT_EQ(t.failures(kA, t0), 0u);
}

TEST(LoginThrottle, MappedIpv4IsTheSameClient) {
    LoginThrottle t({});
    (void)t.record_failure(kA, t0);
    (void)t.record_failure(asio::ip::make_address("::ffff:192.0.2.1"), t0);
    EXPECT_EQ(t.failures(kA, t0), 2u);
    EXPECT_EQ(t.failures(asio::ip::make_address("2001:db8::1"), t0), 0u);
    (void)t.record_failure(asio::ip::make_address("2001:db8::1"), t0);
    EXPECT_EQ(t.size(), 2u);
}

TEST(LoginThrottle, TableIsBoundedOldestEvicted) {
    LoginThrottle t({.max_addresses = 3});
    for (int i = 1; i <= 3; ++i)
        (void)t.record_failure(asio::ip::make_address_v4(static_cast<unsigned>(i)), t0 + std::chrono::seconds(i));
    (void)t.record_failure(asio::ip::make_address_v4(1u), t0 + 4s);  // 1 is now the most recent
    (void)t.record_failure(asio::ip::make_address_v4(4u), t0 + 5s);  // evicts 2, the least recent
    EXPECT_EQ(t.size(), 3u);
    EXPECT_EQ(t.failures(asio::ip::make_address_v4(2u), t0 + 5s), 0u);
    EXPECT_EQ(t.failures(asio::ip::make_address_v4(1u), t0 + 5s), 2u);
    EXPECT_EQ(t.failures(asio::ip::make_address_v4(3u), t0 + 5s), 1u);
    for (unsigned i = 10; i < 1000; ++i) (void)t.record_failure(asio::ip::make_address_v4(i), t0 + 6s);
    EXPECT_EQ(t.size(), 3u);
}

}  // namespace
}  // namespace auth
