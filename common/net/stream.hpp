// A connected byte stream, the same over plain TCP and TLS, with a watchdog deadline.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "net/asio.hpp"

namespace net {

/// A TCP socket bound to an io_context's own executor: 40 bytes instead of 88 for one holding
/// a polymorphic executor, and every operation waiting on it is smaller too.
using Socket = asio::basic_stream_socket<tcp, asio::io_context::executor_type>;

/// One accepted connection. Lives on one io_context (one thread); not thread-safe.
///
/// Deadlines: `expires_after(d)` sets an absolute deadline for every following
/// operation until changed (watchdog style; one timer per io_context serves all its
/// streams). When it passes, the pending operation fails with `asio::error::timed_out`.
class Stream {
public:
    explicit Stream(Socket socket, std::uint64_t session_id = 0);
    /// The socket's executor must be an io_context's; throws std::logic_error otherwise.
    explicit Stream(tcp::socket socket, std::uint64_t session_id = 0);
    Stream(Stream&&) noexcept;
    Stream& operator=(Stream&&) noexcept;
    ~Stream();

    /// Deadline for all following operations; replaces any earlier one.
    void expires_after(std::chrono::milliseconds d);
    /// No deadline.
    void expires_never();
    /// True once the deadline has fired (the socket was cancelled).
    [[nodiscard]] bool timed_out() const;

    /// Reads at least one byte. Errors: eof, timed_out, operation_aborted (shutdown), others.
    [[nodiscard]] task<std::size_t> read_some(asio::mutable_buffer buf, error_code& ec);
    /// Non-blocking read of what is available now; would_block if nothing. With `emptied`, also
    /// says whether the read left the socket empty: nothing queued and no end of stream waiting
    /// to be read (the kernel's TCP_INQ says so with each read), or it would block; false when
    /// unknown. Bytes or a FIN that arrive after such a read are a new readiness event.
    [[nodiscard]] std::size_t try_read(asio::mutable_buffer buf, error_code& ec, bool* emptied = nullptr);
    /// Waits until the stream is readable without consuming or buffering anything
    /// (idle connections hold no read buffer). For TLS, returns at once.
    [[nodiscard]] task<void> wait_readable(error_code& ec);
    /// Non-blocking write of what the connection takes now of `bufs` (plain TCP; over TLS it
    /// writes nothing and says would_block). Returns the bytes written; would_block if not all.
    [[nodiscard]] std::size_t try_write(std::span<const asio::const_buffer> bufs, error_code& ec);
    /// Writes everything. Errors: timed_out, broken_pipe, connection_reset, ...
    [[nodiscard]] task<void> write(std::string_view data, error_code& ec);
    [[nodiscard]] task<void> write(std::span<const asio::const_buffer> bufs, error_code& ec);
    /// Sends `count` bytes of file `fd` from `offset`: sendfile(2) on plain TCP (pread+send
    /// for the last MiB), read+write through TLS. Errors: as write, and eof if the file is shorter.
    [[nodiscard]] task<void> send_file(int fd, std::uint64_t offset, std::uint64_t count, error_code& ec);
    /// Sends what the connection takes now of those bytes (waiting until it takes some):
    /// one sendfile(2); with at most 1 MiB left, one pread+send of at most 128 KiB, then a
    /// turn for the thread's other connections; through TLS, one read+write of at most 64 KiB.
    /// Returns the bytes sent, 0 with `ec` set on error. A deadline set before each call then bounds a stall
    /// (no progress), not the length of a transfer to a slow client.
    [[nodiscard]] task<std::uint64_t> send_file_some(int fd, std::uint64_t offset, std::uint64_t count, error_code& ec);
    /// The same with its own deadline, `stall` from now, which bounds a stall rather than a
    /// slow reader: on plain TCP a wait the deadline cuts while the peer acknowledged bytes
    /// (unacknowledged() fell) waits `stall` again. Errors: as send_file_some.
    [[nodiscard]] task<std::uint64_t> send_file_some(int fd, std::uint64_t offset, std::uint64_t count,
                                                     std::chrono::milliseconds stall, error_code& ec);

    /// Bytes written to the connection that the peer has not acknowledged yet (SIOCOUTQ; 0 if
    /// unknown). A sender whose deadline passed while this fell faces a slow reader, not a stall:
    /// the socket reports itself writable only once much of a large send buffer is free.
    [[nodiscard]] std::size_t unacknowledged() const;

    /// Server-side TLS handshake on this connection (implicit TLS or STARTTLS).
    /// Bytes already buffered by a reader above must have been discarded first (RFC 3207 5).
    /// Without `session_tickets` no TLS 1.3 tickets are sent after the handshake: a peer that
    /// only writes (an FTP upload) would close with them unread, which resets the connection.
    [[nodiscard]] task<void> start_tls(asio::ssl::context& ctx, error_code& ec, bool session_tickets = true);
    [[nodiscard]] bool is_tls() const;
    /// TLS: sends close_notify and waits, under the deadline, for the peer's (an FTP data
    /// connection's end of file, RFC 4217 12.6). Errors: eof or stream_truncated when the peer
    /// just closes, timed_out. Plain: nothing. Without `wait_for_peer` it returns once ours is
    /// written (HTTPS, RFC 8446 6.1: the closing side need not wait for the reply).
    [[nodiscard]] task<void> shutdown_tls(error_code& ec, bool wait_for_peer = true);
    /// "TLSv1.3 TLS_AES_256_GCM_SHA384" after a handshake, "" before (for transcripts and logs).
    [[nodiscard]] std::string tls_description() const;

    /// Half-close: no more data from us (FIN after pending writes).
    void shutdown_send();
    /// Closes the socket; pending operations complete with operation_aborted.
    void close();
    [[nodiscard]] bool is_open() const;

    [[nodiscard]] const tcp::endpoint& peer() const;
    /// The local address (asked of the socket: not kept per connection).
    [[nodiscard]] tcp::endpoint local() const;
    [[nodiscard]] std::uint64_t id() const;
    [[nodiscard]] Socket& socket();
    [[nodiscard]] asio::any_io_executor executor();

    /// Set by the server on graceful shutdown: finish the current exchange, then close.
    [[nodiscard]] bool draining() const;
    /// Marks the stream as waiting for the start of a new request/command, so that a
    /// graceful shutdown may close it at once. Readers set it while waiting on an empty buffer.
    void set_idle(bool idle);
    [[nodiscard]] bool idle() const;

    struct Impl;
    /// For the server's session registry.
    [[nodiscard]] Impl* impl() const { return impl_.get(); }
    /// Called by the server on shutdown: closes idle streams, marks the others draining.
    static void begin_drain(Impl* impl);
    static void force_close(Impl* impl);

private:
    std::shared_ptr<Impl> impl_;
};

/// The live streams of one worker (for drains), linked through the streams themselves: a
/// connection costs no node or bucket of a container. One thread's; a stream is in one list
/// at most and must be removed before it goes.
class StreamList {
public:
    StreamList() = default;
    StreamList(const StreamList&) = delete;
    StreamList& operator=(const StreamList&) = delete;
    void add(Stream::Impl* s);
    void remove(Stream::Impl* s);
    /// Calls `fn` on every stream; `fn` may close them (closing removes none from the list).
    void for_each(void (*fn)(Stream::Impl*)) const;
    [[nodiscard]] std::size_t size() const { return size_; }
    [[nodiscard]] bool empty() const { return size_ == 0; }

private:
    Stream::Impl* head_ = nullptr;
    std::size_t size_ = 0;
};

}  // namespace net
