// Range requests and preconditions (RFC 9110 13, 14). Pure: no I/O.
#pragma once

#include <cstdint>
#include <string_view>

namespace http {

/// An inclusive byte range [first, last].
struct ByteRange {
    std::uint64_t first = 0;
    std::uint64_t last = 0;
    [[nodiscard]] std::uint64_t length() const { return last - first + 1; }
};

enum class RangeKind {
    none,           ///< no usable Range (absent, other unit, bad syntax): send the whole representation
    single,         ///< one satisfiable range: 206 with Content-Range
    multiple,       ///< several satisfiable ranges: we answer 200 with the whole file
    unsatisfiable,  ///< 416 with "Content-Range: bytes */<size>"
};

struct RangeResult {
    RangeKind kind = RangeKind::none;
    ByteRange range;  ///< valid when kind == single (clamped to the size)
};

/// Evaluates a Range field value against a representation of `size` bytes
/// (RFC 9110 14.1.2, 14.2). At most `max_ranges` specs are looked at; more -> none.
[[nodiscard]] RangeResult evaluate_range(std::string_view value, std::uint64_t size, std::size_t max_ranges = 16);

/// True if the entity-tag list in If-Match / If-None-Match matches `etag`
/// ("*" matches any). `weak` selects weak comparison (If-None-Match), else strong
/// (If-Match, If-Range): a weak tag then never matches (RFC 9110 8.8.3.2).
[[nodiscard]] bool etag_matches(std::string_view list, std::string_view etag, bool weak);

}  // namespace http
