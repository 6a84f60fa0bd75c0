#include "auth/authenticator.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <thread>
#include <vector>

#include "temp_dir.hpp"

namespace auth {
namespace {

using namespace std::chrono_literals;
using suite::test::TempDir;

// "hungry", made with libcrypt.
const std::string kYes = "$y$j9T$rFyWFfbS3p4nnbd4rrHAO0$Rx4pTo3gLR65GAFjAucGATddFYj2PiMNZKHYe1cAZs0";
const auto kClient = asio::ip::make_address("192.0.2.7");
const auto kOther = asio::ip::make_address("198.51.100.1");

template <class T>
T run(asio::io_context& ctx, net::task<T> t) {
    auto fut = asio::co_spawn(ctx, std::move(t), asio::use_future);
    ctx.restart();
    ctx.run();
    return fut.get();
}

Options fast(unsigned delay_ms = 5, unsigned max_failures = 10) {
    return {.allow_plain = true, .login_delay_ms = delay_ms, .max_login_failures = max_failures};
}

UserTable table() {
    return UserTable::parse("alice:" + kYes + ":/home/alice\nbob:{PLAIN}hungry\n", "users", {.allow_plain = true});
}

TEST(Authenticator, GoodAndBadPasswords) {
    Authenticator auth(fast(), table());
    asio::io_context ctx;
    auto alice = run(ctx, auth.login("alice", "hungry", kClient));
    ASSERT_TRUE(alice);
    EXPECT_EQ(alice->name, "alice");
    EXPECT_EQ(alice->home, "/home/alice");
    EXPECT_TRUE(run(ctx, auth.login("bob", "hungry", kClient)));
    EXPECT_FALSE(run(ctx, auth.login("alice", "angry", kClient)));
    EXPECT_FALSE(run(ctx, auth.login("bob", "angry", kClient)));
    EXPECT_FALSE(run(ctx, auth.login("nobody", "hungry", kClient)));
    EXPECT_FALSE(run(ctx, auth.login("Alice", "hungry", kClient)));
}

TEST(Authenticator, FailureIsAnsweredAfterTheDelay) {
    Authenticator auth(fast(40), table());
    asio::io_context ctx;
    for (int failures = 1; failures <= 2; ++failures) {
        const auto start = net::Clock::now();
        EXPECT_FALSE(run(ctx, auth.login("alice", "wrong", kClient)));
        const auto took = net::Clock::now() - start;
        EXPECT_GE(took, 40ms * failures) << "delay times the recent failures";
        EXPECT_LT(took, 10s);
    }
}

TEST(Authenticator, DelayDoesNotBlockTheThread) {
    Authenticator auth(fast(300), table());
    asio::io_context ctx;
    std::vector<std::string> order;
    asio::co_spawn(
        ctx,
        [&]() -> net::task<void> {
            (void)co_await auth.login("alice", "wrong", kClient);
            order.push_back("login");
        },
        asio::detached);
    asio::co_spawn(
        ctx,
        [&]() -> net::task<void> {
            auto executor = co_await asio::this_coro::executor;
            asio::steady_timer t(executor, 1ms);
            co_await t.async_wait(asio::use_awaitable);
            order.push_back("other");
        },
        asio::detached);
    ctx.run();
    EXPECT_EQ(order, (std::vector<std::string>{"other", "login"}));
}

TEST(Authenticator, BlocksAnAddressAfterTooManyFailures) {
    Authenticator auth(fast(1, 2), table());
    asio::io_context ctx;
    for (int i = 0; i < 2; ++i) EXPECT_FALSE(run(ctx, auth.login("alice", "wrong", kClient)));
    EXPECT_FALSE(auth.blocked(kClient));
    EXPECT_FALSE(run(ctx, auth.login("nobody", "x", kClient)));
    EXPECT_TRUE(auth.blocked(kClient));
    EXPECT_TRUE(auth.blocked(asio::ip::make_address("::ffff:192.0.2.7")));
    EXPECT_FALSE(run(ctx, auth.login("alice", "hungry", kClient))) << "blocked: even the right password fails";
    EXPECT_FALSE(auth.blocked(kOther));
    EXPECT_TRUE(run(ctx, auth.login("alice", "hungry", kOther)));
}

TEST(Authenticator, SuccessClearsTheCount) {
    Authenticator auth(fast(1, 1), table());
    asio::io_context ctx;
    EXPECT_FALSE(run(ctx, auth.login("alice", "wrong", kClient)));
    EXPECT_TRUE(run(ctx, auth.login("alice", "hungry", kClient)));
    EXPECT_EQ(auth.record_failure(kClient), 1ms) << "one failure again, not two";
    auth.record_success(kClient);
    EXPECT_FALSE(auth.blocked(kClient));
}

TEST(Authenticator, UnknownAndPlainUsersCostAHashToo) {
    const auto t = table();
    auto fastest = [&](const User* u) {
        auto best = net::Clock::duration::max();
        for (int i = 0; i < 3; ++i) {
            const auto start = net::Clock::now();
            (void)check_password(t, u, "wrong");
            best = std::min(best, net::Clock::now() - start);
        }
        return best;
    };
    const auto known = fastest(t.find("alice"));
    // A yescrypt computation is tens of milliseconds, a lookup microseconds: a quarter is a
    // generous bound that still tells the two apart.
    EXPECT_GT(fastest(nullptr) * 4, known);
    EXPECT_GT(fastest(t.find("bob")) * 4, known);
    EXPECT_FALSE(check_password(t, nullptr, "hungry"));
    EXPECT_TRUE(check_password(t, t.find("bob"), "hungry"));
}

TEST(Authenticator, FindWithoutPassword) {
    Authenticator auth(fast(), table());
    auto bob = auth.find("bob");
    ASSERT_TRUE(bob);
    EXPECT_EQ(bob->plain_secret(), "hungry");
    EXPECT_FALSE(auth.find("nobody"));
    EXPECT_EQ(auth.table()->size(), 2u);
}

TEST(Authenticator, ReloadKeepsTheOldTableOnError) {
    TempDir dir;
    Options opts = fast();
    opts.users_file = dir.write("users", "alice:" + kYes + "\n");
    Authenticator auth(opts);
    const auto before = auth.table();
    dir.write("users", "alice:" + kYes + "\nbroken line\n");
    auto err = auth.reload();
    ASSERT_TRUE(err);
    EXPECT_TRUE(err->starts_with(opts.users_file + ":2: ")) << *err;
    EXPECT_EQ(auth.table(), before);
    asio::io_context ctx;
    EXPECT_TRUE(run(ctx, auth.login("alice", "hungry", kClient)));

    dir.write("users", "carol:" + kYes + "\n");
    EXPECT_FALSE(auth.reload());
    EXPECT_FALSE(auth.find("alice"));
    EXPECT_TRUE(run(ctx, auth.login("carol", "hungry", kClient)));
    EXPECT_EQ(before->size(), 1u) << "a snapshot taken before stays valid";
}

TEST(Authenticator, BadFileAtStartThrows) {
    TempDir dir;
    Options opts = fast();
    opts.users_file = dir.write("users", "alice\n");
    EXPECT_THROW(Authenticator{opts}, UsersError);
    opts.users_file = "";
    EXPECT_EQ(Authenticator(opts).table()->size(), 0u);
}

TEST(Authenticator, SharedByWorkerThreads) {
    Authenticator auth(fast(1), table());
    std::vector<std::thread> workers;
    std::atomic<int> good{0}, bad{0};
    for (int w = 0; w < 2; ++w) {
        workers.emplace_back([&, w] {
            asio::io_context ctx;
            for (int i = 0; i < 3; ++i) {
                const auto client = asio::ip::make_address_v4(static_cast<unsigned>(0x0a000000 + w));
                if (run(ctx, auth.login("alice", i == 1 ? "wrong" : "hungry", client))) ++good;
                else ++bad;
            }
        });
    }
    for (auto& t : workers) t.join();
    EXPECT_EQ(good.load(), 4);
    EXPECT_EQ(bad.load(), 2);
}

}  // namespace
}  // namespace auth
