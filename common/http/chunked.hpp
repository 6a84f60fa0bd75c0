// Incremental decoder for the chunked transfer coding (RFC 9112 7.1). Pure: no I/O.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace http {

struct ChunkedLimits {
    std::uint64_t max_body = 1 << 20;  ///< decoded bytes; over -> body_too_large (413)
    std::size_t max_line = 4096;       ///< a chunk-size line incl. extensions; over -> chunk_line_too_long
    std::size_t max_trailer = 8192;    ///< whole trailer section; over -> trailer_too_large
};

enum class ChunkStatus {
    data,       ///< `data` holds decoded body bytes (a view into the input)
    need_more,  ///< everything given was framing; feed more
    done,       ///< last chunk and trailer section read; `consumed` ends the message
    error,
};

enum class ChunkError {
    none,
    bad_chunk_size,       ///< 400: not hex, or more than 15 hex digits
    bad_chunk_extension,  ///< 400: control byte in an extension
    chunk_line_too_long,  ///< 400
    bad_line_ending,      ///< 400: framing not terminated by CRLF
    body_too_large,       ///< 413: decoded size would exceed max_body
    trailer_too_large,    ///< 431
    bad_trailer,          ///< 400: control byte in a trailer field
};

/// Response status for a chunk error (400, 413 or 431).
[[nodiscard]] int status_for(ChunkError e);

struct ChunkResult {
    ChunkStatus status = ChunkStatus::need_more;
    std::size_t consumed = 0;  ///< bytes of the input used (framing + data); drop them before the next call
    std::string_view data;     ///< decoded bytes when status == data (the tail of the consumed bytes)
    ChunkError error = ChunkError::none;
};

/// Decodes a chunked body byte-exactly across arbitrary split points. Call `decode(in)`
/// with unconsumed input; after each result drop `consumed` bytes and call again until
/// `done` or `error`. Framing must end lines with CRLF (no bare LF, to stay in step with
/// any intermediary). Trailer fields are validated and discarded.
class ChunkedDecoder {
public:
    explicit ChunkedDecoder(ChunkedLimits limits = {}) : limits_(limits) {}
    [[nodiscard]] ChunkResult decode(std::string_view in);
    [[nodiscard]] bool done() const { return state_ == State::done; }
    /// Decoded body bytes so far.
    [[nodiscard]] std::uint64_t body_size() const { return total_; }
    void reset();
    void set_limits(const ChunkedLimits& l) { limits_ = l; }

private:
    enum class State { size, ext, size_lf, data, data_cr, data_lf, trailer, trailer_lf, final_lf, done, error };
    ChunkResult fail(std::size_t consumed, ChunkError e) {
        state_ = State::error;
        return {ChunkStatus::error, consumed, {}, e};
    }
    ChunkedLimits limits_;
    State state_ = State::size;
    std::uint64_t remaining_ = 0;  // of the current chunk
    std::uint64_t total_ = 0;
    std::size_t digits_ = 0;
    std::size_t line_ = 0;          // bytes of the current size line
    std::size_t trailer_ = 0;       // bytes of the trailer section
    std::size_t trailer_line_ = 0;  // bytes of the current trailer line
};

}  // namespace http
