#include "httpd/files.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include "fs/open.hpp"
#include "http/date.hpp"
#include "httpd/conditional.hpp"

namespace httpd {

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
            auto opened = fs::open_beneath(root_fd, relative, O_RDONLY);
            if (!opened) {
                res.meta.reset();
                res.error = opened.error;
                return res;
            }
            res.fd = std::move(opened.file);
            return res;
        }
        map_.erase(it);
    }
    auto opened = fs::open_beneath(root_fd, relative, O_RDONLY | O_NONBLOCK);
    if (!opened) {
        res.error = opened.error;
        return res;
    }
    fs::FileHandle handle = std::move(opened.file);
    struct stat st;
    if (::fstat(handle.get(), &st) != 0) {
        res.error = errno;
        return res;
    }
    auto meta = build(handle.get(), st, relative);
    if (map_.size() >= max_entries_) map_.clear();  // crude but bounded; a working set refills quickly
    if (max_entries_ > 0) map_[key_] = meta;
    res.meta = std::move(meta);
    if (want_fd && res.meta->regular && !res.meta->has_data) res.fd = std::move(handle);
    return res;
}

}  // namespace httpd
