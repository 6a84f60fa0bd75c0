#include "mail/delivery.hpp"

#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <memory>

namespace mail {
namespace {

constexpr std::size_t kWriteBuffer = 64 * 1024;

std::error_code write_all(int fd, std::string_view data) {
    while (!data.empty()) {
        const ssize_t n = ::write(fd, data.data(), data.size());
        if (n < 0) {
            if (errno == EINTR) continue;
            return last_error();
        }
        data.remove_prefix(static_cast<std::size_t>(n));
    }
    return {};
}

// A rename that never replaces an existing message (the names are unique, but a clock set
// back could repeat one); plain rename where the filesystem lacks RENAME_NOREPLACE.
int rename_new(const std::string& from, const std::string& to) {
    if (::renameat2(AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(), RENAME_NOREPLACE) == 0) return 0;
    if (errno != EINVAL && errno != ENOSYS) return -1;
    return ::rename(from.c_str(), to.c_str());
}

std::string final_name(const std::string& unique, std::uint64_t size, std::uint64_t crlf_size) {
    // Dovecot's Maildir extensions: S= is the file size, W= the size with CRLF line ends.
    return unique + ",S=" + std::to_string(size) + ",W=" + std::to_string(crlf_size);
}

}  // namespace

Delivery::~Delivery() { abort(); }

Delivery::Delivery(Delivery&& o) noexcept { *this = std::move(o); }

Delivery& Delivery::operator=(Delivery&& o) noexcept {
    if (this == &o) return *this;
    abort();
    maildir_ = std::move(o.maildir_);
    unique_ = std::move(o.unique_);
    tmp_path_ = std::exchange(o.tmp_path_, {});
    file_ = std::move(o.file_);
    buf_ = std::move(o.buf_);
    pending_cr_ = o.pending_cr_;
    last_ = o.last_;
    size_ = o.size_;
    crlf_size_ = o.crlf_size_;
    error_ = o.error_;
    return *this;
}

std::error_code Delivery::begin(const Maildir& maildir) {
    if (active()) return errno_code(EBUSY);
    maildir_ = maildir;
    unique_ = unique_name();
    std::string tmp = maildir.path() + "/tmp/" + unique_;
    auto open_tmp = [&] { return File(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600)); };
    File f = open_tmp();
    if (!f && errno == ENOENT) {  // the first delivery to this user: make the Maildir
        if (auto ec = maildir.create()) return ec;
        f = open_tmp();
    }
    if (!f) return last_error();
    file_ = std::move(f);
    tmp_path_ = std::move(tmp);
    buf_.clear();
    buf_.reserve(kWriteBuffer);
    pending_cr_ = false;
    last_ = '\0';
    size_ = crlf_size_ = 0;
    error_ = {};
    return {};
}

std::error_code Delivery::store(std::string_view stored) {
    if (error_) return error_;
    if (!active()) return errno_code(EBADF);
    for (char c : stored) {
        if (c == '\n' && last_ != '\r') ++crlf_size_;  // will be sent as CRLF
        last_ = c;
    }
    size_ += stored.size();
    crlf_size_ += stored.size();
    buf_.append(stored);
    if (buf_.size() >= kWriteBuffer) error_ = flush();
    return error_;
}

std::error_code Delivery::flush() {
    auto ec = write_all(file_.get(), buf_);
    buf_.clear();
    return ec;
}

std::error_code Delivery::write(std::string_view text) {
    // CRLF -> LF; a CR at the end of a chunk waits to see what follows it.
    while (!text.empty()) {
        if (pending_cr_) {
            pending_cr_ = false;
            if (text.front() != '\n') {
                if (auto ec = store("\r")) return ec;
            }
        }
        const std::size_t cr = text.find('\r');
        if (cr == std::string_view::npos) return store(text);
        if (auto ec = store(text.substr(0, cr))) return ec;
        text.remove_prefix(cr + 1);
        pending_cr_ = true;
    }
    return error_;
}

std::error_code Delivery::write_stored(std::string_view text) {
    if (pending_cr_) {
        pending_cr_ = false;
        if (auto ec = store("\r")) return ec;
    }
    return store(text);
}

std::error_code Delivery::copy_from(int fd, std::uint64_t offset, std::uint64_t length) {
    std::unique_ptr<char[]> buf(new char[kWriteBuffer]);
    while (length > 0) {
        const ssize_t n =
            ::pread(fd, buf.get(), std::min<std::uint64_t>(length, kWriteBuffer), static_cast<off_t>(offset));
        if (n < 0) {
            if (errno == EINTR) continue;
            return error_ = last_error();
        }
        if (n == 0) return error_ = errno_code(EIO);
        if (auto ec = write_stored(std::string_view(buf.get(), static_cast<std::size_t>(n)))) return ec;
        offset += static_cast<std::uint64_t>(n);
        length -= static_cast<std::uint64_t>(n);
    }
    return error_;
}

Result<std::string> Delivery::commit() {
    auto fail = [this](std::error_code ec) {
        abort();
        return Result<std::string>::fail(ec);
    };
    if (!active()) return Result<std::string>::fail(errno_code(EBADF));
    if (pending_cr_) {
        pending_cr_ = false;
        (void)store("\r");
    }
    if (!error_) error_ = flush();
    if (error_) return fail(error_);
    // The Maildir spec: the message must be on disk before it appears in new/, and the new
    // directory entry too before we say "delivered" (RFC 5321 6.1: the 250 takes responsibility).
    if (::fsync(file_.get()) != 0) return fail(last_error());
    const std::string name = final_name(unique_, size_, crlf_size_);
    const std::string dest = maildir_.folder_path(Folder::new_) + "/" + name;
    if (rename_new(tmp_path_, dest) != 0) return fail(last_error());
    file_.reset();
    tmp_path_.clear();
    if (auto ec = fsync_dir(maildir_.folder_path(Folder::new_))) return Result<std::string>::fail(ec);
    return {name, {}};
}

void Delivery::abort() {
    if (!active()) return;
    file_.reset();
    ::unlink(tmp_path_.c_str());
    tmp_path_.clear();
    buf_.clear();
}

namespace {

// A hard link of the whole source into new/: no copy, the same durability (the source is
// fsynced once, each new/ after its link).
Result<std::string> link_into(const Target& t, const Source& src, std::uint64_t size, std::uint64_t crlf) {
    const std::string name = final_name(unique_name(), size, crlf);
    const std::string dest = t.maildir.folder_path(Folder::new_) + "/" + name;
    int rc = ::link(src.path.c_str(), dest.c_str());
    if (rc != 0 && errno == ENOENT) {  // no Maildir yet (the source exists: it is open)
        if (auto ec = t.maildir.create()) return Result<std::string>::fail(ec);
        rc = ::link(src.path.c_str(), dest.c_str());
    }
    if (rc != 0) return Result<std::string>::fail(last_error());
    if (auto ec = fsync_dir(t.maildir.folder_path(Folder::new_))) return Result<std::string>::fail(ec);
    return {name, {}};
}

Result<std::string> copy_into(const Target& t, int fd, std::uint64_t offset, std::uint64_t length) {
    Delivery d;
    if (auto ec = d.begin(t.maildir)) return Result<std::string>::fail(ec);
    if (auto ec = d.write(t.prefix)) return Result<std::string>::fail(ec);
    if (auto ec = d.copy_from(fd, offset, length)) return Result<std::string>::fail(ec);
    return d.commit();
}

// Filesystems and settings where a hard link cannot be made but a copy can: another
// filesystem, fs.protected_hardlinks (EPERM), a full link count, no link support.
bool link_refused(int e) { return e == EXDEV || e == EPERM || e == EMLINK || e == ENOTSUP; }

}  // namespace

std::vector<Result<std::string>> deliver_copies(const Source& source, std::span<const Target> targets) {
    std::vector<Result<std::string>> out;
    File src(::open(source.path.c_str(), O_RDONLY | O_CLOEXEC));
    struct stat st {};
    std::error_code open_error;
    if (!src || ::fstat(src.get(), &st) != 0) open_error = last_error();
    const auto file_size = static_cast<std::uint64_t>(st.st_size);
    if (!open_error && source.offset > file_size) open_error = errno_code(EINVAL);
    if (open_error) {
        out.assign(targets.size(), Result<std::string>::fail(open_error));
        return out;
    }
    const std::uint64_t length = source.length.value_or(file_size - source.offset);
    const bool whole = source.offset == 0 && length == file_size;
    std::optional<std::uint64_t> crlf;  // measured once, for the links
    bool synced = false;
    for (const auto& t : targets) {
        if (whole && t.prefix.empty()) {
            if (!crlf) {
                auto n = crlf_size(src.get(), 0, length);
                if (n.error) {
                    out.push_back(Result<std::string>::fail(n.error));
                    continue;
                }
                crlf = n.value;
            }
            if (!synced && ::fsync(src.get()) != 0) {
                out.push_back(Result<std::string>::fail(last_error()));
                continue;
            }
            synced = true;
            auto r = link_into(t, source, length, *crlf);
            if (!r.error || !link_refused(r.error.value())) {
                out.push_back(std::move(r));
                continue;
            }
        }
        out.push_back(copy_into(t, src.get(), source.offset, length));
    }
    return out;
}

}  // namespace mail
