// Listing formats (ls -l, MLSD facts) and reading a directory with links that escape.
#include "ftpd/listing.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "temp_dir.hpp"

namespace ftpd {
namespace {

Entry file(std::string name, std::uint64_t size, std::int64_t mtime) {
    Entry e;
    e.name = std::move(name);
    e.mode = S_IFREG | 0644;
    e.size = size;
    e.mtime = mtime;
    return e;
}

TEST(Listing, LsLongFormat) {
    const std::int64_t now = 1767225600;  // 2026-01-01
    EXPECT_EQ(list_line(file("a.txt", 13, now - 60), now), "-rw-r--r-- 1 ftp ftp 13 Dec 31 23:59 a.txt");
    EXPECT_EQ(list_line(file("old", 1, now - 400 * 86400), now), "-rw-r--r-- 1 ftp ftp 1 Nov 27  2024 old");
    Entry l = file("link", 3, now);
    l.mode = S_IFLNK | 0777;
    l.link_target = "sub";
    EXPECT_EQ(list_line(l, now), "lrwxrwxrwx 1 ftp ftp 3 Jan 01 00:00 link -> sub");
}

TEST(Listing, MlsdFacts) {
    EXPECT_EQ(*mlst_line(file("a", 5, 0), kAllFacts, false),
              "type=file;size=5;modify=19700101000000;perm=r;unix.mode=0644; a");
    Entry d = file("d", 4096, 0);
    d.mode = S_IFDIR | 0755;
    EXPECT_EQ(*mlst_line(d, fact_type | fact_perm, true), "type=dir;perm=elcdfmp; d");
    Entry l = file("out", 4, 0);
    l.mode = S_IFLNK | 0777;
    EXPECT_FALSE(mlst_line(l, kAllFacts, false));  // leads nowhere reachable
    EXPECT_EQ(parse_mlst_opts("type;SIZE;bogus;"), unsigned(fact_type | fact_size));
    EXPECT_EQ(mlst_opts_reply(fact_type | fact_size), "200 MLST OPTS type;size;");
    EXPECT_EQ(mlst_feature(fact_type), "MLST type*;size;modify;perm;unix.mode;");
}

TEST(Listing, ReadsADirectoryAndResolvesOnlyLinksThatStayInside) {
    suite::test::TempDir t;
    const std::string root = t.path("root");
    t.mkdir("root/sub");
    t.write("root/b.txt", "bb");
    t.write("root/.hidden", "h");
    t.write("secret", "s");
    t.symlink("sub", "root/in");
    t.symlink(t.path("secret"), "root/out");
    std::vector<Entry> entries;
    const int fd = ::open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(read_directory(fd, false, entries), 0);
    ASSERT_EQ(entries.size(), 4u);
    EXPECT_EQ(entries[0].name, "b.txt");
    EXPECT_EQ(entries[0].size, 2u);
    EXPECT_EQ(entries[1].name, "in");
    ASSERT_TRUE(entries[1].target_mode);
    EXPECT_TRUE(S_ISDIR(*entries[1].target_mode));
    EXPECT_EQ(entries[2].name, "out");
    EXPECT_FALSE(entries[2].target_mode);
    EXPECT_EQ(entries[3].name, "sub");
    std::vector<Entry> all;
    ASSERT_EQ(read_directory(::open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC), true, all), 0);
    EXPECT_EQ(all.size(), 5u);
}

}  // namespace
}  // namespace ftpd
