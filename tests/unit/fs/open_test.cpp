// open_beneath, with openat2 and with the /proc fallback: the same answers for every way
// out of the root, and the same successes inside it.
#include "fs/open.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <functional>
#include <string>

#include "support/temp_dir.hpp"

using suite::test::TempDir;

namespace {

using OpenFn = std::function<fs::Opened(int, const std::string&, int, mode_t)>;

struct Tree {
    TempDir dir;
    int root = -1;
    Tree() {
        dir.mkdir("root/sub");
        dir.mkdir("outside");
        dir.write("root/a.txt", "hello");
        dir.write("root/sub/b.txt", "b");
        dir.write("outside/secret", "secret");
        dir.symlink(dir.path("outside/secret"), "root/escape");
        dir.symlink(dir.path("outside"), "root/escdir");
        dir.symlink("sub/b.txt", "root/inside");
        dir.symlink("sub", "root/subdir-link");
        root = ::open(dir.path("root").c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
    }
    ~Tree() { ::close(root); }
    Tree(const Tree&) = delete;
    Tree& operator=(const Tree&) = delete;
};

class OpenBeneath : public ::testing::TestWithParam<bool> {
protected:
    // GetParam(): true = the fallback without openat2.
    fs::Opened open(const std::string& path, int flags, mode_t mode = 0) {
        return GetParam() ? fs::detail::open_checked(t.root, path, flags, mode)
                          : fs::open_beneath(t.root, path, flags, mode);
    }
    Tree t;
};

}  // namespace

TEST_P(OpenBeneath, FilesAndDirectoriesInside) {
    for (const char* ok : {"a.txt", "sub/b.txt", "inside", "sub/../a.txt", "./a.txt"}) {
        const auto r = open(ok, O_RDONLY);
        EXPECT_TRUE(r) << ok << " errno " << r.error;
        EXPECT_TRUE(r.file) << ok;
    }
    for (const char* dir : {"", ".", "sub", "sub/", "subdir-link"}) {
        EXPECT_TRUE(open(dir, O_PATH | O_DIRECTORY)) << dir;
        EXPECT_TRUE(open(dir, O_RDONLY | O_DIRECTORY)) << dir;
    }
    const auto r = open("a.txt", O_RDONLY);
    char buf[8] = {};
    ASSERT_EQ(::read(r.file.get(), buf, sizeof buf), 5);
    EXPECT_STREQ(buf, "hello");
    EXPECT_NE(::fcntl(r.file.get(), F_GETFD) & FD_CLOEXEC, 0);
}

TEST_P(OpenBeneath, EveryWayOutIsRefused) {
    for (const char* out :
         {"escape", "escdir/secret", "escdir", "../outside/secret", "sub/../../outside/secret", ".."}) {
        const auto r = open(out, O_RDONLY);
        EXPECT_FALSE(r) << out;
        EXPECT_TRUE(r.error == EXDEV || r.error == ELOOP) << out << " errno " << r.error;
        EXPECT_FALSE(r.file);
    }
    const auto abs = open(t.dir.path("outside/secret"), O_RDONLY);
    EXPECT_TRUE(abs.error == EXDEV || abs.error == ELOOP) << abs.error;
}

TEST_P(OpenBeneath, ErrorsAreErrnoValues) {
    EXPECT_EQ(open("missing", O_RDONLY).error, ENOENT);
    EXPECT_EQ(open("a.txt/x", O_RDONLY).error, ENOTDIR);
    EXPECT_EQ(open("a.txt", O_PATH | O_DIRECTORY).error, ENOTDIR);
    EXPECT_EQ(open(std::string(256, 'n'), O_RDONLY).error, ENAMETOOLONG);
    EXPECT_EQ(open("a.txt", O_WRONLY | O_CREAT | O_EXCL, 0600).error, EEXIST);
}

TEST_P(OpenBeneath, CreatesWithAModeButNeverOutside) {
    const auto r = open("sub/new.txt", O_WRONLY | O_CREAT | O_EXCL, 0640);
    ASSERT_TRUE(r) << r.error;
    struct stat st {};
    ASSERT_EQ(::fstat(r.file.get(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777 & ~0640u, 0u);  // the umask may only take bits away
    EXPECT_TRUE(S_ISREG(st.st_mode));
    // Through a symlinked directory that leaves the root: refused, nothing created outside.
    const auto out = open("escdir/created", O_WRONLY | O_CREAT, 0600);
    EXPECT_TRUE(out.error == EXDEV || out.error == ELOOP) << out.error;
    EXPECT_FALSE(std::filesystem::exists(t.dir.path("outside/created")));
    const auto climb = open("../created", O_WRONLY | O_CREAT, 0600);
    EXPECT_TRUE(climb.error == EXDEV || climb.error == ELOOP) << climb.error;
    EXPECT_FALSE(std::filesystem::exists(t.dir.path("created")));
    // Through a symlink as the last component: never written outside.
    const auto link = open("escape", O_WRONLY | O_CREAT, 0600);
    EXPECT_FALSE(link);
    EXPECT_EQ(t.dir.read("outside/secret"), "secret");
    EXPECT_EQ(open("missing-dir/x", O_WRONLY | O_CREAT, 0600).error, ENOENT);
}

INSTANTIATE_TEST_SUITE_P(Resolvers, OpenBeneath, ::testing::Values(false, true),
                         [](const ::testing::TestParamInfo<bool>& i) { return i.param ? "ProcFallback" : "Openat2"; });
