// The per-thread file metadata cache (files are opened beneath a root with fs::open_beneath).
#pragma once

#include <sys/stat.h>

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
    bool has_data = false;  ///< `data` holds the whole file (small files)
    std::string data;
};

/// Per-thread cache of FileMeta keyed by (root, relative path). Every hit is revalidated
/// with one fstatat(): a changed device, inode, size, mtime or ctime drops the entry, so a
/// file edited, replaced or renamed over is never served stale.
class FileCache {
public:
    FileCache(std::size_t max_entries, std::size_t max_file, const MimeTypes& mime, std::string default_type);

    struct Result {
        int error = 0;                         ///< 0 or an errno value (ENOENT, EXDEV, ...)
        std::shared_ptr<const FileMeta> meta;  ///< set when error == 0
        fs::FileHandle fd;                     ///< open file when the body must come from disk
    };
    /// Looks up `relative` under `root_fd` (`root_id` distinguishes roots in the key).
    /// `want_fd`: open a descriptor for a regular file not held in memory.
    [[nodiscard]] Result get(int root_fd, int root_id, const std::string& relative, bool want_fd);
    [[nodiscard]] std::size_t size() const { return map_.size(); }

private:
    std::shared_ptr<FileMeta> build(int fd, const struct stat& st, const std::string& relative) const;
    std::size_t max_entries_;
    std::size_t max_file_;
    const MimeTypes& mime_;
    std::string default_type_;
    std::unordered_map<std::string, std::shared_ptr<const FileMeta>> map_;
    std::string key_;
};

}  // namespace httpd
