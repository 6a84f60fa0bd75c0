// Logins for a daemon: the current users table, password checks off the I/O threads, and
// per-address throttling of failures. One instance shared by all worker threads.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "auth/throttle.hpp"
#include "auth/users.hpp"
#include "net/asio.hpp"

namespace auth {

/// Settings of an Authenticator (the first four are flags and TOML keys, see bind_options).
struct Options {
    std::string users_file{};          ///< --users FILE, key `users` ("" = no users)
    bool allow_plain = false;          ///< --allow-plain-passwords, key `allow_plain_passwords`
    unsigned login_delay_ms = 1000;    ///< --login-delay-ms, key `login_delay_ms`: per recent failure
    unsigned max_login_failures = 10;  ///< --max-login-failures, key `max_login_failures`
    unsigned max_delay_ms = 8000;      ///< cap on the delay after a failure
    unsigned failure_window_s = 300;   ///< failures are recent for this long after the last one
    std::size_t max_tracked_addresses = 10000;
    std::size_t max_file_bytes = 4 << 20;
    std::size_t max_line = 4096;
    /// The clock for throttling (tests); empty = steady_clock::now.
    std::function<net::Clock::time_point()> clock{};
};

/// The users table and login throttle of one daemon. Thread-safe.
class Authenticator {
public:
    /// Loads `opts.users_file` (an empty table when it is ""). Throws UsersError.
    explicit Authenticator(Options opts);
    /// Uses `table` as given (reload() then re-reads opts.users_file, if any).
    Authenticator(Options opts, UserTable table);

    /// Re-reads the users file. On error keeps the current table and returns the message
    /// ("file:line: message"); nullopt on success.
    [[nodiscard]] std::optional<std::string> reload();

    /// Checks `name` and `password` (on the blocking pool) for a client at `client`. On
    /// failure counts it for the address and answers only after a delay (a timer on the
    /// caller's executor; the thread is not blocked). A blocked address always fails, without
    /// a password check. An unknown name costs the same hash computation as a known one.
    /// The arguments need to stay valid only until the task is first awaited (co_await it at once).
    [[nodiscard]] net::task<std::optional<User>> login(std::string_view name, std::string_view password,
                                                       const asio::ip::address& client);
    /// True when `client` has failed too often recently: refuse before asking for a password.
    [[nodiscard]] bool blocked(const asio::ip::address& client);
    /// Counts a failure that did not go through login() (e.g. a bad APOP digest or SASL
    /// exchange); returns the delay the caller should wait before answering.
    std::chrono::milliseconds record_failure(const asio::ip::address& client);
    /// Forgets `client`'s failures (after a success the caller checked itself).
    void record_success(const asio::ip::address& client);
    /// A user by name, without a password (SMTP RCPT to a local user, APOP's secret).
    [[nodiscard]] std::optional<User> find(std::string_view name) const;
    /// The current table (a snapshot: a reload does not change it).
    [[nodiscard]] std::shared_ptr<const UserTable> table() const;
    [[nodiscard]] const Options& options() const { return opts_; }

private:
    [[nodiscard]] net::Clock::time_point now() const { return opts_.clock ? opts_.clock() : net::Clock::now(); }
    Options opts_;
    LoginThrottle throttle_;
    mutable std::mutex mutex_;
    std::shared_ptr<const UserTable> table_;
};

/// The password check login() runs: a user's hash or plain secret, and for an unknown user
/// (`user` null) or a {PLAIN} one a computation of `table.dummy_hash()`, so each name costs one
/// hash of the table's kind. Blocking (crypt_r).
[[nodiscard]] bool check_password(const UserTable& table, const User* user, std::string_view password);

}  // namespace auth
