// The per-thread file metadata cache (files are opened beneath a root with fs::open_beneath).
#pragma once

#include <sys/stat.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>

#include "fs/file_handle.hpp"
#include "httpd/mime.hpp"

namespace httpd {

/// What we know about one file or directory, from fstat on a descriptor we opened safely.
struct FileMeta {
    bool directory = false;
    bool regular = false;
    dev_t dev = 0;
    ino_t ino = 0;
    std::uint64_t size = 0;
    struct timespec mtime {};
    struct timespec ctime {};
    std::string etag;           ///< strong, quoted
    std::string last_modified;  ///< IMF-fixdate
    std::string content_type;
    std::string validator_fields;  ///< "Last-Modified: ...\r\nETag: ...\r\n", as sent
    std::string entity_fields;     ///< "Content-Type: ...\r\nAccept-Ranges: bytes\r\n", as sent
    bool has_data = false;         ///< `data` holds the whole file (small files)
    std::string data;
};

/// Per-thread cache of FileMeta keyed by (root, relative path). A hit is revalidated with one
/// fstatat(): a changed device, inode, size, mtime or ctime drops the entry. A file held in
/// memory is trusted without that fstatat for `valid_ms` after its last check (nginx's
/// open_file_cache_valid, h2o's per-loop cache), unless note_change() was called since: an edit
/// made outside the server shows within `valid_ms`, one made through it (PUT, DELETE) at once.
/// Bounded by entries and by the bytes of the files it holds (`max_bytes`): past either bound
/// it starts afresh (a working set refills it quickly).
class FileCache {
public:
    FileCache(std::size_t max_entries, std::size_t max_file, const MimeTypes& mime, std::string default_type,
              unsigned valid_ms = 0, std::size_t max_bytes = std::size_t{32} << 20);

    /// Every thread's cache revalidates its next hits (a PUT or DELETE changed a file).
    static void note_change() { generation_.fetch_add(1, std::memory_order_release); }

    struct Result {
        int error = 0;                         ///< 0 or an errno value (ENOENT, EXDEV, ...)
        std::shared_ptr<const FileMeta> meta;  ///< set when error == 0
        fs::FileHandle fd;                     ///< open file when the body must come from disk
    };
    /// Looks up `relative` under `root_fd` (`root_id` distinguishes roots in the key).
    /// `want_fd`: open a descriptor for a regular file not held in memory.
    [[nodiscard]] Result get(int root_fd, int root_id, const std::string& relative, bool want_fd);
    [[nodiscard]] std::size_t size() const { return map_.size(); }
    /// Bytes of file contents held.
    [[nodiscard]] std::size_t bytes() const { return bytes_; }

private:
    struct Entry {
        std::shared_ptr<const FileMeta> meta;
        std::int64_t checked_ms = 0;   ///< monotonic time of the last fstatat that matched
        std::uint64_t generation = 0;  ///< generation_ at that check
    };
    std::shared_ptr<FileMeta> build(int fd, const struct stat& st, const std::string& relative) const;
    static std::int64_t now_ms();
    static inline std::atomic<std::uint64_t> generation_{0};
    std::size_t max_entries_;
    std::size_t max_file_;
    const MimeTypes& mime_;
    std::string default_type_;
    std::int64_t valid_ms_;
    std::size_t max_bytes_;
    std::size_t bytes_ = 0;
    std::unordered_map<std::string, Entry> map_;
    std::string key_;
};

}  // namespace httpd
