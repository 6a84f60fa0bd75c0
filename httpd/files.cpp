#include "httpd/files.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <ctime>

#include "fs/open.hpp"
#include "http/date.hpp"
#include "http/response.hpp"
#include "httpd/conditional.hpp"

namespace httpd {

FileCache::FileCache(std::size_t max_entries, std::size_t max_file, const MimeTypes& mime, std::string default_type,
                     unsigned valid_ms, std::size_t max_bytes)
    : max_entries_(max_entries),
      max_file_(max_file),
      mime_(mime),
      default_type_(std::move(default_type)),
      valid_ms_(valid_ms),
      max_bytes_(max_bytes) {}

std::int64_t FileCache::now_ms() {
    // The coarse clock is read from the vDSO without a system call; its tick (a few ms) is far
    // below the window it measures.
    struct timespec ts;
    ::clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
    return static_cast<std::int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1'000'000;
}

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
    // The header lines every answer for this file carries, rendered once.
    http::append_header(m->validator_fields, "Last-Modified", m->last_modified);
    http::append_header(m->validator_fields, "ETag", m->etag);
    (void)http::append_header_checked(m->entity_fields, "Content-Type", m->content_type);
    http::append_header(m->entity_fields, "Accept-Ranges", "bytes");
    if (m->size <= max_file_ && m->size <= max_bytes_) {
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
        Entry& e = it->second;
        const std::uint64_t gen = generation_.load(std::memory_order_acquire);
        if (e.meta->has_data && e.generation == gen && now_ms() - e.checked_ms < valid_ms_) {
            res.meta = e.meta;
            return res;
        }
        struct stat st;
        const char* path = relative.empty() ? "." : relative.c_str();
        if (::fstatat(root_fd, path, &st, 0) == 0 && same_file(st, *e.meta)) {
            res.meta = e.meta;
            if (res.meta->has_data && valid_ms_ > 0) {
                e.checked_ms = now_ms();
                e.generation = gen;
            }
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
        bytes_ -= it->second.meta->data.size();
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
    const std::uint64_t gen = generation_.load(std::memory_order_acquire);
    auto meta = build(handle.get(), st, relative);
    // Crude but bounded: past a bound the cache starts afresh, and a working set refills it.
    if (map_.size() >= max_entries_ || bytes_ + meta->data.size() > max_bytes_) {
        map_.clear();
        bytes_ = 0;
    }
    if (max_entries_ > 0) {
        map_[key_] = Entry{meta, now_ms(), gen};
        bytes_ += meta->data.size();
    }
    res.meta = std::move(meta);
    if (want_fd && res.meta->regular && !res.meta->has_data) res.fd = std::move(handle);
    return res;
}

}  // namespace httpd
