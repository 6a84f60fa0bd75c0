// Running blocking calls (crypt_r, fsync, a directory scan) off the I/O threads.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <exception>
#include <mutex>
#include <optional>
#include <type_traits>
#include <utility>
#include <variant>

#include "net/asio.hpp"

namespace net {

namespace detail {

/// The process-wide pool for blocking calls: a few threads, created on first use, joined at exit.
[[nodiscard]] asio::thread_pool& blocking_pool();

/// Counts the blocking jobs that will resume on one execution context. Destroying the context
/// (e.g. a Runtime abandoning sessions) waits for them, so that no job posts its result into a
/// dead context.
class BlockingJobs : public asio::execution_context::service {
public:
    inline static asio::execution_context::id id;
    explicit BlockingJobs(asio::execution_context& ctx) : asio::execution_context::service(ctx) {}
    void add();
    void done();

private:
    void shutdown() override;
    std::mutex mutex_;
    std::condition_variable idle_;
    std::size_t jobs_ = 0;
};

/// A job's hold on the caller's executor: outstanding work (its io_context keeps running) and
/// one count in that context's BlockingJobs, both released on destruction.
class JobHold {
public:
    explicit JobHold(const asio::any_io_executor& ex);
    JobHold(JobHold&& o) noexcept : work_(std::move(o.work_)), jobs_(std::exchange(o.jobs_, nullptr)) {}
    JobHold& operator=(JobHold&&) = delete;
    JobHold(const JobHold&) = delete;
    ~JobHold();
    [[nodiscard]] const asio::any_io_executor& executor() const { return work_; }

private:
    asio::any_io_executor work_;
    BlockingJobs* jobs_;
};

template <class R>
using Boxed = std::conditional_t<std::is_void_v<R>, std::monostate, std::optional<R>>;

}  // namespace detail

/// Runs `fn()` on the blocking pool and resumes the calling coroutine on its own executor with
/// the result. An exception thrown by `fn` is rethrown in the caller. `fn` must not touch the
/// caller's per-thread state (it runs on another thread); it is moved to the pool.
/// With g++ 12, build a callable that owns strings (or other self-referencing members) in its
/// own statement, `auto job = [s = std::string(x)] {...}; co_await run_blocking(std::move(job));`:
/// g++ 12 copies a class-type temporary written inside a co_await expression byte by byte,
/// which leaves a short std::string pointing into the dead original (clang is right).
template <class F>
task<std::invoke_result_t<F>> run_blocking(F fn) {
    using R = std::invoke_result_t<F>;
    static_assert(!std::is_reference_v<R>, "run_blocking returns values, not references");
    using Box = detail::Boxed<R>;
    auto caller = co_await asio::this_coro::executor;
    auto initiate = [&fn, &caller](auto handler) {
        asio::post(detail::blocking_pool(), [fn = std::move(fn), handler = std::move(handler),
                                             hold = detail::JobHold(caller)]() mutable {
            std::exception_ptr error;
            Box result{};
            try {
                if constexpr (std::is_void_v<R>) fn();
                else result.emplace(fn());
            } catch (...) {
                error = std::current_exception();
            }
            // Posted, not dispatched: the caller resumes on its own thread. `hold` is released
            // only after this, so the context is alive for the post.
            asio::post(hold.executor(), [handler = std::move(handler), error, result = std::move(result)]() mutable {
                std::move(handler)(error, std::move(result));
            });
        });
    };
    auto box = co_await asio::async_initiate<const asio::use_awaitable_t<>, void(std::exception_ptr, Box)>(
        initiate, asio::use_awaitable);
    if constexpr (!std::is_void_v<R>) co_return std::move(*box);
}

}  // namespace net
