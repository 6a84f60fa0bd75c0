// Opening files and directories beneath a root directory that nothing may escape: the
// jail of a file server (httpd's document roots, ftpd's user directories). Pure POSIX.
#pragma once

#include <sys/types.h>

#include <string>

#include "fs/file_handle.hpp"

namespace fs {

/// What an open gave: the descriptor, or the errno value that explains why there is none.
struct Opened {
    FileHandle file;
    int error = 0;  ///< 0 on success
    [[nodiscard]] explicit operator bool() const { return error == 0; }
};

/// Opens `path` ("" = the directory itself) beneath the directory `dir_fd`: neither "..", nor
/// a symlink, nor an absolute path may resolve outside it (openat2 RESOLVE_BENEATH, no magic
/// links); symlinks that stay inside work. `flags` are open(2) flags, O_CLOEXEC is always
/// added: O_RDONLY for a file, O_PATH | O_DIRECTORY (or O_RDONLY | O_DIRECTORY to list it)
/// for a directory, O_WRONLY | O_CREAT | O_EXCL with `mode` to create a file.
/// Errors: EXDEV (or ELOOP) for an escape, ENOENT, ENOTDIR, EISDIR, EEXIST, EACCES,
/// ENAMETOOLONG, ... as open(2) reports them.
[[nodiscard]] Opened open_beneath(int dir_fd, const std::string& path, int flags, mode_t mode = 0);

namespace detail {
/// The fallback open_beneath uses where openat2 does not exist (kernels before 5.6, some
/// sandboxes): open, then check in /proc/self/fd where the descriptor really points (racy
/// against a concurrent rename, which openat2 is not). With O_CREAT the parent directory is
/// checked first and the last component is never a symlink (ELOOP). Exposed for tests.
[[nodiscard]] Opened open_checked(int dir_fd, const std::string& path, int flags, mode_t mode);
}  // namespace detail

}  // namespace fs
