#include "fs/file_handle.hpp"

#include <unistd.h>

namespace fs {

FileHandle& FileHandle::operator=(FileHandle&& o) noexcept {
    if (this != &o) reset(o.release());
    return *this;
}

void FileHandle::reset(int fd) {
    if (fd_ >= 0 && fd_ != fd) ::close(fd_);
    fd_ = fd;
}

}  // namespace fs
