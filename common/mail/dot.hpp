// Dot-stuffing (RFC 5321 4.5.2, RFC 1939 3): message text to and from the network form of
// SMTP DATA and POP3 multi-line responses. Pure and incremental: no I/O.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mail {

/// Message text (LF or CRLF line ends, as stored in a Maildir) to network form: CRLF line ends,
/// a leading "." doubled, then the terminating ".". For POP3 RETR/TOP and an SMTP client's DATA.
/// Chunks may split anywhere (also between CR and LF).
class DotStuffer {
public:
    /// `body_lines`: stop after the header, the empty line and this many body lines (POP3 TOP);
    /// nullopt sends the whole message.
    explicit DotStuffer(std::optional<std::size_t> body_lines = std::nullopt) : body_lines_(body_lines) {}

    /// Appends the network form of `in` to `out`. Returns false once a TOP limit has been
    /// reached: the rest of the message may be left unread.
    bool feed(std::string_view in, std::string& out);
    /// Appends the end of the multi-line text: CRLF if the last line was unterminated, then
    /// ".\r\n".
    void finish(std::string& out);
    /// True once the TOP limit has been reached.
    [[nodiscard]] bool done() const { return done_; }

private:
    void end_line(std::string& out);
    std::optional<std::size_t> body_lines_;
    bool line_start_ = true;
    bool pending_cr_ = false;
    bool line_empty_ = true;  // nothing but the terminator so far on this line
    bool in_body_ = false;
    bool done_ = false;
};

/// The whole of `text` in network form, terminator included (DotStuffer in one call).
[[nodiscard]] std::string to_network(std::string_view text, std::optional<std::size_t> body_lines = std::nullopt);

/// How DotUnstuffer treats a CR or LF that is not part of a CRLF pair (RFC 5321 2.3.8 forbids
/// them; the 2023 SMTP smuggling attacks hide a second message behind them).
enum class BareNewline {
    keep,       ///< kept as content, never a line end (the caller may refuse the message)
    normalize,  ///< written as CRLF and starts a new line (Postfix's smtpd_forbid_bare_newline=normalize)
};

/// Result of DotUnstuffer::feed.
struct UnstuffResult {
    std::size_t consumed = 0;  ///< bytes of the input used; after completion the rest is the next command
    bool complete = false;     ///< the terminating <CRLF>.<CRLF> was seen
};

/// SMTP DATA input (after the 354) to message text: removes the leading "." of each line and
/// finds the end. Only <CRLF>.<CRLF> ends the message (the CRLF before the dot belongs to the
/// last line, which the output keeps); <LF>.<LF>, <CR>.<CR> and mixtures are content. Output
/// is in network form (CRLF). Chunks may split anywhere.
class DotUnstuffer {
public:
    explicit DotUnstuffer(BareNewline mode = BareNewline::keep) : mode_(mode) {}

    /// Consumes bytes of `in` up to and including the terminator, appending message text to `out`.
    UnstuffResult feed(std::string_view in, std::string& out);
    [[nodiscard]] bool complete() const { return state_ == State::complete; }
    /// LFs seen without a CR before them.
    [[nodiscard]] std::uint64_t bare_lf() const { return bare_lf_; }
    /// CRs seen without an LF after them.
    [[nodiscard]] std::uint64_t bare_cr() const { return bare_cr_; }
    /// Length of the longest line so far, its terminator and a stuffing dot excluded
    /// (RFC 5321 4.5.3.1.6 allows 998).
    [[nodiscard]] std::size_t longest_line() const { return longest_line_; }
    /// Message text bytes produced so far.
    [[nodiscard]] std::uint64_t size() const { return size_; }
    /// Starts a new message (the next DATA).
    void reset() { *this = DotUnstuffer(mode_); }

private:
    enum class State {
        line_start,  // a line begins (after CRLF, or a normalised bare newline)
        dot,         // "." at the start of a line, removed
        dot_cr,      // ".\r" at the start of a line
        text,        // inside a line
        cr,          // "\r" inside a line
        complete,
    };
    void emit(std::string& out, std::string_view s);
    void newline(std::string& out, bool crlf);
    void bare(std::string& out, char c);
    BareNewline mode_;
    State state_ = State::line_start;
    bool after_crlf_ = true;  // the current line began after a real CRLF (DATA's own CRLF at first)
    std::size_t line_ = 0;
    std::size_t longest_line_ = 0;
    std::uint64_t bare_lf_ = 0;
    std::uint64_t bare_cr_ = 0;
    std::uint64_t size_ = 0;
};

}  // namespace mail
