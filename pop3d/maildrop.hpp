// One session's maildrop (RFC 1939 8): locked at login, its messages numbered once, deletions
// marked and carried out only in the UPDATE state. The file work blocks: the session calls
// open(), read_step() and update() through net::run_blocking.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

#include "mail/dot.hpp"
#include "mail/lock.hpp"
#include "mail/maildir.hpp"

namespace pop3d {

/// Bytes of a message file one read_step() reads at most.
inline constexpr std::size_t kReadChunk = 128 * 1024;

/// Why a maildrop could not be opened.
enum class OpenFailure {
    in_use,  ///< another session holds the lock (RFC 2449 [IN-USE])
    failed,  ///< a file error (`error` says which): [SYS/TEMP]
};

/// A locked maildrop and the messages it had at login. Movable, not copyable; the lock goes
/// with the object (and with the process, whatever kills it).
class Maildrop {
public:
    /// Takes the lock (without waiting) and lists the messages. Blocking. On failure sets
    /// `why` (and `error` for `failed`) and returns nullopt.
    [[nodiscard]] static std::optional<Maildrop> open(const mail::Maildir& dir, OpenFailure& why,
                                                      std::error_code& error);

    /// Messages at login, deleted ones included (message numbers are 1..size()).
    [[nodiscard]] std::size_t size() const { return messages_.size(); }
    /// Messages not marked deleted, and their CRLF size (STAT, RFC 1939 5).
    [[nodiscard]] std::size_t live_count() const { return live_count_; }
    [[nodiscard]] std::uint64_t live_octets() const { return live_octets_; }
    /// Message `n` (1-based), or null when out of range or marked deleted.
    [[nodiscard]] mail::Message* get(std::size_t n);
    /// Marks message `n` deleted; false when out of range or marked already.
    bool erase(std::size_t n);
    /// Unmarks every deleted message (RSET).
    void reset();
    /// How many are marked deleted.
    [[nodiscard]] std::size_t deleted_count() const { return size() - live_count_; }

    /// The UPDATE state (RFC 1939 6): removes the messages marked deleted. Blocking. Returns how
    /// many could not be removed (a message someone else removed already counts as removed).
    [[nodiscard]] std::size_t update();

    [[nodiscard]] const mail::Maildir& dir() const { return dir_; }

private:
    Maildrop(mail::Maildir dir, mail::MaildropLock lock, std::vector<mail::Message> messages);
    mail::Maildir dir_;
    mail::MaildropLock lock_;
    std::vector<mail::Message> messages_;
    std::vector<bool> deleted_;
    std::size_t live_count_ = 0;
    std::uint64_t live_octets_ = 0;
};

/// One RETR or TOP in progress: the open file, where we are in it and the dot-stuffer.
struct Transfer {
    explicit Transfer(std::optional<std::size_t> body_lines = std::nullopt) : stuffer(body_lines) {}
    mail::File file;
    mail::DotStuffer stuffer;
    std::uint64_t offset = 0;
    std::uint64_t size = 0;  ///< the file's size, from fstat at open
    bool done = false;       ///< the terminator has been appended
    bool mark_seen = false;  ///< at the end, move the message to cur/ with flag S (RETR)
};

/// The next piece of a transfer, blocking: opens the message on the first call (following a
/// rename by another reader), reads up to kReadChunk bytes and appends their network form to
/// `out` (CRLF line ends, dots stuffed); at the end of the file or of TOP's lines, the
/// terminator, and for RETR the move to cur/ with flag S (a failure there is not the
/// transfer's). Errors: open errors (mail::is_gone: the message was removed), read errors.
[[nodiscard]] std::error_code read_step(const mail::Maildir& dir, mail::Message& m, Transfer& t, std::string& out);

}  // namespace pop3d
