// The POP3 maildrop lock (RFC 1939 8: a session has exclusive access to its maildrop).
#pragma once

#include <optional>
#include <system_error>

#include "mail/file.hpp"
#include "mail/maildir.hpp"

namespace mail {

/// Name of the lock file inside the Maildir. Its existence means nothing: the lock is an
/// flock(2) on it, which the kernel drops when the holder closes it or dies (also by SIGKILL).
inline constexpr const char* kMaildropLockFile = "netsuite-maildrop.lock";

/// An exclusive lock on one maildrop, held until destruction or release(). Sessions in the
/// same process exclude each other too (the lock belongs to the open file, not the process).
class MaildropLock {
public:
    /// Takes the lock without waiting, creating the Maildir and the lock file when missing.
    /// nullopt when another session holds it (`error`, if given, is then cleared) or on failure
    /// (`error` set: EACCES, ENOSPC, ...).
    [[nodiscard]] static std::optional<MaildropLock> try_acquire(const Maildir& maildir,
                                                                 std::error_code* error = nullptr);
    /// Releases the lock (destruction does the same).
    void release() { file_.reset(); }
    [[nodiscard]] bool held() const { return static_cast<bool>(file_); }

private:
    explicit MaildropLock(File f) : file_(std::move(f)) {}
    File file_;
};

}  // namespace mail
