#include "net/blocking.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace net {
namespace {

template <class T>
T run(asio::io_context& ctx, task<T> t) {
    auto fut = asio::co_spawn(ctx, std::move(t), asio::use_future);
    ctx.restart();
    ctx.run();
    return fut.get();
}

// A result type without a default constructor: run_blocking must not need one.
struct NoDefault {
    explicit NoDefault(int v) : value(v) {}
    int value;
};

TEST(RunBlocking, RunsOnThePoolAndResumesOnTheCaller) {
    asio::io_context ctx;
    const auto io_thread = std::this_thread::get_id();
    std::thread::id job_thread;
    auto t = [&]() -> task<std::pair<std::string, bool>> {
        auto s = co_await run_blocking([&] {
            job_thread = std::this_thread::get_id();
            return std::string("hashed");
        });
        co_return std::make_pair(s, std::this_thread::get_id() == io_thread);
    };
    auto [value, on_caller] = run(ctx, t());
    EXPECT_EQ(value, "hashed");
    EXPECT_TRUE(on_caller);
    EXPECT_NE(job_thread, io_thread);
}

TEST(RunBlocking, VoidAndMoveOnlyAndNoDefaultResults) {
    asio::io_context ctx;
    auto t = [&]() -> task<int> {
        std::atomic<int> ran{0};
        co_await run_blocking([&] { ++ran; });
        auto p = co_await run_blocking([] { return std::make_unique<int>(7); });
        auto n = co_await run_blocking([] { return NoDefault(5); });
        co_return ran.load() + *p + n.value;
    };
    EXPECT_EQ(run(ctx, t()), 13);
}

TEST(RunBlocking, CallableOwningStrings) {
    asio::io_context ctx;
    auto t = [&]() -> task<std::string> {
        // Named, not a temporary inside the co_await expression (see run_blocking's comment).
        auto job = [a = std::string("short"), b = std::string(100, 'x')] { return a + b.substr(0, 3); };
        co_return co_await run_blocking(std::move(job));
    };
    EXPECT_EQ(run(ctx, t()), "shortxxx");
}

TEST(RunBlocking, ExceptionsPropagateToTheCaller) {
    asio::io_context ctx;
    auto t = [&]() -> task<std::string> {
        try {
            co_await run_blocking([]() -> int { throw std::runtime_error("disk on fire"); });
        } catch (const std::runtime_error& e) {
            co_return e.what();
        }
        co_return "no exception";
    };
    EXPECT_EQ(run(ctx, t()), "disk on fire");
}

TEST(RunBlocking, ManyConcurrentCallersAllComplete) {
    asio::io_context ctx;
    std::atomic<int> sum{0};
    constexpr int kCallers = 64;
    for (int i = 0; i < kCallers; ++i) {
        asio::co_spawn(
            ctx,
            [&sum, i]() -> task<void> {
                int v = co_await run_blocking([i] { return i; });
                sum += v;
            },
            asio::detached);
    }
    ctx.run();  // returns only when every job has resumed its caller (the jobs hold work)
    EXPECT_EQ(sum.load(), kCallers * (kCallers - 1) / 2);
}

TEST(RunBlocking, DestroyingTheContextWaitsForAJobInFlight) {
    // A session abandoned by a stopping Runtime: its io_context is stopped and destroyed while
    // its blocking job still runs. The job must not post into a dead context (ASan checks).
    auto ctx = std::make_unique<asio::io_context>();
    std::promise<void> started, release;
    auto release_f = release.get_future();
    std::atomic<bool> finished{false};
    asio::co_spawn(
        *ctx,
        [&]() -> task<void> {
            co_await run_blocking([&] {
                started.set_value();
                release_f.wait();
                finished = true;
            });
        },
        asio::detached);
    std::thread io([&] { ctx->run(); });
    started.get_future().wait();
    ctx->stop();
    io.join();
    std::thread releaser([&] { release.set_value(); });
    ctx.reset();  // waits for the job
    EXPECT_TRUE(finished.load());
    releaser.join();
}

}  // namespace
}  // namespace net
