// One line-protocol connection (SMTP, POP3, FTP control): reads command lines under limits,
// writes replies with pipelining-aware flushing, keeps the transcript, upgrades to TLS.
// The protocol's state machine sits on top (see line/session.hpp); this class never decides
// what a command means.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "line/command.hpp"
#include "net/reader.hpp"
#include "net/stream.hpp"
#include "net/trace.hpp"

namespace line {

/// Limits of one connection. Every one has a reply in the Dialect and a test that crosses it.
struct Limits {
    std::size_t max_line = 2048;                     ///< command line bytes after login (terminator excluded)
    std::size_t max_line_before_login = 512;         ///< the same before login (smaller, as Redis does)
    std::size_t max_commands_before_login = 50;      ///< then too_many_commands and close; 0 = no limit
    std::size_t max_errors = 20;                     ///< refused or too-long commands; then close; 0 = no limit
    std::chrono::milliseconds idle_timeout{300000};  ///< waiting for a command (RFC 5321 4.5.3.2: 5 min)
    std::chrono::milliseconds send_timeout{60000};   ///< each flush of replies
    std::chrono::milliseconds tls_timeout{30000};    ///< the TLS handshake
    bool allow_bare_lf = true;                       ///< command lines may end in LF alone
};

/// The texts a protocol answers the driver's own events with (one line each, no CRLF).
struct Dialect {
    std::string_view protocol;      ///< transcript label: "smtp", "pop3", "ftp"
    std::string line_too_long;      ///< "500 5.5.2 Line too long"
    std::string timeout;            ///< sent before closing an idle connection; empty: just close
    std::string too_many_errors;    ///< "421 4.7.0 Too many errors"
    std::string too_many_commands;  ///< the budget before login is spent
    std::string shutting_down;      ///< a busy session ends because the server stops; empty: nothing
};

/// What next_command found.
enum class Next : std::uint8_t {
    command,  ///< a command line
    park,     ///< nothing buffered, nothing to read: the session may wait without a coroutine
    end,      ///< the session is over
};

/// The I/O half of a line session. Not thread-safe: one connection, one thread.
///
/// Replies are buffered and written when the connection would otherwise wait for the client
/// (RFC 2920 3.1: a server may group the replies to pipelined commands), or at `flush()`.
class Connection {
public:
    /// `limits` and `dialect` are shared by every connection of a service and must outlive it
    /// (temporaries are refused at compile time).
    Connection(net::Stream& stream, const Limits& limits, const Dialect& dialect);
    Connection(net::Stream&, const Limits&&, const Dialect&) = delete;
    Connection(net::Stream&, const Limits&, const Dialect&&) = delete;
    ~Connection();
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    // -- commands -----------------------------------------------------------------------
    /// The next command line (without terminator; valid until the next read), or `end` when
    /// the session is over: EOF, a closed stream, a timeout (after the timeout reply), a spent
    /// budget or too many errors (after their replies), close_after_reply(), or a drain.
    /// Too-long lines are answered here and skipped. Flushes replies first when no whole line
    /// is buffered. With `may_park`, answers `park` instead of waiting when nothing is buffered
    /// or readable (the idle deadline is set; call again when the stream is readable). Does not
    /// trace the line (the driver does, masking secrets).
    [[nodiscard]] net::task<Next> next_command(std::string_view& line, bool may_park);
    /// Writes `line` to the transcript as the client's, masked as `shown` says.
    void trace_command(std::string_view line, Shown shown) const;
    /// Counts a refused command; at the limit answers too_many_errors and ends the session.
    void count_error();

    /// A line inside a command's exchange (SMTP DATA, an AUTH continuation) with `max_line`,
    /// flushing first when none is buffered; the deadline is the caller's. Not traced.
    [[nodiscard]] net::task<net::LineStatus> read_line(std::string_view& line, std::size_t max_line);
    /// The byte reader below the lines (SMTP BDAT, bodies); flush() before waiting on it.
    [[nodiscard]] net::Reader& bytes();

    // -- replies ------------------------------------------------------------------------
    /// Queues one reply line (CRLF added) and traces it as "S: ...". Multi-line text (lines
    /// separated by CRLF) is queued as is and traced line by line.
    void reply(std::string_view text);
    /// Queues a multi-line reply in the SMTP/FTP style: "code-first", ..., "code last".
    void reply_lines(std::string_view code, std::span<const std::string> lines);
    /// Queues bytes already in wire form without tracing them (a message body); flushes
    /// when more than a bounded amount is queued. False when the connection failed.
    [[nodiscard]] net::task<bool> send_data(std::string_view bytes);
    /// Writes what is queued (under send_timeout). False when the connection failed; the
    /// session is then over. A flush already in progress (another coroutine's) takes the
    /// new replies along, in order.
    [[nodiscard]] net::task<bool> flush();
    /// A transcript note ("-- ...").
    void note(std::string_view text) const;

    // -- state --------------------------------------------------------------------------
    /// Ends the session once the current command's replies are written.
    void close_after_reply() { closing_ = true; }
    [[nodiscard]] bool closing() const { return closing_; }
    /// After login: the larger line limit, no command budget.
    void set_logged_in(bool on);
    [[nodiscard]] bool logged_in() const { return logged_in_; }
    /// A transfer or other work runs beside the command loop (FTP data connection): waiting
    /// for the next command then is not idle, so a graceful stop lets it finish.
    void set_busy(bool on) { busy_ = on; }

    /// Flushes, discards any input the client sent after the command (RFC 3207 5: it was sent
    /// in the clear and must not be acted upon), and runs the TLS handshake. False on failure
    /// (the session is then over).
    [[nodiscard]] net::task<bool> start_tls(asio::ssl::context& ctx);

    /// Flushes, half-closes, drains briefly what the client still sends (so that a last reply
    /// is not destroyed by a reset: RFC 9112 9.6's reasoning, for every protocol), and closes.
    [[nodiscard]] net::task<void> finish();

    [[nodiscard]] net::Stream& stream() { return stream_; }
    [[nodiscard]] const net::SessionTrace& trace() const { return trace_; }
    [[nodiscard]] const Limits& limits() const { return limits_; }

private:
    net::task<bool> flush_within(std::chrono::milliseconds timeout);
    void end_on(net::LineStatus st);

    net::Stream& stream_;
    const Limits& limits_;
    const Dialect& dialect_;
    net::LineReader lines_;
    net::SessionTrace trace_;
    std::string out_;      // queued replies
    std::string sending_;  // the batch being written
    std::size_t commands_ = 0;
    std::size_t errors_ = 0;
    bool logged_in_ = false;
    bool busy_ = false;
    bool closing_ = false;
    bool flushing_ = false;
    bool failed_ = false;
};

}  // namespace line
