#include "dns/name.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

using namespace dns;

namespace {

std::vector<std::uint8_t> bytes(std::string_view s) { return {s.begin(), s.end()}; }

NameError read_at(const std::vector<std::uint8_t>& msg, std::size_t at, Name& out, std::size_t* end = nullptr) {
    ByteReader r(msg);
    EXPECT_TRUE(r.seek(at));
    auto e = Name::read(r, out);
    if (end) *end = r.position();
    return e;
}

}  // namespace

TEST(Name, TextRoundTrip) {
    auto n = Name::parse("www.Example.COM.");
    EXPECT_EQ(n.to_text(), "www.Example.COM.");
    EXPECT_EQ(n.wire(), std::string_view("\3www\7Example\3COM\0", 17));
    EXPECT_EQ(n.label_count(), 3u);
    EXPECT_EQ(Name::parse(".").to_text(), ".");
    EXPECT_TRUE(Name().is_root());
}

TEST(Name, RelativeAndAt) {
    auto origin = Name::parse("example.com.");
    NameError err;
    EXPECT_EQ(Name::from_text("www", &origin, err)->to_text(), "www.example.com.");
    EXPECT_EQ(Name::from_text("@", &origin, err)->to_text(), "example.com.");
    EXPECT_FALSE(Name::from_text("www", nullptr, err));
    EXPECT_FALSE(Name::from_text("a..b.", nullptr, err));
    EXPECT_EQ(err, NameError::empty_label);
}

TEST(Name, Escapes) {
    auto n = Name::parse("a\\.b.c\\065.");
    EXPECT_EQ(n.label_count(), 2u);
    EXPECT_EQ(n.wire(), std::string_view("\3a.b\2cA\0", 8));
    EXPECT_EQ(n.to_text(), "a\\.b.cA.");
    NameError err;
    EXPECT_FALSE(Name::from_text("a\\256.", nullptr, err));
    EXPECT_EQ(err, NameError::bad_escape);
    EXPECT_FALSE(Name::from_text("a\\12", nullptr, err));
}

TEST(Name, LabelLimit63) {
    NameError err;
    std::string l63(63, 'a'), l64(64, 'a');
    EXPECT_TRUE(Name::from_text(l63 + ".", nullptr, err));
    EXPECT_FALSE(Name::from_text(l64 + ".", nullptr, err));
    EXPECT_EQ(err, NameError::label_too_long);
}

TEST(Name, NameLimit255) {
    // 4 labels of 63 = 4*64 = 256 octets + root = 257: too long. 3*64 + 62 label (63) + root = 255+1...
    std::string l63(63, 'a');
    std::string ok = l63 + "." + l63 + "." + l63 + "." + std::string(61, 'b') + ".";   // 64*3+62+1 = 255
    std::string bad = l63 + "." + l63 + "." + l63 + "." + std::string(62, 'b') + ".";  // 256
    NameError err;
    auto n = Name::from_text(ok, nullptr, err);
    ASSERT_TRUE(n);
    EXPECT_EQ(n->size(), 255u);
    EXPECT_FALSE(Name::from_text(bad, nullptr, err));
    EXPECT_EQ(err, NameError::name_too_long);
}

TEST(Name, CaseInsensitiveCompareAndHash) {
    EXPECT_EQ(Name::parse("WWW.example.com."), Name::parse("www.EXAMPLE.com."));
    EXPECT_NE(Name::parse("www.example.com."), Name::parse("ww.example.com."));
    EXPECT_EQ(wire_hash(Name::parse("A.b.").wire()), wire_hash(Name::parse("a.B.").wire()));
}

TEST(Name, CanonicalOrderRfc4034) {
    // RFC 4034 6.1 example order.
    std::vector<std::string> order = {"example.",         "a.example.",      "yljkjljk.a.example.",
                                      "Z.a.example.",     "zABC.a.EXAMPLE.", "z.example.",
                                      "\\001.z.example.", "*.z.example.",    "\\200.z.example."};
    for (std::size_t i = 0; i + 1 < order.size(); ++i)
        EXPECT_LT(Name::parse(order[i]), Name::parse(order[i + 1])) << order[i] << " < " << order[i + 1];
}

TEST(Name, SubdomainAndParent) {
    auto n = Name::parse("a.b.example.com.");
    EXPECT_TRUE(n.is_subdomain_of(Name::parse("EXAMPLE.com.")));
    EXPECT_TRUE(n.is_subdomain_of(n));
    EXPECT_TRUE(n.is_subdomain_of(Name()));
    EXPECT_FALSE(n.is_subdomain_of(Name::parse("ample.com.")));
    EXPECT_FALSE(Name::parse("com.").is_subdomain_of(n));
    EXPECT_EQ(n.parent(), Name::parse("b.example.com."));
    EXPECT_TRUE(Name::parse("*.example.com.").is_wildcard());
}

TEST(NameRead, Uncompressed) {
    auto msg = bytes(std::string_view("\3www\7example\3com\0", 17));
    Name n;
    std::size_t end = 0;
    EXPECT_EQ(read_at(msg, 0, n, &end), NameError::ok);
    EXPECT_EQ(n.to_text(), "www.example.com.");
    EXPECT_EQ(end, 17u);
}

TEST(NameRead, BackwardPointer) {
    auto msg = bytes(std::string_view("\7example\3com\0\3www\xC0\x00", 19));
    Name n;
    std::size_t end = 0;
    EXPECT_EQ(read_at(msg, 13, n, &end), NameError::ok);
    EXPECT_EQ(n.to_text(), "www.example.com.");
    EXPECT_EQ(end, 19u);
}

TEST(NameRead, PointerLoopRejected) {
    auto self = bytes(std::string_view("\xC0\x00", 2));
    Name n;
    EXPECT_EQ(read_at(self, 0, n), NameError::bad_pointer);
    // Two pointers pointing at each other.
    auto pair = bytes(std::string_view("\1a\xC0\x04\1b\xC0\x00", 8));
    EXPECT_EQ(read_at(pair, 4, n), NameError::bad_pointer);
}

TEST(NameRead, ForwardPointerRejected) {
    auto msg = bytes(std::string_view("\xC0\x02\1a\0", 5));
    Name n;
    EXPECT_EQ(read_at(msg, 0, n), NameError::bad_pointer);
}

TEST(NameRead, Truncated) {
    Name n;
    EXPECT_EQ(read_at(bytes(std::string_view("\3ww", 3)), 0, n), NameError::truncated);
    EXPECT_EQ(read_at(bytes(std::string_view("\3www", 4)), 0, n), NameError::truncated);
    EXPECT_EQ(read_at(bytes(std::string_view("\xC0", 1)), 0, n), NameError::truncated);
}

TEST(NameRead, LabelTypesAndLimits) {
    Name n;
    EXPECT_EQ(read_at(bytes(std::string_view("\x40"
                                             "a\0",
                                             3)),
                      0, n),
              NameError::bad_label_type);
    EXPECT_EQ(read_at(bytes(std::string_view("\x80"
                                             "a\0",
                                             3)),
                      0, n),
              NameError::bad_label_type);
    // 63-octet label ok, 64 is a label type error (0x40).
    std::string l63 = std::string(1, '\x3f') + std::string(63, 'x') + std::string(1, '\0');
    EXPECT_EQ(read_at(bytes(l63), 0, n), NameError::ok);
    // 255 octets ok, 256 too long.
    std::string w;
    for (int i = 0; i < 3; ++i) w += std::string(1, '\x3f') + std::string(63, 'x');
    std::string ok = w + std::string(1, '\x3d') + std::string(61, 'y') + std::string(1, '\0');
    std::string bad = w + std::string(1, '\x3e') + std::string(62, 'y') + std::string(1, '\0');
    ASSERT_EQ(ok.size(), 255u);
    EXPECT_EQ(read_at(bytes(ok), 0, n), NameError::ok);
    EXPECT_EQ(n.size(), 255u);
    EXPECT_EQ(read_at(bytes(bad), 0, n), NameError::name_too_long);
}

TEST(NameRead, LongNameThroughPointersRejected) {
    // Many backward pointers each adding a label: the total length limit stops it.
    std::string msg = std::string(1, '\0');
    std::size_t prev = 0;
    for (int i = 0; i < 200; ++i) {
        std::size_t at = msg.size();
        msg += std::string(1, '\1') + "a" + std::string(1, static_cast<char>(0xC0 | (prev >> 8))) +
               std::string(1, static_cast<char>(prev & 0xFF));
        prev = at;
    }
    Name n;
    EXPECT_EQ(read_at(bytes(msg), prev, n), NameError::name_too_long);
}
