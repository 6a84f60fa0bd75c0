#include "auth/options.hpp"

#include <CLI/CLI.hpp>

#include <crypt.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <openssl/crypto.h>

#include "auth/password.hpp"

namespace auth {
namespace {

static_assert(kMaxPasswordLine < CRYPT_MAX_PASSPHRASE_SIZE, "crypt_r refuses longer passphrases");

// Turns terminal echo off for its lifetime (a password typed at a prompt stays unseen).
class NoEcho {
public:
    explicit NoEcho(int fd) : fd_(fd) {
        if (!::isatty(fd) || ::tcgetattr(fd, &saved_) != 0) return;
        termios quiet = saved_;
        quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
        active_ = ::tcsetattr(fd, TCSAFLUSH, &quiet) == 0;
    }
    ~NoEcho() {
        if (active_) ::tcsetattr(fd_, TCSAFLUSH, &saved_);
    }
    NoEcho(const NoEcho&) = delete;
    NoEcho& operator=(const NoEcho&) = delete;
    [[nodiscard]] bool active() const { return active_; }

private:
    int fd_;
    termios saved_{};
    bool active_ = false;
};

void write_all(int fd, std::string_view s) {
    while (!s.empty()) {
        const ssize_t n = ::write(fd, s.data(), s.size());
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) throw std::runtime_error(std::string("cannot write the hash: ") + std::strerror(errno));
        s.remove_prefix(static_cast<std::size_t>(n));
    }
}

// One line, read a byte at a time so that nothing after it is consumed.
std::string read_line(int fd) {
    std::string line;
    for (;;) {
        char c = 0;
        const ssize_t n = ::read(fd, &c, 1);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) throw std::runtime_error(std::string("cannot read the password: ") + std::strerror(errno));
        if (n == 0 || c == '\n') break;
        if (line.size() == kMaxPasswordLine) {
            OPENSSL_cleanse(line.data(), line.size());
            throw std::runtime_error("password longer than " + std::to_string(kMaxPasswordLine) + " bytes");
        }
        line.push_back(c);
    }
    if (!line.empty() && line.back() == '\r') line.pop_back();
    return line;
}

}  // namespace

void print_password_hash(int in_fd, int out_fd) {
    std::string password;
    {
        NoEcho quiet(in_fd);
        if (quiet.active()) write_all(STDERR_FILENO, "Password: ");
        password = read_line(in_fd);
        if (quiet.active()) write_all(STDERR_FILENO, "\n");
    }
    if (password.empty()) throw std::runtime_error("empty password");
    std::string hash = hash_password(password);
    OPENSSL_cleanse(password.data(), password.size());
    write_all(out_fd, hash + "\n");
}

void bind_options(app::Daemon& daemon, Options& opts) {
    auto& o = daemon.options();
    o.add("--users", "users", opts.users_file,
          "users file: name:hash[:home[:options]] lines (Dovecot passwd-file style)");
    o.add("--allow-plain-passwords", "allow_plain_passwords", opts.allow_plain,
          "accept {PLAIN}secret entries in the users file (demos and labs only)");
    o.add("--login-delay-ms", "login_delay_ms", opts.login_delay_ms,
          "delay before answering a failed login, per recent failure from that address");
    o.add("--max-login-failures", "max_login_failures", opts.max_login_failures,
          "recent failed logins after which an address is refused");
    daemon.cli().add_flag_callback(
        "--hash-password",
        [] {
            try {
                print_password_hash(STDIN_FILENO, STDOUT_FILENO);
            } catch (const std::runtime_error& e) {
                throw CLI::ValidationError("--hash-password", e.what());
            }
            throw CLI::Success();  // app::Daemon::main returns exit 0 without binding anything
        },
        "read a password from stdin, print its hash for the users file, and exit");
}

std::shared_ptr<Authenticator> make_authenticator(const app::Daemon& daemon, Options opts) {
    opts.users_file = daemon.config_path(opts.users_file, "--users");
    try {
        return std::make_shared<Authenticator>(std::move(opts));
    } catch (const UsersError& e) {
        throw app::ConfigError(e.what());
    }
}

}  // namespace auth
