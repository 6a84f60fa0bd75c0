#include "net/buffer_pool.hpp"

#include <new>
#include <vector>

namespace net {
namespace {

// Free lists per size, per thread. Sizes are few (one per reader kind), so a small
// vector of (size, stack) pairs is enough. Each list keeps at most kKeep buffers so
// that a burst does not pin memory forever.
constexpr std::size_t kKeep = 256;

struct FreeList {
    std::size_t size;
    std::vector<char*> items;
};

struct Pool {
    std::vector<FreeList> lists;
    ~Pool() {
        for (auto& l : lists)
            for (char* p : l.items) ::operator delete(p);
    }
    FreeList& list_for(std::size_t size) {
        for (auto& l : lists)
            if (l.size == size) return l;
        lists.push_back({size, {}});
        return lists.back();
    }
};

Pool& pool() {
    thread_local Pool p;
    return p;
}

}  // namespace

PooledBuffer::PooledBuffer(PooledBuffer&& o) noexcept : data_(o.data_), size_(o.size_) {
    o.data_ = nullptr;
    o.size_ = 0;
}

PooledBuffer& PooledBuffer::operator=(PooledBuffer&& o) noexcept {
    if (this != &o) {
        release();
        data_ = o.data_;
        size_ = o.size_;
        o.data_ = nullptr;
        o.size_ = 0;
    }
    return *this;
}

PooledBuffer::~PooledBuffer() { release(); }

PooledBuffer PooledBuffer::acquire(std::size_t size) {
    PooledBuffer b;
    auto& l = pool().list_for(size);
    if (!l.items.empty()) {
        b.data_ = l.items.back();
        l.items.pop_back();
    } else {
        b.data_ = static_cast<char*>(::operator new(size));
    }
    b.size_ = size;
    return b;
}

void PooledBuffer::release() {
    if (!data_) return;
    auto& l = pool().list_for(size_);
    if (l.items.size() < kKeep) l.items.push_back(data_);
    else ::operator delete(data_);
    data_ = nullptr;
    size_ = 0;
}

}  // namespace net
