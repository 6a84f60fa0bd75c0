#include "mail/lock.hpp"

#include <fcntl.h>
#include <sys/file.h>

namespace mail {

std::optional<MaildropLock> MaildropLock::try_acquire(const Maildir& maildir, std::error_code* error) {
    std::error_code ignored;
    std::error_code& ec = error ? *error : ignored;
    ec = maildir.create();
    if (ec) return std::nullopt;
    const std::string path = maildir.path() + "/" + kMaildropLockFile;
    File f(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600));
    if (!f) {
        ec = last_error();
        return std::nullopt;
    }
    // flock(2), not a lock file whose existence is the lock: a session killed by SIGKILL
    // leaves no stale lock, and two sessions of one process exclude each other (the lock is
    // on the open file description).
    while (::flock(f.get(), LOCK_EX | LOCK_NB) != 0) {
        if (errno == EINTR) continue;
        if (errno != EWOULDBLOCK) ec = last_error();
        return std::nullopt;
    }
    return MaildropLock(std::move(f));
}

}  // namespace mail
