#include "http/date.hpp"

#include <gtest/gtest.h>

#include <random>
#include <string>

#include "mutate.hpp"

using namespace http;

TEST(Date, FormatsImfFixdate) {
    EXPECT_EQ(format_http_date(784111777), "Sun, 06 Nov 1994 08:49:37 GMT");
    EXPECT_EQ(format_http_date(0), "Thu, 01 Jan 1970 00:00:00 GMT");
}

TEST(Date, ParsesAllThreeForms) {
    EXPECT_EQ(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"), 784111777);
    EXPECT_EQ(parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT"), 784111777);
    EXPECT_EQ(parse_http_date("Sun Nov  6 08:49:37 1994"), 784111777);
}

TEST(Date, RejectsGarbage) {
    EXPECT_FALSE(parse_http_date(""));
    EXPECT_FALSE(parse_http_date("yesterday"));
    EXPECT_FALSE(parse_http_date("Sun, 06 Foo 1994 08:49:37 GMT"));
    EXPECT_FALSE(parse_http_date("Sun, 06 Nov 1994 25:49:37 GMT"));
    EXPECT_FALSE(parse_http_date("Sun, 06 Nov 1994 08:49:37 UTC"));
}

TEST(Date, CacheRecomputesPerSecond) {
    DateCache c;
    EXPECT_EQ(c.get(0), "Thu, 01 Jan 1970 00:00:00 GMT");
    EXPECT_EQ(c.get(0), "Thu, 01 Jan 1970 00:00:00 GMT");
    EXPECT_EQ(c.get(1), "Thu, 01 Jan 1970 00:00:01 GMT");
}

TEST(Date, MutatedDatesParseOrFailCleanly) {
    std::mt19937 rng(780);
    const std::string forms[] = {"Sun, 06 Nov 1994 08:49:37 GMT", "Sunday, 06-Nov-94 08:49:37 GMT",
                                 "Sun Nov  6 08:49:37 1994"};
    for (int i = 0; i < 3000; ++i) {
        const auto t = parse_http_date(test::mutate(forms[rng() % 3], rng));
        // Whatever parses formats back to a date that parses to the same time.
        if (t) {
            ASSERT_EQ(parse_http_date(format_http_date(*t)), t);
        }
    }
}
