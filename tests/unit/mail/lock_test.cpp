#include "mail/lock.hpp"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>

#include "temp_dir.hpp"

namespace mail {
namespace {

using suite::test::TempDir;

// Runs `fn` in a child process; returns its exit status (0-255) or -1.
template <class F>
int in_child(F fn) {
    const pid_t pid = ::fork();
    if (pid == 0) ::_exit(fn());
    int status = 0;
    if (pid < 0 || ::waitpid(pid, &status, 0) != pid || !WIFEXITED(status)) return -1;
    return WEXITSTATUS(status);
}

// 0: got the lock, 1: held elsewhere, 2: error.
int probe(const Maildir& md) {
    std::error_code ec;
    auto lock = MaildropLock::try_acquire(md, &ec);
    return lock ? 0 : (ec ? 2 : 1);
}

TEST(MaildropLock, ExclusiveWithinTheProcess) {
    TempDir dir;
    Maildir md(dir.path("bob"));
    std::error_code ec = std::make_error_code(std::errc::io_error);
    auto first = MaildropLock::try_acquire(md, &ec);
    ASSERT_TRUE(first);
    EXPECT_FALSE(ec);
    EXPECT_TRUE(std::filesystem::is_directory(md.path() + "/new"));  // made the Maildir
    ec = std::make_error_code(std::errc::io_error);
    EXPECT_FALSE(MaildropLock::try_acquire(md, &ec));  // a second session, same process
    EXPECT_FALSE(ec) << "held, not failed";
    first->release();
    EXPECT_FALSE(first->held());
    EXPECT_TRUE(MaildropLock::try_acquire(md));
    // Another maildrop is independent.
    auto a = MaildropLock::try_acquire(md);
    EXPECT_TRUE(MaildropLock::try_acquire(Maildir(dir.path("alice"))));
}

TEST(MaildropLock, ExclusiveAcrossProcesses) {
    TempDir dir;
    Maildir md(dir.path("bob"));
    {
        auto held = MaildropLock::try_acquire(md);
        ASSERT_TRUE(held);
        EXPECT_EQ(in_child([&] { return probe(md); }), 1);
    }
    EXPECT_EQ(in_child([&] { return probe(md); }), 0);                          // released on destruction
    EXPECT_TRUE(std::filesystem::exists(md.path() + "/" + kMaildropLockFile));  // the file stays, harmless
}

TEST(MaildropLock, ReleasedWhenTheHolderIsKilled) {
    TempDir dir;
    Maildir md(dir.path("bob"));
    int ready[2];
    ASSERT_EQ(::pipe(ready), 0);
    const pid_t pid = ::fork();
    if (pid == 0) {
        auto lock = MaildropLock::try_acquire(md);
        const char c = lock ? 'y' : 'n';
        (void)!::write(ready[1], &c, 1);
        for (;;) ::pause();
    }
    ASSERT_GT(pid, 0);
    char c = 0;
    ASSERT_EQ(::read(ready[0], &c, 1), 1);  // the child holds the lock now
    ::close(ready[0]);
    ::close(ready[1]);
    ASSERT_EQ(c, 'y');
    EXPECT_FALSE(MaildropLock::try_acquire(md));
    ::kill(pid, SIGKILL);
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    EXPECT_TRUE(MaildropLock::try_acquire(md)) << "no stale lock after SIGKILL";
}

TEST(MaildropLock, FailureIsReportedAsAnError) {
    TempDir dir;
    dir.write("file", "x");
    std::error_code ec;
    EXPECT_FALSE(MaildropLock::try_acquire(Maildir(dir.path("file")), &ec));
    EXPECT_EQ(ec, std::errc::not_a_directory);
}

}  // namespace
}  // namespace mail
