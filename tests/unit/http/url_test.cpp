#include "http/url.hpp"

#include <gtest/gtest.h>

#include <random>
#include <string>

#include "mutate.hpp"

using namespace http;

TEST(Url, PercentDecodeIsBinarySafe) {
    auto v = percent_decode("%12%34%00%ff%FFab%2F");
    ASSERT_TRUE(v);
    EXPECT_EQ(*v, std::string("\x12\x34\0\xff\xff"
                              "ab/",
                              8));
    EXPECT_EQ(*percent_decode("a+b"), "a+b");
    EXPECT_EQ(*percent_decode("a+b", true), "a b");
}

TEST(Url, BadPercentEncoding) {
    EXPECT_FALSE(percent_decode("%"));
    EXPECT_FALSE(percent_decode("%1"));
    EXPECT_FALSE(percent_decode("abc%1"));
    EXPECT_FALSE(percent_decode("%zz"));
    EXPECT_FALSE(percent_decode("%g0"));
    EXPECT_TRUE(percent_decode("%20"));
}

TEST(Url, PercentEncodeRoundTrip) {
    const std::string raw("\x00\x01 a/b~\xff", 8);
    EXPECT_EQ(percent_encode(raw), "%00%01%20a/b~%FF");
    EXPECT_EQ(percent_encode("a/b", true), "a%2Fb");
    EXPECT_EQ(*percent_decode(percent_encode(raw)), raw);
}

TEST(Url, TargetPathAndQueryOfEachForm) {
    EXPECT_EQ(target_path("/a/b?x=1"), "/a/b");
    EXPECT_EQ(target_path("/a"), "/a");
    EXPECT_EQ(target_path("http://www.someschool.edu/someDepartment/home.index"), "/someDepartment/home.index");
    EXPECT_EQ(target_path("HTTP://h:8080?q"), "/");
    EXPECT_EQ(target_path("*"), "*");
    EXPECT_EQ(target_path("https://h/x/y?z"), "/x/y");
    EXPECT_EQ(target_query("http://h/x?a=1&b"), "a=1&b");
    EXPECT_EQ(target_query("/x?"), "");
    EXPECT_EQ(target_query("/x"), "");
}

TEST(Url, QueryKeepsDuplicatesAndOrder) {
    QueryParams q;
    ASSERT_EQ(parse_query("info_hash=%12%34&a=1&&monkeys&info_hash=%00x&b=a+b%26c&=v", q), QueryError::none);
    ASSERT_EQ(q.size(), 6u);
    EXPECT_EQ(q[0].key, "info_hash");
    EXPECT_EQ(q[0].value, "\x12\x34");
    EXPECT_EQ(q[2].key, "monkeys");
    EXPECT_FALSE(q[2].has_value);
    EXPECT_TRUE(q[1].has_value);
    EXPECT_EQ(q[3].value, std::string("\0x", 2));
    EXPECT_EQ(q[4].value, "a b&c");
    EXPECT_EQ(q[5].key, "");
    EXPECT_EQ(q.find("a"), "1");
    EXPECT_EQ(q.find("zzz"), std::nullopt);
    auto all = q.find_all("info_hash");
    ASSERT_EQ(all.size(), 2u);
    EXPECT_EQ(all[1], std::string_view("\0x", 2));
}

TEST(Url, RawQueryKeepsPlusAndBinaryBytes) {
    QueryParams q;
    ASSERT_EQ(parse_query("info_hash=%00%FF+%2B&peer_id=a+b&k", q, QueryMode::raw), QueryError::none);
    ASSERT_EQ(q.size(), 3u);
    EXPECT_EQ(q[0].value, std::string("\0\xff++", 4));
    EXPECT_EQ(q[1].value, "a+b");
    EXPECT_FALSE(q[2].has_value);
    EXPECT_EQ(q[2].value, "");
    ASSERT_EQ(parse_query("a+b=c+d", q, QueryMode::form), QueryError::none);
    EXPECT_EQ(q[0].key, "a b");
    EXPECT_EQ(q[0].value, "c d");
}

TEST(Url, QueryViewsSurviveGrowthAndReuse) {
    // Many parameters, long values: every view must still point at its own bytes.
    std::string query;
    for (int i = 0; i < 200; ++i)
        query += "k" + std::to_string(i) + "=" + std::string(static_cast<std::size_t>(i), 'v') + "&";
    QueryParams q;
    ASSERT_EQ(parse_query(query, q), QueryError::none);
    ASSERT_EQ(q.size(), 200u);
    for (std::size_t i = 0; i < q.size(); ++i) {
        EXPECT_EQ(q[i].key, "k" + std::to_string(i));
        EXPECT_EQ(q[i].value, std::string(i, 'v'));
    }
    ASSERT_EQ(parse_query("x=1", q), QueryError::none);  // reuse replaces everything
    ASSERT_EQ(q.size(), 1u);
    EXPECT_EQ(q[0].value, "1");
}

TEST(Url, QueryErrorsAndLimitBothSides) {
    QueryParams q;
    EXPECT_EQ(parse_query("a=%zz", q), QueryError::bad_encoding);
    EXPECT_EQ(parse_query("a%=1", q), QueryError::bad_encoding);
    EXPECT_EQ(parse_query("a=1&b=%", q, QueryMode::raw), QueryError::bad_encoding);
    EXPECT_EQ(parse_query("a&b&c", q, QueryMode::form, 3), QueryError::none);
    EXPECT_EQ(parse_query("a&&b&&c&", q, QueryMode::form, 3), QueryError::none);  // empty pieces are not counted
    EXPECT_EQ(parse_query("a&b&c&d", q, QueryMode::form, 3), QueryError::too_many);
    EXPECT_EQ(parse_query("", q), QueryError::none);
    EXPECT_TRUE(q.empty());
}

TEST(Url, MutatedQueriesAndEscapesStayInBounds) {
    std::mt19937 rng(779);
    QueryParams params;
    for (int i = 0; i < 3000; ++i) {
        const std::string query = test::mutate("a=1&b=%41&c&d=x+y", rng);
        const auto mode = rng() % 2 == 0 ? QueryMode::form : QueryMode::raw;
        if (parse_query(query, params, mode) != QueryError::none) continue;
        std::size_t decoded = 0;
        for (const auto& p : params.all()) decoded += p.key.size() + p.value.size();
        ASSERT_LE(decoded, query.size()) << query;  // decoding never grows
        const std::string escaped = test::mutate("%2e%2E/%00%zz", rng);
        const auto v = percent_decode(escaped);
        if (v) {
            ASSERT_LE(v->size(), escaped.size());
        }
    }
}
