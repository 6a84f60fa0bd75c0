#include "ftpd/listing.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <ctime>

#include "fs/open.hpp"
#include "ftpd/protocol.hpp"

namespace ftpd {

namespace {

constexpr std::int64_t kSixMonths = 182 * 24 * 3600;
constexpr std::size_t kMaxEntries = 100000;  // a listing larger than this is cut (and logged by the caller)

struct FactName {
    Fact fact;
    std::string_view name;
};
constexpr std::array<FactName, 5> kFacts{{{fact_type, "type"},
                                          {fact_size, "size"},
                                          {fact_modify, "modify"},
                                          {fact_perm, "perm"},
                                          {fact_unix_mode, "unix.mode"}}};

bool ieq(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if ((a[i] | 0x20) != (b[i] | 0x20)) return false;
    return true;
}

char type_char(mode_t m) {
    if (S_ISDIR(m)) return 'd';
    if (S_ISLNK(m)) return 'l';
    if (S_ISCHR(m)) return 'c';
    if (S_ISBLK(m)) return 'b';
    if (S_ISFIFO(m)) return 'p';
    if (S_ISSOCK(m)) return 's';
    return '-';
}

std::string mode_string(mode_t m) {
    std::string s(10, '-');
    s[0] = type_char(m);
    constexpr std::string_view rwx = "rwxrwxrwx";
    for (int i = 0; i < 9; ++i)
        if (m & (1u << (8 - i))) s[static_cast<std::size_t>(i + 1)] = rwx[static_cast<std::size_t>(i)];
    return s;
}

void fill(Entry& e, const struct stat& st) {
    e.mode = st.st_mode;
    e.size = static_cast<std::uint64_t>(st.st_size);
    e.mtime = st.st_mtime;
    e.nlink = st.st_nlink;
}

}  // namespace

std::string mlst_feature(unsigned selected) {
    std::string out = "MLST ";
    for (const auto& f : kFacts) {
        out += f.name;
        if (selected & f.fact) out += '*';
        out += ';';
    }
    return out;
}

unsigned parse_mlst_opts(std::string_view arg) {
    unsigned out = 0;
    while (!arg.empty()) {
        const auto semi = arg.find(';');
        const auto name = arg.substr(0, semi);
        for (const auto& f : kFacts)
            if (ieq(name, f.name)) out |= f.fact;
        if (semi == std::string_view::npos) break;
        arg.remove_prefix(semi + 1);
    }
    return out;
}

std::string mlst_opts_reply(unsigned selected) {
    std::string out = "200 MLST OPTS ";
    for (const auto& f : kFacts)
        if (selected & f.fact) {
            out += f.name;
            out += ';';
        }
    return out;
}

std::string list_line(const Entry& e, std::int64_t now) {
    const std::time_t t = static_cast<std::time_t>(e.mtime);
    std::tm tm{};
    gmtime_r(&t, &tm);
    std::array<char, 32> date{};
    const bool recent = e.mtime <= now + 3600 && now - e.mtime < kSixMonths;
    const auto n = std::strftime(date.data(), date.size(), recent ? "%b %d %H:%M" : "%b %d  %Y", &tm);
    // Owner and group are not the server's business to reveal (vsftpd's hide_ids).
    std::string out = mode_string(e.mode) + ' ' + std::to_string(e.nlink) + " ftp ftp " + std::to_string(e.size) + ' ' +
                      std::string(date.data(), n) + ' ' + e.name;
    if (S_ISLNK(e.mode)) out += " -> " + e.link_target;
    return out;
}

std::optional<std::string> mlst_line(const Entry& e, unsigned facts, bool writable, std::string_view kind) {
    mode_t mode = e.mode;
    std::uint64_t size = e.size;
    std::int64_t mtime = e.mtime;
    if (S_ISLNK(mode)) {
        if (!e.target_mode) return std::nullopt;
        mode = *e.target_mode;
        size = e.target_size;
        mtime = e.target_mtime;
    }
    const bool dir = S_ISDIR(mode);
    std::string out;
    if (facts & fact_type) {
        out += "type=";
        out += !kind.empty() ? kind : dir ? std::string_view("dir") : S_ISREG(mode) ? "file" : "OS.unix=special";
        out += ';';
    }
    if ((facts & fact_size) && !dir) out += "size=" + std::to_string(size) + ';';
    if (facts & fact_modify) out += "modify=" + ftp_time(mtime) + ';';
    if (facts & fact_perm) {
        // RFC 3659 7.5.5: what this session may do with the object.
        out += "perm=";
        if (dir) out += writable ? "elcdfmp" : "el";
        else out += writable ? "radfw" : "r";
        out += ';';
    }
    if (facts & fact_unix_mode) {
        std::array<char, 8> m{};
        std::snprintf(m.data(), m.size(), "0%03o", static_cast<unsigned>(mode & 07777));
        out += "unix.mode=" + std::string(m.data()) + ';';
    }
    out += ' ';
    out += e.name;
    return out;
}

int stat_entry(int dir_fd, const std::string& name, Entry& out) {
    struct stat st {};
    if (::fstatat(dir_fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) return errno;
    out.name = name;
    fill(out, st);
    if (!S_ISLNK(st.st_mode)) return 0;
    std::array<char, 4096> target{};
    const auto n = ::readlinkat(dir_fd, name.c_str(), target.data(), target.size());
    if (n > 0) out.link_target.assign(target.data(), static_cast<std::size_t>(n));
    // The target counts only where the session could reach it (no escape through a link).
    auto opened = fs::open_beneath(dir_fd, name, O_PATH);
    struct stat ts {};
    if (opened && ::fstat(opened.file.get(), &ts) == 0) {
        out.target_mode = ts.st_mode;
        out.target_size = static_cast<std::uint64_t>(ts.st_size);
        out.target_mtime = ts.st_mtime;
    }
    return 0;
}

int read_directory(int dir_fd, bool all, std::vector<Entry>& out) {
    DIR* d = ::fdopendir(dir_fd);
    if (d == nullptr) {
        const int err = errno;
        ::close(dir_fd);
        return err;
    }
    for (;;) {
        errno = 0;
        const dirent* de = ::readdir(d);
        if (de == nullptr) break;
        const std::string_view name = de->d_name;
        if (name == "." || name == ".." || (!all && name.front() == '.')) continue;
        if (out.size() >= kMaxEntries) break;
        Entry e;
        if (stat_entry(::dirfd(d), std::string(name), e) == 0) out.push_back(std::move(e));
    }
    const int err = errno;
    ::closedir(d);
    std::sort(out.begin(), out.end(), [](const Entry& a, const Entry& b) { return a.name < b.name; });
    return err;
}

}  // namespace ftpd
