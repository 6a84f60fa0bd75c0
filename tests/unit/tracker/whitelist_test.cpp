#include "tracker/whitelist.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <stdexcept>

namespace tracker {
namespace {

const std::string kH1 = "0123456789abcdef0123456789abcdef01234567";
const std::string kH2 = "ffffffffffffffffffffffffffffffffffffffff";

TEST(Whitelist, ParsesHashesCommentsAndBlanks) {
    auto set = parse_whitelist("# demo\n" + kH1 + "\n\n  " + kH2 + "  # second\r\n", "w");
    EXPECT_EQ(set.size(), 2u);
    EXPECT_TRUE(set.contains(*hash20_from_hex(kH1)));
    EXPECT_TRUE(set.contains(*hash20_from_hex(kH2)));
}

TEST(Whitelist, BadLineNamesFileAndLine) {
    try {
        (void)parse_whitelist(kH1 + "\nnot-a-hash\n", "list.txt");
        FAIL() << "no exception";
    } catch (const std::runtime_error& e) {
        EXPECT_EQ(std::string(e.what()).rfind("list.txt:2:", 0), 0u) << e.what();
    }
    EXPECT_THROW((void)parse_whitelist(kH1.substr(1) + "\n", "w"), std::runtime_error);
}

TEST(Whitelist, ReplaceIsAtomicSwap) {
    Whitelist w;
    EXPECT_FALSE(w.contains(*hash20_from_hex(kH1)));
    w.replace(parse_whitelist(kH1, "w"));
    EXPECT_TRUE(w.contains(*hash20_from_hex(kH1)));
    EXPECT_EQ(w.size(), 1u);
    w.replace(parse_whitelist(kH2, "w"));
    EXPECT_FALSE(w.contains(*hash20_from_hex(kH1)));
}

TEST(Whitelist, LoadFromFile) {
    char path[] = "/tmp/tracker-whitelist-XXXXXX";
    int fd = mkstemp(path);
    ASSERT_GE(fd, 0);
    close(fd);
    std::ofstream(path) << kH1 << "\n";
    EXPECT_EQ(load_whitelist(path).size(), 1u);
    std::remove(path);
    EXPECT_THROW((void)load_whitelist(path), std::runtime_error);
}

}  // namespace
}  // namespace tracker
