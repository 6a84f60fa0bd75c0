// An owned file descriptor and errno-carrying results, for the Maildir functions.
#pragma once

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <system_error>
#include <utility>

namespace mail {

/// Owns a file descriptor; closes it on destruction.
class File {
public:
    File() = default;
    explicit File(int fd) : fd_(fd) {}
    File(File&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
    File& operator=(File&& o) noexcept {
        if (this != &o) reset(std::exchange(o.fd_, -1));
        return *this;
    }
    File(const File&) = delete;
    File& operator=(const File&) = delete;
    ~File() { reset(); }

    [[nodiscard]] int get() const { return fd_; }
    [[nodiscard]] explicit operator bool() const { return fd_ >= 0; }
    /// Gives up ownership; returns the descriptor (-1 if none).
    [[nodiscard]] int release() { return std::exchange(fd_, -1); }
    /// Closes the descriptor (if any) and takes `fd`.
    void reset(int fd = -1) {
        if (fd_ >= 0) ::close(fd_);
        fd_ = fd;
    }

private:
    int fd_ = -1;
};

/// An errno value as a std::error_code (0 = success).
[[nodiscard]] inline std::error_code errno_code(int e) { return {e, std::system_category()}; }
/// The current errno as a std::error_code.
[[nodiscard]] inline std::error_code last_error() { return errno_code(errno); }
/// True for the error of a message that another process moved or deleted meanwhile (ENOENT):
/// the caller treats the message as gone, not as a failure.
[[nodiscard]] inline bool is_gone(const std::error_code& ec) { return ec == std::errc::no_such_file_or_directory; }

/// fsync(2) of a directory, which makes the entries created or renamed in it durable.
/// Errors: open and fsync errors.
[[nodiscard]] inline std::error_code fsync_dir(const std::string& dir) {
    File d(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!d) return last_error();
    if (::fsync(d.get()) != 0) return last_error();
    return {};
}

/// A value or an errno-carrying error (`value` is meaningful only when `error` is empty).
template <class T>
struct Result {
    T value{};
    std::error_code error{};
    [[nodiscard]] explicit operator bool() const { return !error; }
    [[nodiscard]] static Result fail(std::error_code ec) { return {T{}, ec}; }
};

}  // namespace mail
