// TYPE A translation at every split point: the same output however the input is chunked.
#include "ftpd/ascii.hpp"

#include <gtest/gtest.h>

namespace ftpd {
namespace {

std::string encode_split(std::string_view in, std::size_t at) {
    AsciiEncoder e;
    std::string out;
    e.encode(in.substr(0, at), out);
    e.encode(in.substr(at), out);
    return out;
}

std::string decode_split(std::string_view in, std::size_t at) {
    AsciiDecoder d;
    std::string out;
    d.decode(in.substr(0, at), out);
    d.decode(in.substr(at), out);
    d.finish(out);
    return out;
}

TEST(Ascii, EncodeLfToCrlfWithoutDoubling) {
    const std::string in = "one\ntwo\r\n\nthree\rx\n";
    for (std::size_t i = 0; i <= in.size(); ++i) EXPECT_EQ(encode_split(in, i), "one\r\ntwo\r\n\r\nthree\rx\r\n") << i;
}

TEST(Ascii, DecodeCrlfToLfKeepingBareCr) {
    const std::string in = "a\r\nb\rc\r\r\nd\r";
    for (std::size_t i = 0; i <= in.size(); ++i) EXPECT_EQ(decode_split(in, i), "a\nb\rc\r\nd\r") << i;
}

TEST(Ascii, RoundTrip) {
    const std::string file = "x\ny\n\nz";
    AsciiEncoder e;
    std::string net;
    e.encode(file, net);
    AsciiDecoder d;
    std::string back;
    d.decode(net, back);
    d.finish(back);
    EXPECT_EQ(back, file);
}

}  // namespace
}  // namespace ftpd
