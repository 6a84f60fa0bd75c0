#include "net/blocking.hpp"

#include <openssl/crypto.h>

#include <algorithm>
#include <thread>

namespace net::detail {

asio::thread_pool& blocking_pool() {
    // A few threads: enough for password hashing and fsync to overlap, few enough not to
    // compete with the I/O workers. A function-local static: created on first use, and its
    // destructor (stop + join) runs at exit; queued jobs that never ran are destroyed, which
    // releases their holds.
    // OpenSSL's first use (loading its configuration) is made here, not by a job: done on a
    // pool thread, it leaves that thread's error state behind at exit (LeakSanitizer sees it).
    static const bool openssl_ready = OPENSSL_init_crypto(OPENSSL_INIT_LOAD_CONFIG, nullptr) == 1;
    static asio::thread_pool pool(std::clamp(std::thread::hardware_concurrency(), 2u, 4u));
    (void)openssl_ready;
    return pool;
}

void BlockingJobs::add() {
    std::lock_guard lock(mutex_);
    ++jobs_;
}

void BlockingJobs::done() {
    std::lock_guard lock(mutex_);
    if (--jobs_ == 0) idle_.notify_all();
}

void BlockingJobs::shutdown() {
    // Called while the context is being destroyed, before its scheduler: jobs still running
    // finish and post their result, which the scheduler then destroys with its queue.
    std::unique_lock lock(mutex_);
    idle_.wait(lock, [this] { return jobs_ == 0; });
}

JobHold::JobHold(const asio::any_io_executor& ex)
    : work_(asio::prefer(ex, asio::execution::outstanding_work.tracked)),
      jobs_(&asio::use_service<BlockingJobs>(asio::query(ex, asio::execution::context))) {
    jobs_->add();
}

JobHold::~JobHold() {
    if (!jobs_) return;
    work_ = {};  // release the outstanding work while the context is certainly alive
    jobs_->done();
}

}  // namespace net::detail
