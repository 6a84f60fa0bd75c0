// Bounds-checked big-endian cursors over binary protocol data (NSD buffer.h style): every
// read checks what is available first and reports failure as a value, never reading past the
// end. Shared by the DNS codec and the UDP tracker protocol (BEP 15).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string_view>

namespace wire {

/// A read cursor over a byte span. Reads fail (return false) without moving when
/// fewer bytes remain than asked for.
class ByteReader {
public:
    explicit ByteReader(std::span<const std::uint8_t> data) : data_(data) {}

    [[nodiscard]] std::size_t position() const { return pos_; }
    [[nodiscard]] std::size_t remaining() const { return data_.size() - pos_; }
    [[nodiscard]] bool available(std::size_t n) const { return remaining() >= n; }
    [[nodiscard]] std::span<const std::uint8_t> whole() const { return data_; }
    /// Moves to an absolute position; false if beyond the end.
    [[nodiscard]] bool seek(std::size_t pos) {
        if (pos > data_.size()) return false;
        pos_ = pos;
        return true;
    }
    [[nodiscard]] bool skip(std::size_t n) {
        if (!available(n)) return false;
        pos_ += n;
        return true;
    }
    [[nodiscard]] bool u8(std::uint8_t& v) {
        if (!available(1)) return false;
        v = data_[pos_++];
        return true;
    }
    [[nodiscard]] bool u16(std::uint16_t& v) {
        if (!available(2)) return false;
        v = static_cast<std::uint16_t>((data_[pos_] << 8) | data_[pos_ + 1]);
        pos_ += 2;
        return true;
    }
    [[nodiscard]] bool u32(std::uint32_t& v) {
        if (!available(4)) return false;
        v = (std::uint32_t{data_[pos_]} << 24) | (std::uint32_t{data_[pos_ + 1]} << 16) |
            (std::uint32_t{data_[pos_ + 2]} << 8) | std::uint32_t{data_[pos_ + 3]};
        pos_ += 4;
        return true;
    }
    [[nodiscard]] bool u64(std::uint64_t& v) {
        std::uint32_t hi = 0, lo = 0;
        if (!available(8)) return false;
        (void)u32(hi);
        (void)u32(lo);
        v = (std::uint64_t{hi} << 32) | lo;
        return true;
    }
    /// Copies the next n bytes to `out`, consumed.
    [[nodiscard]] bool bytes(std::uint8_t* out, std::size_t n) {
        if (!available(n)) return false;
        if (n != 0) std::memcpy(out, data_.data() + pos_, n);
        pos_ += n;
        return true;
    }
    /// A view of the next n bytes, consumed.
    [[nodiscard]] bool bytes(std::size_t n, std::span<const std::uint8_t>& out) {
        if (!available(n)) return false;
        out = data_.subspan(pos_, n);
        pos_ += n;
        return true;
    }

private:
    std::span<const std::uint8_t> data_;
    std::size_t pos_ = 0;
};

/// A write cursor over a fixed buffer with a limit. A write that does not fit fails
/// (returns false) without writing; `truncate` rolls back to a mark.
class ByteWriter {
public:
    explicit ByteWriter(std::span<std::uint8_t> buf) : buf_(buf), limit_(buf.size()) {}

    [[nodiscard]] std::size_t position() const { return pos_; }
    [[nodiscard]] std::size_t limit() const { return limit_; }
    /// Lowers (or restores, up to the buffer size) the write limit.
    void set_limit(std::size_t limit) { limit_ = limit < buf_.size() ? limit : buf_.size(); }
    [[nodiscard]] std::size_t remaining() const { return limit_ - pos_; }
    [[nodiscard]] bool available(std::size_t n) const { return remaining() >= n; }
    [[nodiscard]] std::uint8_t* data() const { return buf_.data(); }
    [[nodiscard]] std::span<const std::uint8_t> written() const { return buf_.first(pos_); }
    void truncate(std::size_t pos) {
        if (pos < pos_) pos_ = pos;
    }
    [[nodiscard]] bool u8(std::uint8_t v) {
        if (!available(1)) return false;
        buf_[pos_++] = v;
        return true;
    }
    [[nodiscard]] bool u16(std::uint16_t v) {
        if (!available(2)) return false;
        buf_[pos_] = static_cast<std::uint8_t>(v >> 8);
        buf_[pos_ + 1] = static_cast<std::uint8_t>(v);
        pos_ += 2;
        return true;
    }
    [[nodiscard]] bool u32(std::uint32_t v) {
        if (!available(4)) return false;
        buf_[pos_] = static_cast<std::uint8_t>(v >> 24);
        buf_[pos_ + 1] = static_cast<std::uint8_t>(v >> 16);
        buf_[pos_ + 2] = static_cast<std::uint8_t>(v >> 8);
        buf_[pos_ + 3] = static_cast<std::uint8_t>(v);
        pos_ += 4;
        return true;
    }
    [[nodiscard]] bool u64(std::uint64_t v) {
        if (!available(8)) return false;
        return u32(static_cast<std::uint32_t>(v >> 32)) && u32(static_cast<std::uint32_t>(v));
    }
    [[nodiscard]] bool bytes(const void* p, std::size_t n) {
        if (!available(n)) return false;
        if (n != 0) std::memcpy(buf_.data() + pos_, p, n);
        pos_ += n;
        return true;
    }
    [[nodiscard]] bool bytes(std::string_view s) { return bytes(s.data(), s.size()); }
    /// Overwrites a 16-bit value at an earlier position (counts, lengths).
    void patch_u16(std::size_t at, std::uint16_t v) {
        if (at + 2 > pos_) return;
        buf_[at] = static_cast<std::uint8_t>(v >> 8);
        buf_[at + 1] = static_cast<std::uint8_t>(v);
    }

private:
    std::span<std::uint8_t> buf_;
    std::size_t limit_;
    std::size_t pos_ = 0;
};

/// Reads a big-endian 16-bit value from raw memory (caller checked the bounds).
inline std::uint16_t load_u16(const std::uint8_t* p) { return static_cast<std::uint16_t>((p[0] << 8) | p[1]); }
inline void store_u16(std::uint8_t* p, std::uint16_t v) {
    p[0] = static_cast<std::uint8_t>(v >> 8);
    p[1] = static_cast<std::uint8_t>(v);
}

}  // namespace wire
