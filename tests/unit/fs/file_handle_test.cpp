#include "fs/file_handle.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <utility>

namespace {

bool is_open(int fd) { return ::fcntl(fd, F_GETFD) != -1; }

int open_null() { return ::open("/dev/null", O_RDONLY | O_CLOEXEC); }

}  // namespace

TEST(FileHandle, ClosesOnDestructionAndReset) {
    const int a = open_null();
    {
        const fs::FileHandle h(a);
        EXPECT_TRUE(h);
        EXPECT_EQ(h.get(), a);
    }
    EXPECT_FALSE(is_open(a));
    fs::FileHandle h(open_null());
    const int b = h.get();
    const int c = open_null();
    h.reset(c);
    EXPECT_FALSE(is_open(b));
    EXPECT_TRUE(is_open(c));
    h.reset(c);  // the same descriptor again: kept, not closed
    EXPECT_TRUE(is_open(c));
    h.reset();
    EXPECT_FALSE(h);
    EXPECT_FALSE(is_open(c));
}

TEST(FileHandle, MovesAndReleasesOwnership) {
    fs::FileHandle a(open_null());
    const int fd = a.get();
    fs::FileHandle b(std::move(a));
    EXPECT_FALSE(a);  // NOLINT(bugprone-use-after-move): a moved-from handle is empty
    EXPECT_EQ(b.get(), fd);
    fs::FileHandle c(open_null());
    const int old = c.get();
    c = std::move(b);
    EXPECT_FALSE(is_open(old));
    EXPECT_EQ(c.get(), fd);
    const int raw = c.release();
    EXPECT_FALSE(c);
    EXPECT_TRUE(is_open(raw));
    ::close(raw);
    EXPECT_EQ(fs::FileHandle().get(), -1);
}
