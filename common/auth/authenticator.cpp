#include "auth/authenticator.hpp"

#include <openssl/crypto.h>

#include "auth/password.hpp"
#include "net/blocking.hpp"

namespace auth {
namespace {

ThrottleOptions throttle_options(const Options& o) {
    return {.failure_delay = std::chrono::milliseconds(o.login_delay_ms),
            .max_delay = std::chrono::milliseconds(o.max_delay_ms),
            .max_failures = o.max_login_failures,
            .window = std::chrono::seconds(o.failure_window_s),
            .max_addresses = o.max_tracked_addresses};
}

LoadOptions load_options(const Options& o) {
    return {.allow_plain = o.allow_plain, .max_file_bytes = o.max_file_bytes, .max_line = o.max_line};
}

UserTable initial_table(const Options& o) {
    return o.users_file.empty() ? UserTable{} : UserTable::load(o.users_file, load_options(o));
}

}  // namespace

bool check_password(const UserTable& table, const User* user, std::string_view password) {
    auto burn = [&] {
        if (!table.dummy_hash().empty()) (void)verify_crypt(password, table.dummy_hash());
        else (void)verify_plain(password, "");
    };
    if (!user) {
        burn();
        return false;
    }
    if (user->plain) {
        burn();
        return verify_plain(password, *user->plain);
    }
    return verify_crypt(password, user->hash);
}

Authenticator::Authenticator(Options opts) : Authenticator(opts, initial_table(opts)) {}

Authenticator::Authenticator(Options opts, UserTable table)
    : opts_(std::move(opts)),
      throttle_(throttle_options(opts_)),
      table_(std::make_shared<const UserTable>(std::move(table))) {}

std::optional<std::string> Authenticator::reload() {
    if (opts_.users_file.empty()) return std::nullopt;
    try {
        auto fresh = std::make_shared<const UserTable>(UserTable::load(opts_.users_file, load_options(opts_)));
        std::lock_guard lock(mutex_);
        table_ = std::move(fresh);
        return std::nullopt;
    } catch (const UsersError& e) {
        return std::string(e.what());
    }
}

std::shared_ptr<const UserTable> Authenticator::table() const {
    std::lock_guard lock(mutex_);
    return table_;
}

std::optional<User> Authenticator::find(std::string_view name) const {
    auto t = table();
    const User* u = t->find(name);
    return u ? std::optional<User>(*u) : std::nullopt;
}

bool Authenticator::blocked(const asio::ip::address& client) { return throttle_.blocked(client, now()); }

std::chrono::milliseconds Authenticator::record_failure(const asio::ip::address& client) {
    return throttle_.record_failure(client, now());
}

void Authenticator::record_success(const asio::ip::address& client) { throttle_.record_success(client); }

net::task<std::optional<User>> Authenticator::login(std::string_view name, std::string_view password,
                                                    const asio::ip::address& client) {
    // The arguments are used only before the first suspension (a caller's temporaries may be
    // gone after it): the address is copied, the password copied into the job.
    const asio::ip::address addr = client;
    auto t = table();
    const User* user = t->find(name);
    bool ok = false;
    if (!throttle_.blocked(addr, now())) {
        // The table snapshot keeps `user` alive on the pool thread; the copy of the password
        // is wiped there once checked. The job is a named variable: see run_blocking.
        auto job = [t, user, pw = std::string(password)]() mutable {
            const bool good = check_password(*t, user, pw);
            OPENSSL_cleanse(pw.data(), pw.size());
            return good;
        };
        ok = co_await net::run_blocking(std::move(job));
    }
    if (ok) {
        throttle_.record_success(addr);
        co_return *user;
    }
    const auto delay = throttle_.record_failure(addr, now());
    auto executor = co_await asio::this_coro::executor;
    asio::steady_timer timer(executor, delay);
    co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
    co_return std::nullopt;
}

}  // namespace auth
