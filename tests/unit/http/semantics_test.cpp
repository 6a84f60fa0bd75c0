#include "http/semantics.hpp"

#include <gtest/gtest.h>

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
