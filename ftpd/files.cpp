// The file-system commands (RFC 959 4.1.1, 4.1.3; RFC 3659 3, 4, 7), inside the session's
// root: paths are resolved lexically (".." stops at "/") and opened with open_beneath, so a
// symlink cannot lead out either.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "fs/open.hpp"
#include "ftpd/listing.hpp"
#include "ftpd/session.hpp"

namespace ftpd {

std::optional<std::string> Session::path_arg(std::string_view arg) {
    auto p = resolve_path(cwd_, arg);
    if (!p) c_->reply("553 File name not allowed");
    return p;
}

void Session::reply_errno(int err, std::string_view vpath) {
    const std::string p(vpath);
    switch (err) {
        case EXDEV:
        case ELOOP:
            c_->note("refused " + p + ": it leads outside the root");
            c_->reply("550 " + p + ": No such file or directory");
            return;
        case ENOENT:
        case ENOTDIR: c_->reply("550 " + p + ": No such file or directory"); return;
        case EACCES:
        case EPERM:
        case EROFS: c_->reply("550 " + p + ": Permission denied"); return;
        case EEXIST: c_->reply("550 " + p + ": File exists"); return;
        case ENOTEMPTY: c_->reply("550 " + p + ": Directory not empty"); return;
        case EISDIR: c_->reply("550 " + p + ": Is a directory"); return;
        case EBUSY: c_->reply("550 " + p + ": Busy"); return;
        case ENOSPC:
        case EDQUOT: c_->reply("452 Insufficient storage space"); return;
        case ENAMETOOLONG:
        case EINVAL: c_->reply("553 File name not allowed"); return;
        default: c_->reply("451 Local error: " + std::string(std::strerror(err))); return;
    }
}

bool Session::may_write(std::string_view vpath) {
    if (writable_) return true;
    c_->reply("550 " + std::string(vpath) + ": Permission denied");
    return false;
}

namespace {

// The directory a virtual path names, beneath the root.
fs::Opened open_dir(int root, std::string_view vpath) {
    return fs::open_beneath(root, beneath(vpath), O_PATH | O_DIRECTORY);
}

}  // namespace

net::task<void> Session::pwd(std::string_view) {
    c_->reply("257 " + quote_path(cwd_) + " is the current directory");
    co_return;
}

net::task<void> Session::cwd(std::string_view arg) {
    const auto p = path_arg(arg);
    if (!p) co_return;
    auto d = open_dir(root_.get(), *p);
    if (!d) {
        reply_errno(d.error, *p);
        co_return;
    }
    cwd_ = *p;
    c_->reply("250 Directory changed to " + cwd_);
}

net::task<void> Session::cdup(std::string_view) { co_await cwd(".."); }

net::task<void> Session::mkd(std::string_view arg) {
    const auto p = path_arg(arg);
    if (!p || !may_write(*p)) co_return;
    auto parent = open_dir(root_.get(), parent_path(*p));
    const std::string name(base_name(*p));
    if (parent && name.empty()) parent.error = EEXIST;  // "/" exists
    if (parent && ::mkdirat(parent.file.get(), name.c_str(), 0755) != 0) parent.error = errno;
    if (!parent) {
        reply_errno(parent.error, *p);
        co_return;
    }
    c_->reply("257 " + quote_path(*p) + " created");
}

// RMD and DELE: unlinkat() of the last name in its parent, opened beneath the root. The root
// itself (an empty last name) gets `root_error`.
net::task<void> Session::unlink_arg(std::string_view arg, int flags, int root_error, std::string_view done) {
    const auto p = path_arg(arg);
    if (!p || !may_write(*p)) co_return;
    auto parent = open_dir(root_.get(), parent_path(*p));
    const std::string name(base_name(*p));
    if (parent && name.empty()) parent.error = root_error;
    if (parent && ::unlinkat(parent.file.get(), name.c_str(), flags) != 0) parent.error = errno;
    if (!parent) {
        reply_errno(parent.error, *p);
        co_return;
    }
    c_->reply(done);
}

net::task<void> Session::rmd(std::string_view arg) {
    return unlink_arg(arg, AT_REMOVEDIR, EBUSY, "250 Directory removed");
}

net::task<void> Session::dele(std::string_view arg) { return unlink_arg(arg, 0, EISDIR, "250 File deleted"); }

net::task<void> Session::rnfr(std::string_view arg) {
    const auto p = path_arg(arg);
    if (!p || !may_write(*p)) co_return;
    auto parent = open_dir(root_.get(), parent_path(*p));
    const std::string name(base_name(*p));
    struct stat st {};
    if (parent && name.empty()) parent.error = EBUSY;
    if (parent && ::fstatat(parent.file.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) parent.error = errno;
    if (!parent) {
        reply_errno(parent.error, *p);
        co_return;
    }
    rename_from_ = *p;
    c_->reply("350 Ready for RNTO");
}

net::task<void> Session::rnto(std::string_view arg) {
    const std::string from = std::exchange(rename_from_, {});
    if (from.empty()) {
        c_->reply("503 RNFR required first");
        co_return;
    }
    const auto p = path_arg(arg);
    if (!p || !may_write(*p)) co_return;
    auto src = open_dir(root_.get(), parent_path(from));
    auto dst = open_dir(root_.get(), parent_path(*p));
    const std::string to_name(base_name(*p));
    if (!src) {
        reply_errno(src.error, from);
        co_return;
    }
    if (dst && to_name.empty()) dst.error = EBUSY;
    if (dst && ::renameat(src.file.get(), std::string(base_name(from)).c_str(), dst.file.get(), to_name.c_str()) != 0)
        dst.error = errno;
    if (!dst) {
        reply_errno(dst.error, *p);
        co_return;
    }
    c_->reply("250 Rename successful");
}

net::task<void> Session::size(std::string_view arg) {
    const auto p = path_arg(arg);
    if (!p) co_return;
    // RFC 3659 4: the size is that of the transfer; in ASCII that needs a full read (ProFTPD
    // refuses it too).
    if (type_ == Type::ascii) {
        c_->reply("550 SIZE not allowed in ASCII mode");
        co_return;
    }
    auto f = fs::open_beneath(root_.get(), beneath(*p), O_PATH);
    struct stat st {};
    if (f && ::fstat(f.file.get(), &st) != 0) f.error = errno;
    if (!f) {
        reply_errno(f.error, *p);
        co_return;
    }
    if (!S_ISREG(st.st_mode)) {
        c_->reply("550 " + *p + ": not a plain file");
        co_return;
    }
    c_->reply("213 " + std::to_string(st.st_size));
}

net::task<void> Session::mdtm(std::string_view arg) {
    const auto p = path_arg(arg);
    if (!p) co_return;
    auto f = fs::open_beneath(root_.get(), beneath(*p), O_PATH);
    struct stat st {};
    if (f && ::fstat(f.file.get(), &st) != 0) f.error = errno;
    if (!f) {
        reply_errno(f.error, *p);
        co_return;
    }
    c_->reply("213 " + ftp_time(st.st_mtime));
}

net::task<void> Session::mlst(std::string_view arg) {
    const auto p = path_arg(arg);
    if (!p) co_return;
    Entry e;
    int err = 0;
    if (*p == "/") {
        struct stat st {};
        if (::fstat(root_.get(), &st) != 0) err = errno;
        e.name = "/";
        e.mode = st.st_mode;
        e.mtime = st.st_mtime;
    } else {
        auto parent = open_dir(root_.get(), parent_path(*p));
        err = parent ? stat_entry(parent.file.get(), std::string(base_name(*p)), e) : parent.error;
        e.name = *p;
    }
    const auto line = err == 0 ? mlst_line(e, facts_, writable_) : std::nullopt;
    if (!line) {
        reply_errno(err != 0 ? err : ENOENT, *p);
        co_return;
    }
    // RFC 3659 7.2: the facts line starts with a space, inside a 250 multi-line reply.
    c_->reply("250-Listing " + *p + "\r\n " + *line + "\r\n250 End");
}

}  // namespace ftpd
