// Per-thread pool of read buffers, so that idle connections hold no buffer memory.
#pragma once

#include <cstddef>
#include <memory>

namespace net {

/// A buffer borrowed from the calling thread's pool; returns itself on destruction.
/// Must be released on the thread that acquired it (every Stream lives on one thread).
class PooledBuffer {
public:
    PooledBuffer() = default;
    PooledBuffer(PooledBuffer&& o) noexcept;
    PooledBuffer& operator=(PooledBuffer&& o) noexcept;
    ~PooledBuffer();

    /// Takes a buffer of at least `size` bytes from the pool (or allocates one).
    [[nodiscard]] static PooledBuffer acquire(std::size_t size);
    void release();
    [[nodiscard]] char* data() const { return data_; }
    [[nodiscard]] std::size_t size() const { return size_; }
    [[nodiscard]] explicit operator bool() const { return data_ != nullptr; }

private:
    char* data_ = nullptr;
    std::size_t size_ = 0;
};

}  // namespace net
