#include "mail/maildir.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <memory>
#include <unordered_map>

namespace mail {
namespace {

constexpr std::size_t kMaxUidLength = 70;  // RFC 1939 7: 1 to 70 characters
constexpr std::size_t kReadChunk = 64 * 1024;

std::optional<std::uint64_t> parse_decimal(std::string_view s) {
    if (s.empty() || s.size() > 19) return std::nullopt;
    std::uint64_t v = 0;
    for (char c : s) {
        if (c < '0' || c > '9') return std::nullopt;
        v = v * 10 + static_cast<std::uint64_t>(c - '0');
    }
    return v;
}

std::string sha256_hex(std::string_view s) {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_Digest(s.data(), s.size(), md, &len, EVP_sha256(), nullptr);
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    for (unsigned i = 0; i < len; ++i) {
        out.push_back(kHex[md[i] >> 4]);
        out.push_back(kHex[md[i] & 15]);
    }
    return out;
}

// The Maildir spec: "/" and ":" in the host name become \057 and \072; "," too (\054),
// since a "," in the base starts Dovecot's S= and W= fields.
std::string encoded_hostname() {
    char host[256] = {};
    if (::gethostname(host, sizeof host - 1) != 0 || host[0] == '\0') std::snprintf(host, sizeof host, "localhost");
    std::string out;
    for (const char* p = host; *p; ++p) {
        if (*p == '/') out += "\\057";
        else if (*p == ':') out += "\\072";
        else if (*p == ',') out += "\\054";
        else out.push_back(*p);
    }
    return out;
}

bool bad_name(std::string_view n) {
    if (n.empty() || n.front() == '.') return true;  // the spec: readers skip dot files
    return std::any_of(n.begin(), n.end(), [](char c) {
        auto u = static_cast<unsigned char>(c);
        return u < 0x20 || u == 0x7f;
    });
}

std::error_code scan_folder(const Maildir& md, Folder f, std::vector<Message>& out) {
    const std::string dir = md.folder_path(f);
    const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0) return last_error();
    std::unique_ptr<DIR, int (*)(DIR*)> d(::fdopendir(dfd), ::closedir);
    if (!d) {
        auto ec = last_error();
        ::close(dfd);
        return ec;
    }
    for (;;) {
        errno = 0;
        const dirent* e = ::readdir(d.get());
        if (!e) return errno ? last_error() : std::error_code{};
        const std::string_view name = e->d_name;
        if (bad_name(name) || (e->d_type != DT_REG && e->d_type != DT_UNKNOWN)) continue;
        const NameParts parts = parse_name(name);
        Message m{.folder = f, .name = std::string(name), .uid = message_uid(name), .flags = std::string(parts.flags)};
        // Our own names carry S=, W= and the time: then the listing needs no stat (Dovecot
        // trusts S= the same way).
        if (e->d_type == DT_UNKNOWN || !parts.size || !parts.time) {
            struct stat st {};
            if (::fstatat(dfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
                if (errno == ENOENT) continue;  // deleted since readdir
                return last_error();
            }
            if (!S_ISREG(st.st_mode)) continue;
            m.size = static_cast<std::uint64_t>(st.st_size);
            m.time = parts.time.value_or(st.st_mtime);
        }
        if (parts.size) m.size = *parts.size;
        if (parts.time) m.time = *parts.time;
        if (parts.crlf_size) {
            m.crlf_size = *parts.crlf_size;
        } else {
            File file(::openat(dfd, e->d_name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
            if (!file) {
                if (errno == ENOENT) continue;
                return last_error();
            }
            auto n = crlf_size(file.get(), 0, m.size);
            if (n.error) return n.error;
            m.crlf_size = n.value;
        }
        out.push_back(std::move(m));
    }
}

// The flags of a message seen: "S" added to the standard flags, which the spec wants in ASCII
// order; Dovecot's extensions after "," kept as they are.
std::string seen_name(std::string_view name) {
    const NameParts p = parse_name(name);
    std::string flags(p.flags);
    if (flags.find('S') == std::string::npos) flags.push_back('S');
    std::sort(flags.begin(), flags.end());
    return std::string(p.base) + ":2," + flags + std::string(p.info_extensions);
}

}  // namespace

std::string_view to_string(Folder f) { return f == Folder::new_ ? "new" : "cur"; }

NameParts parse_name(std::string_view name) {
    NameParts p;
    // Dovecot and the spec: the info starts at the first ":"; "2," says it holds flags.
    const std::size_t colon = name.find(':');
    p.base = name.substr(0, colon);
    if (colon != std::string_view::npos && name.substr(colon + 1, 2) == "2,") {
        const std::string_view info = name.substr(colon + 3);
        const std::size_t comma = info.find(',');
        p.flags = info.substr(0, comma);
        if (comma != std::string_view::npos) p.info_extensions = info.substr(comma);
    }
    for (std::size_t c = p.base.find(','); c != std::string_view::npos;) {
        const std::size_t next = p.base.find(',', c + 1);
        const std::string_view field = p.base.substr(c + 1, next == std::string_view::npos ? next : next - c - 1);
        if (field.starts_with("S=")) p.size = parse_decimal(field.substr(2));
        if (field.starts_with("W=")) p.crlf_size = parse_decimal(field.substr(2));
        c = next;
    }
    const std::size_t dot = p.base.find('.');
    if (dot != std::string_view::npos) {
        if (auto t = parse_decimal(p.base.substr(0, dot))) p.time = static_cast<std::time_t>(*t);
    }
    return p;
}

std::string message_uid(std::string_view name) {
    const std::string_view base = parse_name(name).base;
    const std::string_view uid = base.substr(0, base.find(','));
    const bool printable = std::all_of(uid.begin(), uid.end(), [](char c) { return c >= 0x21 && c <= 0x7e; });
    if (!uid.empty() && uid.size() <= kMaxUidLength && printable) return std::string(uid);
    return sha256_hex(uid);
}

std::string unique_name() {
    static const std::string host = encoded_hostname();
    static std::atomic<unsigned long> counter{0};
    const auto now = std::chrono::system_clock::now().time_since_epoch();
    const auto sec = std::chrono::duration_cast<std::chrono::seconds>(now);
    const auto usec = std::chrono::duration_cast<std::chrono::microseconds>(now - sec);
    unsigned char rnd[8] = {};
    // Without entropy yet (early boot) the bytes stay zero: time, pid and counter still make
    // the name unique.
    const ssize_t got = ::getrandom(rnd, sizeof rnd, GRND_NONBLOCK);
    (void)got;
    char hex[17];
    for (int i = 0; i < 8; ++i) std::snprintf(hex + 2 * i, 3, "%02x", rnd[i]);
    char buf[128];
    std::snprintf(buf, sizeof buf, "%lld.M%lldP%ldQ%luR%s.", static_cast<long long>(sec.count()),
                  static_cast<long long>(usec.count()), static_cast<long>(::getpid()), ++counter, hex);
    return buf + host;
}

Result<std::uint64_t> crlf_size(int fd, std::uint64_t offset, std::uint64_t length) {
    std::unique_ptr<char[]> buf(new char[kReadChunk]);
    std::uint64_t total = length;
    char prev = '\0';
    while (length > 0) {
        const ssize_t n =
            ::pread(fd, buf.get(), std::min<std::uint64_t>(length, kReadChunk), static_cast<off_t>(offset));
        if (n < 0) {
            if (errno == EINTR) continue;
            return Result<std::uint64_t>::fail(last_error());
        }
        if (n == 0) return Result<std::uint64_t>::fail(errno_code(EIO));
        for (ssize_t i = 0; i < n; ++i) {
            if (buf[i] == '\n' && prev != '\r') ++total;
            prev = buf[i];
        }
        offset += static_cast<std::uint64_t>(n);
        length -= static_cast<std::uint64_t>(n);
    }
    return {total, {}};
}

std::optional<Maildir> user_maildir(const std::string& root, std::string_view user) {
    if (user.empty() || user == "." || user == ".." || user.find('/') != std::string_view::npos ||
        std::any_of(user.begin(), user.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20; }))
        return std::nullopt;
    return Maildir(root + "/" + std::string(user));
}

std::string Maildir::folder_path(Folder f) const { return path_ + "/" + std::string(to_string(f)); }

std::string Maildir::file_path(const Message& m) const { return folder_path(m.folder) + "/" + m.name; }

Result<std::vector<Message>> Maildir::list() const {
    std::vector<Message> out;
    // new/ first: a message another process moves to cur/ meanwhile is then seen twice (and
    // deduplicated below) rather than missed.
    for (Folder f : {Folder::new_, Folder::cur})
        if (auto ec = scan_folder(*this, f, out)) return Result<std::vector<Message>>::fail(ec);
    std::unordered_map<std::string, std::size_t> by_base;
    std::vector<Message> unique;
    unique.reserve(out.size());
    for (auto& m : out) {
        auto [it, fresh] = by_base.try_emplace(std::string(parse_name(m.name).base), unique.size());
        if (fresh) unique.push_back(std::move(m));
        else unique[it->second] = std::move(m);  // the cur/ copy wins: it is the later state
    }
    std::sort(unique.begin(), unique.end(),
              [](const Message& a, const Message& b) { return a.time != b.time ? a.time < b.time : a.name < b.name; });
    return {std::move(unique), {}};
}

// Another reader (mutt, Dovecot) may have changed the flags, which renames the file, or moved
// it to cur/: find the file with the same base.
std::error_code Maildir::relocate(Message& m) const {
    const std::string base(parse_name(m.name).base);
    for (Folder f : {Folder::cur, Folder::new_}) {
        std::unique_ptr<DIR, int (*)(DIR*)> d(::opendir(folder_path(f).c_str()), ::closedir);
        if (!d) continue;
        while (const dirent* e = ::readdir(d.get())) {
            const std::string_view name = e->d_name;
            if (name.starts_with(base) && (name.size() == base.size() || name[base.size()] == ':')) {
                m.folder = f;
                m.name = std::string(name);
                m.flags = std::string(parse_name(name).flags);
                return {};
            }
        }
    }
    return errno_code(ENOENT);
}

Result<File> Maildir::open(Message& m) const {
    for (int attempt = 0;; ++attempt) {
        File f(::open(file_path(m).c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
        if (f) return {std::move(f), {}};
        auto ec = last_error();
        if (!is_gone(ec) || attempt > 0) return Result<File>::fail(ec);
        if (auto r = relocate(m)) return Result<File>::fail(r);
    }
}

Result<std::string> Maildir::mark_seen(Message& m) const {
    for (int attempt = 0;; ++attempt) {
        const std::string to = seen_name(m.name);
        if (m.folder == Folder::cur && to == m.name) return {m.name, {}};
        if (::rename(file_path(m).c_str(), (folder_path(Folder::cur) + "/" + to).c_str()) == 0) {
            m.folder = Folder::cur;
            m.name = to;
            m.flags = std::string(parse_name(to).flags);
            return {m.name, {}};
        }
        auto ec = last_error();
        if (!is_gone(ec) || attempt > 0) return Result<std::string>::fail(ec);
        if (auto r = relocate(m)) return Result<std::string>::fail(r);
    }
}

std::error_code Maildir::remove(Message& m) const {
    for (int attempt = 0;; ++attempt) {
        if (::unlink(file_path(m).c_str()) == 0) return {};
        auto ec = last_error();
        if (!is_gone(ec) || attempt > 0) return ec;
        if (auto r = relocate(m)) return r;
    }
}

namespace {

std::string parent_of(std::string path) {
    while (path.size() > 1 && path.back() == '/') path.pop_back();
    const std::size_t slash = path.rfind('/');
    if (slash == std::string::npos) return ".";
    return slash == 0 ? "/" : path.substr(0, slash);
}

// mkdir -p with mode 0700; each directory created is made durable by an fsync of its parent.
std::error_code make_dir(const std::string& path, int depth = 0) {
    if (::mkdir(path.c_str(), 0700) == 0) return fsync_dir(parent_of(path));
    if (errno == EEXIST) {
        struct stat st {};
        if (::stat(path.c_str(), &st) != 0) return last_error();
        return S_ISDIR(st.st_mode) ? std::error_code{} : errno_code(ENOTDIR);
    }
    if (errno != ENOENT || depth > 64) return last_error();
    if (auto ec = make_dir(parent_of(path), depth + 1)) return ec;
    return make_dir(path, depth + 1);
}

}  // namespace

std::error_code Maildir::create() const {
    if (auto ec = make_dir(path_)) return ec;
    for (const char* sub : {"tmp", "new", "cur"})
        if (auto ec = make_dir(path_ + "/" + sub)) return ec;
    return {};
}

}  // namespace mail
