// The users-file options every daemon with users has, bound through common/app.
#pragma once

#include <memory>

#include "app/daemon.hpp"
#include "auth/authenticator.hpp"

namespace auth {

/// Longest password --hash-password reads (libcrypt takes at most CRYPT_MAX_PASSPHRASE_SIZE - 1).
inline constexpr std::size_t kMaxPasswordLine = 511;

/// Adds to `daemon`: --users FILE (key `users`), --allow-plain-passwords (key
/// `allow_plain_passwords`), --login-delay-ms (key `login_delay_ms`), --max-login-failures
/// (key `max_login_failures`), bound to `opts` (which must outlive daemon.main()), and
/// --hash-password, which reads a password from stdin, prints its hash and exits 0 before
/// anything is bound (exit 2 on an empty or unreadable password).
void bind_options(app::Daemon& daemon, Options& opts);

/// The Authenticator for options bound by bind_options, after parsing: a relative `users`
/// path from the config file is taken relative to that file. Throws app::ConfigError with
/// "file:line: message" (exit 2).
[[nodiscard]] std::shared_ptr<Authenticator> make_authenticator(const app::Daemon& daemon, Options opts);

/// What --hash-password does: reads one line from `in_fd` (echo off, prompt on stderr, when it
/// is a terminal) and writes its yescrypt hash and a newline to `out_fd`. Throws
/// std::runtime_error on EOF before any byte, an empty password, a line over kMaxPasswordLine
/// or a read/write error.
void print_password_hash(int in_fd, int out_fd);

}  // namespace auth
