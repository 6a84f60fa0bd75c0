// Buffered reading with hard limits: a byte reader and a line reader on top of it.
#pragma once

#include <cstddef>
#include <string_view>

#include "net/buffer_pool.hpp"
#include "net/stream.hpp"

namespace net {

/// Result of a read from the network.
enum class ReadStatus {
    ok,           ///< data available
    would_block,  ///< try_fill: nothing to read right now
    eof,          ///< peer closed (or reset) the connection
    timeout,      ///< the stream's deadline passed
    limit,        ///< the buffer is full (capacity reached) and the caller has not consumed
    closed,       ///< the stream was closed by us (shutdown)
    error,        ///< any other I/O error
};
[[nodiscard]] std::string_view to_string(ReadStatus s);

/// A read buffer of fixed capacity over a Stream. The buffer is taken from a per-thread
/// pool only while it holds unconsumed bytes; an idle reader holds none.
class Reader {
public:
    Reader(Stream& stream, std::size_t capacity);
    ~Reader();
    Reader(const Reader&) = delete;
    Reader& operator=(const Reader&) = delete;

    /// Reads more bytes after what is buffered. When the buffer is empty this first waits
    /// for readability without holding a buffer; with `between_messages` the stream is marked
    /// idle meanwhile (waiting for a new request or command), so that a graceful shutdown may
    /// close it at once. Leave it false while reading the rest of a message (a body, an
    /// upload): a drain must let that finish.
    /// Returns `limit` (reading nothing) when the buffer already holds `capacity` bytes.
    [[nodiscard]] task<ReadStatus> fill(bool between_messages = false);
    /// Reads what is available now, without waiting: ok (more bytes buffered), would_block
    /// (nothing yet: the caller may park), or the error. Over TLS, where readiness of the socket
    /// says nothing about decrypted bytes, it reports ok without reading (the caller then
    /// waits in fill(), as before).
    [[nodiscard]] ReadStatus try_fill();
    /// Unconsumed bytes.
    [[nodiscard]] std::string_view data() const;
    /// Drops n bytes from the front (n <= data().size()).
    void consume(std::size_t n);
    [[nodiscard]] std::size_t capacity() const { return capacity_; }
    /// Changes the capacity: at once when growing (buffered bytes are kept), when the buffer
    /// is next empty when shrinking (buffered bytes are never dropped).
    void set_capacity(std::size_t capacity);
    [[nodiscard]] bool empty() const { return begin_ == end_; }
    /// Discards everything buffered (e.g. before a STARTTLS handshake, RFC 3207 5).
    void clear();
    /// Whether the last try_fill emptied the socket (Stream::try_read: nothing more queued and
    /// no FIN waiting, or it would block). Until the next wait, bytes or a FIN that arrive are
    /// a new readiness event (what a wait on an edge-triggered registration needs; see
    /// net::Resumable::poll).
    [[nodiscard]] bool drained() const { return drained_; }
    /// The same reader on another stream (a recycled session's): empties it first.
    void rebind(Stream& stream, std::size_t capacity);
    [[nodiscard]] Stream& stream() { return *stream_; }

private:
    void compact();
    Stream* stream_;
    std::size_t capacity_;
    PooledBuffer buf_;
    std::size_t begin_ = 0;
    std::size_t end_ = 0;
    std::size_t next_capacity_ = 0;  // a smaller capacity waiting for the buffer to empty
    bool drained_ = false;
};

/// How lines end for a protocol.
struct LineOptions {
    std::size_t max_line = 1024;  ///< bytes, terminator excluded
    bool allow_bare_lf = true;    ///< accept "\n" alone as a terminator (else only CRLF)
};

enum class LineStatus {
    ok,
    too_long,  ///< a line exceeded max_line; its remainder is skipped by the next read_line
    eof,
    timeout,
    closed,
    error,
};
[[nodiscard]] std::string_view to_string(LineStatus s);

/// Reads terminated lines, never buffering more than max_line + 2 bytes.
class LineReader {
public:
    LineReader(Stream& stream, LineOptions opts);

    /// Next line without its terminator; `line` stays valid until the next call.
    /// With allow_bare_lf=false, a lone LF is kept inside the line (RFC 5321 2.3.8 says
    /// servers should not recognise it; the protocol decides what to do).
    /// After `too_long`, the rest of that line is discarded by the following call.
    /// `between_messages`: waiting for the next command (true) or for a line inside a
    /// multi-line message such as SMTP DATA (false), see Reader::fill.
    [[nodiscard]] task<LineStatus> read_line(std::string_view& line, bool between_messages = true);
    /// The underlying byte reader (for bodies that follow a header, e.g. SMTP DATA with
    /// a different limit, HTTP bodies, FTP). Consumes the last line returned, so that line's
    /// view is invalid afterwards.
    [[nodiscard]] Reader& reader() {
        if (pending_consume_) {
            reader_.consume(pending_consume_);
            pending_consume_ = 0;
        }
        return reader_;
    }
    [[nodiscard]] const LineOptions& options() const { return opts_; }
    /// Changes the line limit for the following lines (e.g. larger after login).
    void set_max_line(std::size_t max_line);
    /// Whether a whole line (or the end of an over-long one) is already buffered, so that
    /// the next read_line returns without waiting for the network (pipelined commands).
    [[nodiscard]] bool has_line() const;

private:
    Reader reader_;
    LineOptions opts_;
    std::size_t pending_consume_ = 0;
    bool skipping_ = false;
};

}  // namespace net
