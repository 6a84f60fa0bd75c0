#include "tracker/bencode.hpp"

#include <gtest/gtest.h>

namespace tracker::bencode {
namespace {

TEST(Bencode, WriterProducesCanonicalForms) {
    std::string out;
    Writer w(out);
    w.begin_dict().kv("a", 0).kv("b", -42).kv("c", "spam").string("d").begin_list().integer(1).string("").end().end();
    EXPECT_EQ(out, "d1:ai0e1:bi-42e1:c4:spam1:dli1e0:ee");
}

TEST(Bencode, WriterIsBinarySafe) {
    std::string out;
    Writer w(out);
    w.string(std::string_view("\0\xff:e", 4));
    EXPECT_EQ(out, std::string("4:\0\xff:e", 6));
}

TEST(Bencode, DecodesNested) {
    auto v = decode("d8:intervali1800e5:peersl4:abcdee");
    ASSERT_TRUE(v);
    ASSERT_TRUE(v->is_dict());
    EXPECT_EQ(v->find("interval")->as_int(), 1800);
    EXPECT_EQ(v->find("peers")->as_list().at(0).as_string(), "abcd");
    EXPECT_EQ(v->find("missing"), nullptr);
}

TEST(Bencode, RoundTripsWriterOutput) {
    std::string out;
    Writer w(out);
    w.begin_dict().kv("x", INT64_MIN + 1).kv("y", INT64_MAX).end();
    auto v = decode(out);
    ASSERT_TRUE(v);
    EXPECT_EQ(v->find("x")->as_int(), INT64_MIN + 1);
    EXPECT_EQ(v->find("y")->as_int(), INT64_MAX);
}

TEST(Bencode, RejectsMalformed) {
    for (std::string_view bad :
         {"", "i", "ie", "i-0e", "i01e", "i1", "3:ab", "03:abc", "l", "d", "d1:ai1ee1:x", "d1:bi1e1:ai2ee",
          "d1:ai1e1:ai2ee", "x", "i1ei2e", "-1:a", "i99999999999999999999e", "d i1e e", "di1ei2ee"}) {
        EXPECT_FALSE(decode(bad)) << bad;
    }
}

TEST(Bencode, DepthLimitBothSides) {
    std::string ok = std::string(4, 'l') + std::string(4, 'e');
    EXPECT_TRUE(decode(ok, 4));
    std::string deep = std::string(5, 'l') + std::string(5, 'e');
    EXPECT_FALSE(decode(deep, 4));
    // A hostile nesting depth cannot exhaust the stack.
    std::string huge = std::string(100000, 'l') + std::string(100000, 'e');
    EXPECT_FALSE(decode(huge));
}

TEST(Bencode, StringLengthBeyondInputFails) {
    EXPECT_FALSE(decode("18446744073709551615:a"));
    EXPECT_FALSE(decode("5:abcd"));
    EXPECT_TRUE(decode("4:abcd"));
}

}  // namespace
}  // namespace tracker::bencode
