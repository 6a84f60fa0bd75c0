// Password hashing and verification with libcrypt (crypt_r), compared in constant time.
// Slow by design (yescrypt): daemons call these through net::run_blocking, never on an I/O thread.
#pragma once

#include <string>
#include <string_view>

namespace auth {

/// True for what crypt_r can verify: a known method ("$y$", "$6$", "$5$", "$2b$", "$1$", DES)
/// with a salt and a hash part. Says nothing about the password.
[[nodiscard]] bool is_crypt_hash(std::string_view hash);
/// Hashes `password` with `hash`'s method, salt and cost and compares the result with `hash`
/// in constant time. False on a mismatch, a password with a NUL byte, or a hash crypt_r rejects.
[[nodiscard]] bool verify_crypt(std::string_view password, const std::string& hash);
/// Compares a password with a plain secret in constant time (also across lengths).
[[nodiscard]] bool verify_plain(std::string_view password, std::string_view secret);
/// A fresh yescrypt hash of `password` ("$y$" with libcrypt's default cost and a random salt).
/// Throws std::runtime_error when libcrypt fails (or the password holds a NUL byte).
[[nodiscard]] std::string hash_password(std::string_view password);

}  // namespace auth
