// Bounds-checked big-endian cursors for BEP 15 datagrams (NSD buffer.h style): every read
// checks what is left first and reports failure as a value, never reading past the end.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string_view>

namespace tracker {

/// A read cursor over a datagram; a failed read returns false and does not move.
class ByteReader {
public:
    explicit ByteReader(std::span<const std::uint8_t> data) : data_(data) {}
    [[nodiscard]] std::size_t remaining() const { return data_.size() - pos_; }
    [[nodiscard]] bool u16(std::uint16_t& v) {
        if (remaining() < 2) return false;
        v = static_cast<std::uint16_t>((data_[pos_] << 8) | data_[pos_ + 1]);
        pos_ += 2;
        return true;
    }
    [[nodiscard]] bool u32(std::uint32_t& v) {
        if (remaining() < 4) return false;
        v = (std::uint32_t{data_[pos_]} << 24) | (std::uint32_t{data_[pos_ + 1]} << 16) |
            (std::uint32_t{data_[pos_ + 2]} << 8) | std::uint32_t{data_[pos_ + 3]};
        pos_ += 4;
        return true;
    }
    [[nodiscard]] bool u64(std::uint64_t& v) {
        std::uint32_t hi = 0, lo = 0;
        if (remaining() < 8) return false;
        (void)u32(hi);
        (void)u32(lo);
        v = (std::uint64_t{hi} << 32) | lo;
        return true;
    }
    /// Copies the next n bytes to `out`.
    [[nodiscard]] bool bytes(std::uint8_t* out, std::size_t n) {
        if (remaining() < n) return false;
        std::memcpy(out, data_.data() + pos_, n);
        pos_ += n;
        return true;
    }

private:
    std::span<const std::uint8_t> data_;
    std::size_t pos_ = 0;
};

/// A write cursor over a fixed buffer; a write that does not fit fails and writes nothing.
class ByteWriter {
public:
    explicit ByteWriter(std::span<std::uint8_t> buf) : buf_(buf) {}
    [[nodiscard]] std::size_t position() const { return pos_; }
    [[nodiscard]] std::size_t remaining() const { return buf_.size() - pos_; }
    [[nodiscard]] bool u16(std::uint16_t v) {
        if (remaining() < 2) return false;
        buf_[pos_++] = static_cast<std::uint8_t>(v >> 8);
        buf_[pos_++] = static_cast<std::uint8_t>(v);
        return true;
    }
    [[nodiscard]] bool u32(std::uint32_t v) {
        if (remaining() < 4) return false;
        for (int shift = 24; shift >= 0; shift -= 8) buf_[pos_++] = static_cast<std::uint8_t>(v >> shift);
        return true;
    }
    [[nodiscard]] bool u64(std::uint64_t v) {
        if (remaining() < 8) return false;
        return u32(static_cast<std::uint32_t>(v >> 32)) && u32(static_cast<std::uint32_t>(v));
    }
    [[nodiscard]] bool bytes(std::string_view b) {
        if (remaining() < b.size()) return false;
        std::memcpy(buf_.data() + pos_, b.data(), b.size());
        pos_ += b.size();
        return true;
    }

private:
    std::span<std::uint8_t> buf_;
    std::size_t pos_ = 0;
};

}  // namespace tracker
