#include "auth/users.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "auth/password.hpp"

namespace auth {
namespace {

// A yescrypt hash of a random string nobody knows: unknown users are checked against it when
// the table has no crypt user of its own.
constexpr const char* kFixedDummy = "$y$j9T$Sfm8qlSYfbuR4CTfzLWLg0$q6F0T8Fxp0TRKiEc6xDl1tUEso9ACaEummlLIpCOM3.";

constexpr const char* kForms =
    "expected name:hash[:home[:options]] or user:password:uid:gid:gecos:home:shell[:options]";

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() &&
           std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) { return lower(x) == lower(y); });
}

bool has_control(std::string_view s) {
    return std::any_of(s.begin(), s.end(), [](char c) {
        auto u = static_cast<unsigned char>(c);
        return u < 0x20 || u == 0x7f;
    });
}

std::vector<std::string_view> split(std::string_view s, char sep) {
    std::vector<std::string_view> out;
    for (;;) {
        const std::size_t p = s.find(sep);
        out.push_back(s.substr(0, p));
        if (p == std::string_view::npos) return out;
        s.remove_prefix(p + 1);
    }
}

// Dovecot's password schemes that are crypt(3) strings, and the prefix their hash must have.
struct Scheme {
    std::string_view name;
    std::string_view prefix;
};
constexpr Scheme kCryptSchemes[] = {
    {"CRYPT", ""}, {"SHA512-CRYPT", "$6$"}, {"SHA256-CRYPT", "$5$"}, {"BLF-CRYPT", "$2"}, {"MD5-CRYPT", "$1$"},
};

// Fills user.hash or user.plain from the password field. Returns an error message or "".
std::string parse_password(std::string_view field, const LoadOptions& opts, User& user) {
    if (field.empty()) return "empty password field";
    std::string_view scheme = "CRYPT";
    if (field.front() == '{') {
        const std::size_t close = field.find('}');
        if (close == std::string_view::npos) return "password scheme without a closing `}`";
        scheme = field.substr(1, close - 1);
        field.remove_prefix(close + 1);
    }
    if (iequals(scheme, "PLAIN")) {
        if (!opts.allow_plain)
            return "plain-text password for `" + user.name +
                   "`: store a hash (--hash-password prints one) or start with --allow-plain-passwords";
        if (field.empty()) return "empty password";
        user.plain = std::string(field);
        return "";
    }
    for (const auto& s : kCryptSchemes) {
        if (!iequals(scheme, s.name)) continue;
        if (!field.starts_with(s.prefix) || !is_crypt_hash(field))
            // The field itself stays out of the message: it may be a password typed in clear.
            return "the password of `" + user.name + "` is not a " + std::string(s.name) +
                   " hash crypt(3) can verify (--hash-password prints one)";
        user.hash = std::string(field);
        return "";
    }
    return "unsupported password scheme {" + std::string(scheme) +
           "} (supported: crypt(3) strings, optionally {CRYPT}, {SHA512-CRYPT}, {SHA256-CRYPT}, {BLF-CRYPT}, "
           "{MD5-CRYPT}; {PLAIN} with --allow-plain-passwords)";
}

// The extra field: space-separated key=value or bare key (meaning yes), as Dovecot's.
std::string parse_options(std::string_view field, User& user) {
    for (std::string_view tok : split(field, ' ')) {
        if (tok.empty()) continue;
        const std::size_t eq = tok.find('=');
        std::string key(tok.substr(0, eq));
        if (key.empty()) return "option `" + std::string(tok) + "` has no name";
        std::string value = eq == std::string_view::npos ? "yes" : std::string(tok.substr(eq + 1));
        for (const auto& [k, v] : user.options)
            if (k == key) return "option `" + key + "` given twice";
        user.options.emplace_back(std::move(key), std::move(value));
    }
    return "";
}

// One non-comment line into `user`. Returns an error message or "".
std::string parse_line(std::string_view line, const LoadOptions& opts, User& user) {
    const auto f = split(line, ':');
    // Ours: name:hash[:home[:options]]. Dovecot's passwd-file: user:password:uid:gid:gecos:
    // home:shell:extra_fields (uid, gid, gecos and shell are not ours to use).
    std::string_view home, extra;
    if (f.size() >= 2 && f.size() <= 4) {
        home = f.size() > 2 ? f[2] : "";
        extra = f.size() > 3 ? f[3] : "";
    } else if (f.size() == 7 || f.size() == 8) {
        home = f[5];
        extra = f.size() > 7 ? f[7] : "";
    } else {
        return std::string(kForms) + " (found " + std::to_string(f.size()) + " fields)";
    }
    if (f[0].empty()) return "empty user name";
    if (has_control(f[0])) return "user name with a control character";
    // Daemons make paths of names (a Maildir at <root>/<name>/): no name may leave the root.
    if (f[0].find('/') != std::string_view::npos || f[0] == "." || f[0] == "..")
        return "user name `" + std::string(f[0]) + "` cannot be a directory name";
    user.name = std::string(f[0]);
    if (auto e = parse_password(f[1], opts, user); !e.empty()) return e;  // needs user.name
    if (!home.empty() && home.front() != '/') return "home `" + std::string(home) + "` is not an absolute path";
    user.home = std::string(home);
    return parse_options(extra, user);
}

}  // namespace

std::string_view User::option(std::string_view key) const {
    for (const auto& [k, v] : options)
        if (k == key) return v;
    return {};
}

bool User::flag(std::string_view key) const {
    const std::string_view v = option(key);
    return iequals(v, "yes") || iequals(v, "true") || iequals(v, "on") || v == "1";
}

const User* UserTable::find(std::string_view name) const {
    auto it = users_.find(name);
    return it == users_.end() ? nullptr : &it->second;
}

UserTable UserTable::parse(std::string_view text, const std::string& file_name, const LoadOptions& opts) {
    UserTable t;
    std::unordered_map<std::string, std::size_t> first_line;
    std::size_t lineno = 0;
    bool any_plain = false;
    while (!text.empty()) {
        ++lineno;
        const std::size_t nl = text.find('\n');
        std::string_view line = text.substr(0, nl);
        text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        auto fail = [&](const std::string& msg) {
            return UsersError(file_name + ":" + std::to_string(lineno) + ": " + msg);
        };
        if (line.size() > opts.max_line) throw fail("line longer than " + std::to_string(opts.max_line) + " bytes");
        const std::size_t first = line.find_first_not_of(" \t");
        if (first == std::string_view::npos || line[first] == '#') continue;
        User u;
        if (auto e = parse_line(line, opts, u); !e.empty()) throw fail(e);
        if (auto [it, fresh] = first_line.try_emplace(u.name, lineno); !fresh)
            throw fail("user `" + u.name + "` already defined on line " + std::to_string(it->second));
        if (t.dummy_hash_.empty() && !u.hash.empty()) t.dummy_hash_ = u.hash;
        any_plain = any_plain || u.plain.has_value();
        std::string name = u.name;
        t.users_.emplace(std::move(name), std::move(u));
    }
    if (t.dummy_hash_.empty() && !any_plain) t.dummy_hash_ = kFixedDummy;
    return t;
}

UserTable UserTable::load(const std::string& path, const LoadOptions& opts) {
    auto fail = [&](const std::string& msg) { return UsersError(path + ": " + msg); };
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw fail(std::strerror(errno));
    std::string text;
    struct stat st {};
    int err = ::fstat(fd, &st) != 0 ? errno : 0;
    if (!err && !S_ISREG(st.st_mode)) err = EINVAL;
    // Read at most one byte past the limit: a file that grows meanwhile is caught too.
    char buf[16384];
    while (!err && text.size() <= opts.max_file_bytes) {
        const ssize_t n = ::read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) err = errno;
        if (n <= 0) break;
        text.append(buf, static_cast<std::size_t>(n));
    }
    ::close(fd);
    if (err == EINVAL) throw fail("not a regular file");
    if (err) throw fail(std::strerror(err));
    if (text.size() > opts.max_file_bytes) throw fail("larger than " + std::to_string(opts.max_file_bytes) + " bytes");
    return parse(text, path, opts);
}

}  // namespace auth
