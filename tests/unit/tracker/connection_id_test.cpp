#include "tracker/connection_id.hpp"

#include <gtest/gtest.h>

namespace tracker {
namespace {

std::array<std::uint8_t, 16> sequential_key() {
    std::array<std::uint8_t, 16> k{};
    for (int i = 0; i < 16; ++i) k[i] = static_cast<std::uint8_t>(i);
    return k;
}

TEST(SipHash, ReferenceVectors) {
    // The SipHash paper, appendix A: key 00..0f, message 00..0e -> a129ca6149be45e5.
    std::string msg;
    for (int i = 0; i < 15; ++i) msg += static_cast<char>(i);
    EXPECT_EQ(siphash24(sequential_key(), msg), 0xa129ca6149be45e5ULL);
    // First entries of the reference implementation's vectors.h (little-endian output).
    EXPECT_EQ(siphash24(sequential_key(), ""), 0x726fdb47dd0e0e31ULL);
    EXPECT_EQ(siphash24(sequential_key(), std::string_view("\x00", 1)), 0x74f839c593dc67fdULL);
    std::string eight;
    for (int i = 0; i < 8; ++i) eight += static_cast<char>(i);
    EXPECT_EQ(siphash24(sequential_key(), eight), 0x93f5f5799a932462ULL);
}

const std::string_view kAddrA("\x7f\x00\x00\x01", 4);
const std::string_view kAddrB("\x7f\x00\x00\x02", 4);

TEST(ConnectionIds, ValidForTheIssuingAddressOnly) {
    ConnectionIds ids(sequential_key());
    std::uint64_t id = ids.issue(kAddrA, 1000);
    EXPECT_TRUE(ids.valid(id, kAddrA, 1000));
    EXPECT_FALSE(ids.valid(id, kAddrB, 1000));
    EXPECT_FALSE(ids.valid(id + 1, kAddrA, 1000));
}

TEST(ConnectionIds, ExpiresAfterTwoWindows) {
    ConnectionIds ids(sequential_key());
    const std::uint64_t t0 = 600;  // start of a window
    std::uint64_t id = ids.issue(kAddrA, t0);
    EXPECT_TRUE(ids.valid(id, kAddrA, t0 + 59));
    EXPECT_TRUE(ids.valid(id, kAddrA, t0 + 60));
    EXPECT_TRUE(ids.valid(id, kAddrA, t0 + 119));
    EXPECT_FALSE(ids.valid(id, kAddrA, t0 + 120));
    // Issued at the end of a window: still at least one minute of validity.
    std::uint64_t late = ids.issue(kAddrA, t0 + 59);
    EXPECT_TRUE(ids.valid(late, kAddrA, t0 + 119));
    EXPECT_FALSE(ids.valid(late, kAddrA, t0 + 120));
    // Not valid before it was issued (a window ahead).
    EXPECT_FALSE(ids.valid(ids.issue(kAddrA, t0 + 60), kAddrA, t0));
}

TEST(ConnectionIds, DifferentKeysDifferentIds) {
    ConnectionIds a(sequential_key());
    ConnectionIds b;  // random key
    EXPECT_NE(a.issue(kAddrA, 100), b.issue(kAddrA, 100));
    EXPECT_FALSE(b.valid(a.issue(kAddrA, 100), kAddrA, 100));
}

TEST(ConnectionIds, Ipv6AddressesDistinct) {
    ConnectionIds ids(sequential_key());
    std::string a6(16, '\0'), b6(16, '\0');
    a6[15] = 1;
    b6[15] = 2;
    EXPECT_NE(ids.issue(a6, 5), ids.issue(b6, 5));
    EXPECT_TRUE(ids.valid(ids.issue(a6, 5), a6, 5));
}

}  // namespace
}  // namespace tracker
