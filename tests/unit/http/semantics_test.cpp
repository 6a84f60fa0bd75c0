#include "http/semantics.hpp"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "mutate.hpp"

using namespace http;

TEST(Range, SingleRanges) {
    auto r = evaluate_range("bytes=0-99", 1000);
    ASSERT_EQ(r.kind, RangeKind::single);
    EXPECT_EQ(r.range.first, 0u);
    EXPECT_EQ(r.range.last, 99u);
    EXPECT_EQ(r.range.length(), 100u);
    r = evaluate_range("bytes=990-", 1000);
    EXPECT_EQ(r.range.first, 990u);
    EXPECT_EQ(r.range.last, 999u);
    r = evaluate_range("bytes=-10", 1000);
    EXPECT_EQ(r.range.first, 990u);
    r = evaluate_range("bytes=-5000", 1000);
    EXPECT_EQ(r.range.first, 0u);
    r = evaluate_range("Bytes = 5-5000", 1000);
    EXPECT_EQ(r.kind, RangeKind::single);
    EXPECT_EQ(r.range.last, 999u);
}

TEST(Range, EdgeOfSizeBothSides) {
    EXPECT_EQ(evaluate_range("bytes=999-999", 1000).kind, RangeKind::single);
    EXPECT_EQ(evaluate_range("bytes=1000-1000", 1000).kind, RangeKind::unsatisfiable);
    EXPECT_EQ(evaluate_range("bytes=-0", 1000).kind, RangeKind::unsatisfiable);
    EXPECT_EQ(evaluate_range("bytes=0-", 0).kind, RangeKind::unsatisfiable);
}

TEST(Range, PositionsOfAnyLength) {
    // RFC 9110 14.1.2: a last-byte-pos at or past the end is clamped, whatever its digits.
    for (const char* v :
         {"bytes=0-999", "bytes=0-1000", "bytes=0-999999999999999999", "bytes=0-99999999999999999999",
          "bytes=0-18446744073709551615", "bytes=0-18446744073709551616", "bytes=0-0000000000000000000000000999"}) {
        const auto r = evaluate_range(v, 1000);
        ASSERT_EQ(r.kind, RangeKind::single) << v;
        EXPECT_EQ(r.range.first, 0u) << v;
        EXPECT_EQ(r.range.last, 999u) << v;
    }
    auto r = evaluate_range("bytes=0000000000000000000000000005-6", 1000);  // leading zeros
    ASSERT_EQ(r.kind, RangeKind::single);
    EXPECT_EQ(r.range.first, 5u);
    r = evaluate_range("bytes=-99999999999999999999", 1000);  // a suffix longer than the file: all of it
    ASSERT_EQ(r.kind, RangeKind::single);
    EXPECT_EQ(r.range.first, 0u);
    EXPECT_EQ(evaluate_range("bytes=99999999999999999999-", 1000).kind, RangeKind::unsatisfiable);
    EXPECT_EQ(evaluate_range("bytes=99999999999999999999-99999999999999999999", 1000).kind, RangeKind::unsatisfiable);
    EXPECT_EQ(evaluate_range("bytes=99999999999999999999-5", 1000).kind, RangeKind::none);  // last < first: invalid
}

TEST(Range, IgnoredAndMultiple) {
    EXPECT_EQ(evaluate_range("items=0-1", 10).kind, RangeKind::none);
    EXPECT_EQ(evaluate_range("bytes=5-1", 10).kind, RangeKind::none);
    EXPECT_EQ(evaluate_range("bytes=a-b", 10).kind, RangeKind::none);
    EXPECT_EQ(evaluate_range("bytes=", 10).kind, RangeKind::none);
    EXPECT_EQ(evaluate_range("bytes=0-1,3-4", 10).kind, RangeKind::multiple);
    EXPECT_EQ(evaluate_range("bytes=0-1,30-40", 10).kind, RangeKind::multiple);
    EXPECT_EQ(evaluate_range("bytes=20-30,30-40", 10).kind, RangeKind::unsatisfiable);
    EXPECT_EQ(evaluate_range("bytes=0-0,1-1,2-2", 10, 2).kind, RangeKind::none);
}

TEST(Etag, StrongAndWeakComparison) {
    EXPECT_TRUE(etag_matches("\"abc\"", "\"abc\"", false));
    EXPECT_TRUE(etag_matches("\"x\", \"abc\"", "\"abc\"", false));
    EXPECT_FALSE(etag_matches("W/\"abc\"", "\"abc\"", false));
    EXPECT_TRUE(etag_matches("W/\"abc\"", "\"abc\"", true));
    EXPECT_TRUE(etag_matches("*", "\"abc\"", false));
    EXPECT_FALSE(etag_matches("\"abd\"", "\"abc\"", true));
    EXPECT_FALSE(etag_matches("", "\"abc\"", true));
}

TEST(Range, MutatedRangesStayInBounds) {
    std::mt19937 rng(777);
    const std::vector<std::string> ranges = {"bytes=0-5", "bytes=-10", "bytes=5-,1-2", "bytes=999999999999-"};
    for (int i = 0; i < 3000; ++i) {
        const auto size = static_cast<std::uint64_t>(rng() % 100);
        const auto r = evaluate_range(test::mutate(ranges[rng() % ranges.size()], rng), size);
        if (r.kind == RangeKind::single) {
            ASSERT_LE(r.range.first, r.range.last);
            ASSERT_LT(r.range.last, size);
        }
    }
}

TEST(Etag, MutatedListsNeverMatchAWeakTagStrongly) {
    std::mt19937 rng(778);
    for (int i = 0; i < 3000; ++i) {
        const std::string list = test::mutate("\"a\", W/\"b\", *", rng);
        const bool weak = rng() % 2 == 0;
        (void)etag_matches(list, "\"a\"", weak);
        if (list.find('*') == std::string::npos) {
            ASSERT_FALSE(etag_matches(list, "W/\"a\"", false)) << list;
        }
    }
}
