// Durable delivery into a Maildir: write under tmp/, fsync, rename into new/, fsync new/.
// Blocking file I/O: daemons run begin/commit (at least) through net::run_blocking.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "mail/file.hpp"
#include "mail/maildir.hpp"

namespace mail {

/// One message being written into a Maildir, incrementally (never held in memory whole).
/// Stored with LF line ends, as Maildir files conventionally are (Dovecot, Postfix, mutt), and
/// named "<unique>,S=<size>,W=<crlf size>" in new/. Not thread-safe; movable.
class Delivery {
public:
    Delivery() = default;
    /// Unlinks the tmp/ file of a delivery that was not committed.
    ~Delivery();
    Delivery(Delivery&& o) noexcept;
    Delivery& operator=(Delivery&& o) noexcept;
    Delivery(const Delivery&) = delete;
    Delivery& operator=(const Delivery&) = delete;

    /// Creates tmp/<unique> in `maildir` (creating the Maildir when missing). Errors: mkdir and
    /// open errors (EACCES, ENOSPC, ...); EBUSY if a delivery is already in progress.
    [[nodiscard]] std::error_code begin(const Maildir& maildir);
    /// Appends network-form text (CRLF line ends, already dot-unstuffed): CRLF is stored as LF,
    /// a CR or LF alone is kept. Buffers up to 64 KiB between write(2) calls. Errors: write
    /// errors (ENOSPC, EIO); the first error sticks until commit/abort.
    [[nodiscard]] std::error_code write(std::string_view network_text);
    /// Appends text that is already in stored form (LF line ends), e.g. from a queue file.
    [[nodiscard]] std::error_code write_stored(std::string_view stored_text);
    /// Appends `length` bytes of stored-form text read from `fd` at `offset`. Errors: read and
    /// write errors; EIO when the file is shorter.
    [[nodiscard]] std::error_code copy_from(int fd, std::uint64_t offset, std::uint64_t length);
    /// Makes the message durable and visible: flush, fsync, rename into new/ under its final
    /// name, fsync new/. Returns that name. On error the tmp/ file is removed.
    [[nodiscard]] Result<std::string> commit();
    /// Drops the message (unlinks the tmp/ file).
    void abort();

    /// True between begin() and commit()/abort().
    [[nodiscard]] bool active() const { return static_cast<bool>(file_); }
    /// Bytes stored so far (the S= value).
    [[nodiscard]] std::uint64_t size() const { return size_; }
    /// Bytes with CRLF line ends (the W= value; the POP3 size).
    [[nodiscard]] std::uint64_t crlf_size() const { return crlf_size_; }
    /// The tmp/ file being written ("" when not active).
    [[nodiscard]] const std::string& tmp_path() const { return tmp_path_; }

private:
    std::error_code store(std::string_view stored);
    std::error_code flush();
    Maildir maildir_;
    std::string unique_;
    std::string tmp_path_;
    File file_;
    std::string buf_;
    bool pending_cr_ = false;
    char last_ = '\0';
    std::uint64_t size_ = 0;
    std::uint64_t crlf_size_ = 0;
    std::error_code error_;
};

/// A message already written in stored form (LF line ends), e.g. a queue file's body.
struct Source {
    std::string path{};                     ///< the file
    std::uint64_t offset = 0;               ///< where the message starts (after the caller's envelope)
    std::optional<std::uint64_t> length{};  ///< message bytes; nullopt = to the end of the file
};

/// One recipient of deliver_copies().
struct Target {
    Maildir maildir{};
    /// Header lines in network form put in front for this recipient (return_path_field(),
    /// delivered_to_field(), received_field()); "" lets the copy be a hard link.
    std::string prefix{};
};

/// Delivers `source` into every target, each as durably as Delivery::commit: a hard link into
/// new/ when the target has no prefix, the whole file is the message and both are on one
/// filesystem; a copy otherwise. One result per target, in order: the name in new/, or the
/// error (ENOENT/EACCES opening the source fails them all).
[[nodiscard]] std::vector<Result<std::string>> deliver_copies(const Source& source, std::span<const Target> targets);

}  // namespace mail
