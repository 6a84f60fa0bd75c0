#include "fs/open.hpp"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <climits>
#include <cstdint>
#include <cstdio>
#include <string_view>

namespace fs {

namespace {

Opened failed(int err) { return {FileHandle(), err}; }

// The path /proc/self/fd/<fd> names; false if it cannot be read.
bool fd_path(int fd, std::string& out) {
    char link[64];
    std::snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    char buf[PATH_MAX];
    const ssize_t n = ::readlink(link, buf, sizeof buf - 1);
    if (n <= 0) return false;
    out.assign(buf, static_cast<std::size_t>(n));
    return true;
}

// True if descriptor `fd` is `dir_fd`'s directory or lies beneath it.
bool inside(int dir_fd, int fd, int& err) {
    std::string root, file;
    if (!fd_path(dir_fd, root) || !fd_path(fd, file)) {
        err = EACCES;
        return false;
    }
    const std::string_view r(root), f(file);
    if (f == r || (f.starts_with(r) && (r == "/" || f[r.size()] == '/'))) return true;
    err = EXDEV;
    return false;
}

Opened open_then_check(int dir_fd, const char* path, int flags, mode_t mode) {
    FileHandle fd(::openat(dir_fd, path, flags | O_CLOEXEC, mode));
    if (!fd) return failed(errno);
    int err = 0;
    if (!inside(dir_fd, fd.get(), err)) return failed(err);
    return {std::move(fd), 0};
}

}  // namespace

namespace detail {

Opened open_checked(int dir_fd, const std::string& path, int flags, mode_t mode) {
    if (!(flags & O_CREAT)) return open_then_check(dir_fd, path.empty() ? "." : path.c_str(), flags, mode);
    // Creating: opening first could create the file outside (through a symlinked directory)
    // before the check refuses it. Check the parent, then create in it without following a
    // symlink in the last component.
    const auto slash = path.rfind('/');
    const std::string parent = slash == std::string::npos ? std::string(".") : path.substr(0, slash + 1);
    const std::string name = slash == std::string::npos ? path : path.substr(slash + 1);
    if (name.empty() || name == "." || name == "..") return failed(EISDIR);
    Opened dir = open_then_check(dir_fd, parent.c_str(), O_PATH | O_DIRECTORY, 0);
    if (!dir) return dir;
    FileHandle fd(::openat(dir.file.get(), name.c_str(), flags | O_CLOEXEC | O_NOFOLLOW, mode));
    if (!fd) return failed(errno);
    return {std::move(fd), 0};
}

}  // namespace detail

Opened open_beneath(int dir_fd, const std::string& path, int flags, mode_t mode) {
    static std::atomic<bool> have_openat2{true};
    if (have_openat2.load(std::memory_order_relaxed)) {
        open_how how{};
        how.flags = static_cast<std::uint64_t>(flags | O_CLOEXEC);
        // openat2 refuses a mode without O_CREAT or O_TMPFILE (which includes O_DIRECTORY's bit).
        const bool creates = (flags & O_CREAT) != 0 || (flags & O_TMPFILE) == O_TMPFILE;
        how.mode = creates ? mode : 0;
        how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
        const long fd = ::syscall(SYS_openat2, dir_fd, path.empty() ? "." : path.c_str(), &how, sizeof how);
        if (fd >= 0) return {FileHandle(static_cast<int>(fd)), 0};
        if (errno != ENOSYS) return failed(errno);
        have_openat2.store(false, std::memory_order_relaxed);
    }
    return detail::open_checked(dir_fd, path, flags, mode);
}

}  // namespace fs
