// A Maildir as Dovecot, Postfix and mutt read it (https://cr.yp.to/proto/maildir.html and
// Dovecot's Maildir extensions): list, open, flag and delete messages. Blocking file I/O: the
// daemons call these through net::run_blocking.
#pragma once

#include <cstdint>
#include <ctime>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "mail/file.hpp"

namespace mail {

/// The two folders messages live in.
enum class Folder {
    new_,  ///< delivered, not yet seen by any reader
    cur,   ///< seen by a reader; the name carries ":2,<flags>"
};
/// "new" or "cur".
[[nodiscard]] std::string_view to_string(Folder f);

/// One message file, as listed.
struct Message {
    Folder folder = Folder::new_;
    std::string name{};           ///< file name inside its folder
    std::string uid{};            ///< stable unique id (POP3 UIDL, RFC 1939 7): see message_uid()
    std::uint64_t size = 0;       ///< bytes on disk
    std::uint64_t crlf_size = 0;  ///< bytes with CRLF line ends (POP3 LIST/STAT, RFC 1939 5)
    std::string flags{};          ///< standard flags after ":2," (sorted, e.g. "RS"); "" in new/
    std::time_t time = 0;         ///< delivery time: the name's leading seconds, else the mtime
    [[nodiscard]] bool seen() const { return flags.find('S') != std::string::npos; }
};

/// The parts of a Maildir file name "<base>[:2,<flags>[,<extensions>]]".
struct NameParts {
    std::string_view base{};                   ///< before ":2,": unchanged for a message's whole life
    std::string_view flags{};                  ///< standard flags (before any ",")
    std::string_view info_extensions{};        ///< Dovecot's ",<non-standard fields>" after the flags
    std::optional<std::uint64_t> size{};       ///< from ",S=<size>" in the base
    std::optional<std::uint64_t> crlf_size{};  ///< from ",W=<size>" in the base
    std::optional<std::time_t> time{};         ///< the base's leading decimal seconds
};
/// Splits a file name into its parts, views into `name` (never fails: a name without ":2," is
/// all base).
[[nodiscard]] NameParts parse_name(std::string_view name);

/// The POP3 unique id of a file name: its base up to the first "," (so Dovecot's ",S=",
/// ",W=" fields, which Dovecot rewrites when wrong, do not change it); when that is longer than
/// 70 characters or has any outside 0x21-0x7E (RFC 1939 7), its SHA-256 in hex (64 characters).
[[nodiscard]] std::string message_uid(std::string_view name);

/// A fresh unique base name "<sec>.M<usec>P<pid>Q<count>R<random hex>.<host>" (the Maildir
/// spec's recommended form; "/", ":" and "," in the host name written \057, \072, \054).
[[nodiscard]] std::string unique_name();

/// Bytes `length` bytes of `fd` from `offset` would take with CRLF line ends (an LF without a CR
/// before it counts twice). Errors: read errors; EIO when the file is shorter.
[[nodiscard]] Result<std::uint64_t> crlf_size(int fd, std::uint64_t offset, std::uint64_t length);

/// One Maildir: `path` holds tmp/, new/ and cur/. Cheap to copy; holds no descriptor. Safe to
/// use from several threads and processes at once (every change is one rename or unlink).
class Maildir {
public:
    Maildir() = default;
    explicit Maildir(std::string path) : path_(std::move(path)) {}
    [[nodiscard]] const std::string& path() const { return path_; }
    /// "<path>/new" or "<path>/cur".
    [[nodiscard]] std::string folder_path(Folder f) const;
    /// Full path of a listed message.
    [[nodiscard]] std::string file_path(const Message& m) const;

    /// Makes tmp/, new/ and cur/ (mode 0700, missing parents too) and fsyncs the directories
    /// that gained an entry, so a first delivery survives a crash. Existing ones are fine.
    [[nodiscard]] std::error_code create() const;
    /// Messages of new/ and cur/ sorted by delivery time then name (stable POP3 numbering);
    /// skips dot files, non-regular files and names with control characters. Errors: ENOENT
    /// when the Maildir does not exist, EACCES, ...
    [[nodiscard]] Result<std::vector<Message>> list() const;
    /// Opens a message for reading. If another process has moved it (a flag change), follows it
    /// and updates `m`. Errors: ENOENT when it is gone (see is_gone()), others.
    [[nodiscard]] Result<File> open(Message& m) const;
    /// Marks a message seen: new/X becomes cur/X:2,S, or S joins the flags in cur/ (kept sorted,
    /// extensions after "," kept). Updates `m` and returns its new name. Errors as open().
    [[nodiscard]] Result<std::string> mark_seen(Message& m) const;
    /// Deletes a message. Errors as open(); ENOENT means someone else deleted it already.
    [[nodiscard]] std::error_code remove(Message& m) const;

private:
    std::error_code relocate(Message& m) const;
    std::string path_;
};

/// The Maildir of user `user` under `root` ("<root>/<user>", as smtpd delivers and pop3d reads),
/// or nullopt when the name could leave the root or is not a plain directory name ("", ".",
/// "..", a "/" or a control character).
[[nodiscard]] std::optional<Maildir> user_maildir(const std::string& root, std::string_view user);

}  // namespace mail
