// An owned file descriptor. Pure POSIX: no Asio.
#pragma once

namespace fs {

/// An owned file descriptor, closed on destruction. Move-only; -1 means none.
class FileHandle {
public:
    FileHandle() = default;
    explicit FileHandle(int fd) : fd_(fd) {}
    FileHandle(FileHandle&& o) noexcept : fd_(o.release()) {}
    FileHandle& operator=(FileHandle&& o) noexcept;
    FileHandle(const FileHandle&) = delete;
    FileHandle& operator=(const FileHandle&) = delete;
    ~FileHandle() { reset(); }

    [[nodiscard]] int get() const { return fd_; }
    [[nodiscard]] explicit operator bool() const { return fd_ >= 0; }
    /// Gives up ownership; returns the descriptor (-1 if none).
    [[nodiscard]] int release() {
        const int fd = fd_;
        fd_ = -1;
        return fd;
    }
    /// Closes the descriptor (if any) and takes `fd`. A close error is ignored: the
    /// descriptor is released either way (close(2) on Linux).
    void reset(int fd = -1);

private:
    int fd_ = -1;
};

}  // namespace fs
