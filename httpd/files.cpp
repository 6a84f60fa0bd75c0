#include "httpd/files.hpp"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <climits>

#include "http/date.hpp"
#include "httpd/conditional.hpp"

namespace httpd {

namespace {
// Without openat2 (old kernels, some sandboxes): open, then check where the descriptor
// really points. Racy against a concurrent rename, which openat2 is not.
int open_checked(int root_fd, const char* path, int flags, mode_t mode) {
    const int fd = ::openat(root_fd, path, flags | O_CLOEXEC, mode);
    if (fd < 0) return -errno;
    char root_link[64], fd_link[64];
    std::snprintf(root_link, sizeof root_link, "/proc/self/fd/%d", root_fd);
    std::snprintf(fd_link, sizeof fd_link, "/proc/self/fd/%d", fd);
    char root_path[PATH_MAX], fd_path[PATH_MAX];
    const ssize_t rn = ::readlink(root_link, root_path, sizeof root_path - 1);
    const ssize_t fn = ::readlink(fd_link, fd_path, sizeof fd_path - 1);
    if (rn <= 0 || fn <= 0) {
        ::close(fd);
        return -EACCES;
    }
    const std::string_view r(root_path, static_cast<std::size_t>(rn)), f(fd_path, static_cast<std::size_t>(fn));
    const bool inside = f == r || (f.starts_with(r) && (r == "/" || f[r.size()] == '/'));
    if (!inside) {
        ::close(fd);
        return -EXDEV;
    }
    return fd;
}
}  // namespace

int open_beneath(int root_fd, const std::string& relative, int flags, mode_t mode) {
    const char* path = relative.empty() ? "." : relative.c_str();
    static std::atomic<bool> have_openat2{true};
    if (have_openat2.load(std::memory_order_relaxed)) {
        open_how how{};
        how.flags = static_cast<std::uint64_t>(flags | O_CLOEXEC);
        how.mode = (flags & O_CREAT) ? mode : 0;
        how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
        const long fd = ::syscall(SYS_openat2, root_fd, path, &how, sizeof how);
        if (fd >= 0) return static_cast<int>(fd);
        if (errno != ENOSYS) return -errno;
        have_openat2.store(false, std::memory_order_relaxed);
    }
    return open_checked(root_fd, path, flags, mode);
}

FileCache::FileCache(std::size_t max_entries, std::size_t max_file, const MimeTypes& mime, std::string default_type)
    : max_entries_(max_entries), max_file_(max_file), mime_(mime), default_type_(std::move(default_type)) {}

namespace {
bool same_file(const struct stat& st, const FileMeta& m) {
    return st.st_dev == m.dev && st.st_ino == m.ino && static_cast<std::uint64_t>(st.st_size) == m.size &&
           st.st_mtim.tv_sec == m.mtime.tv_sec && st.st_mtim.tv_nsec == m.mtime.tv_nsec &&
           st.st_ctim.tv_sec == m.ctime.tv_sec && st.st_ctim.tv_nsec == m.ctime.tv_nsec &&
           S_ISDIR(st.st_mode) == m.directory;
}
}  // namespace

std::shared_ptr<FileMeta> FileCache::build(int fd, const struct stat& st, const std::string& relative) const {
    auto m = std::make_shared<FileMeta>();
    m->directory = S_ISDIR(st.st_mode);
    m->regular = S_ISREG(st.st_mode);
    m->dev = st.st_dev;
    m->ino = st.st_ino;
    m->size = static_cast<std::uint64_t>(st.st_size);
    m->mtime = st.st_mtim;
    m->ctime = st.st_ctim;
    if (!m->regular) return m;
    m->etag = make_etag(st.st_mtim.tv_sec, st.st_mtim.tv_nsec, m->size);
    m->last_modified = http::format_http_date(st.st_mtim.tv_sec);
    m->content_type = std::string(mime_.lookup(relative, default_type_));
    if (m->size <= max_file_) {
        m->data.resize(static_cast<std::size_t>(m->size));
        std::size_t got = 0;
        while (got < m->data.size()) {
            const ssize_t n = ::pread(fd, m->data.data() + got, m->data.size() - got, static_cast<off_t>(got));
            if (n <= 0) break;
            got += static_cast<std::size_t>(n);
        }
        // A file that changed size under us is not cached; it is sent from disk instead.
        m->has_data = got == m->data.size();
        if (!m->has_data) m->data.clear();
    }
    return m;
}

FileCache::Result FileCache::get(int root_fd, int root_id, const std::string& relative, bool want_fd) {
    key_.assign(1, static_cast<char>('A' + root_id % 64));
    key_ += relative;
    Result res;
    if (auto it = map_.find(key_); it != map_.end()) {
        struct stat st;
        const char* path = relative.empty() ? "." : relative.c_str();
        if (::fstatat(root_fd, path, &st, 0) == 0 && same_file(st, *it->second)) {
            res.meta = it->second;
            if (!want_fd || !res.meta->regular || res.meta->has_data) return res;
            const int fd = open_beneath(root_fd, relative, O_RDONLY);
            if (fd < 0) {
                res.meta.reset();
                res.error = -fd;
                return res;
            }
            res.fd.reset(fd);
            return res;
        }
        map_.erase(it);
    }
    const int fd = open_beneath(root_fd, relative, O_RDONLY | O_NONBLOCK);
    if (fd < 0) {
        res.error = -fd;
        return res;
    }
    http::FileHandle handle(fd);
    struct stat st;
    if (::fstat(fd, &st) != 0) {
        res.error = errno;
        return res;
    }
    auto meta = build(fd, st, relative);
    if (map_.size() >= max_entries_) map_.clear();  // crude but bounded; a working set refills quickly
    if (max_entries_ > 0) map_[key_] = meta;
    res.meta = std::move(meta);
    if (want_fd && res.meta->regular && !res.meta->has_data) res.fd = std::move(handle);
    return res;
}

}  // namespace httpd
