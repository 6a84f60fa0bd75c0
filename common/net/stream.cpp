#include "net/stream.hpp"

#include <sys/sendfile.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <optional>
#include <vector>

namespace net {

using asio::as_tuple;
using asio::use_awaitable;

struct Stream::Impl {
    explicit Impl(tcp::socket s, std::uint64_t sid) : socket(std::move(s)), timer(socket.get_executor()), id(sid) {
        error_code ec;
        peer = socket.remote_endpoint(ec);
        local = socket.local_endpoint(ec);
        socket.non_blocking(true, ec);
        socket.set_option(tcp::no_delay(true), ec);
    }

    tcp::socket socket;
    // Only TLS connections pay for the TLS state (buffers, engine): an idle plain connection
    // should cost little more than its socket.
    std::unique_ptr<asio::ssl::stream<tcp::socket&>> tls;
    asio::steady_timer timer;
    Clock::time_point deadline = Clock::time_point::max();
    bool armed = false;
    bool timed_out = false;
    bool draining = false;
    bool idle = false;
    std::uint64_t id;
    tcp::endpoint peer;
    tcp::endpoint local;

    // Watchdog: one pending timer wait at most; it re-checks the (movable) deadline when it fires.
    static void arm(const std::shared_ptr<Impl>& self) {
        if (self->deadline == Clock::time_point::max()) return;
        if (self->armed && self->timer.expiry() <= self->deadline) return;
        self->armed = true;
        self->timer.expires_at(self->deadline);  // cancels an earlier (later-expiring) wait
        self->timer.async_wait([self](error_code ec) {
            if (ec) return;  // superseded or destroyed
            self->armed = false;
            if (self->deadline == Clock::time_point::max()) return;
            if (Clock::now() >= self->deadline) {
                self->timed_out = true;
                error_code ignored;
                self->socket.cancel(ignored);
            } else {
                arm(self);
            }
        });
    }

    // Maps a cancellation caused by the watchdog to timed_out.
    void fix(error_code& ec) const {
        if (ec && timed_out) ec = asio::error::timed_out;
    }
};

Stream::Stream(tcp::socket socket, std::uint64_t session_id)
    : impl_(std::make_shared<Impl>(std::move(socket), session_id)) {}
Stream::Stream(Stream&&) noexcept = default;
Stream& Stream::operator=(Stream&&) noexcept = default;
Stream::~Stream() {
    if (impl_) {
        impl_->deadline = Clock::time_point::max();
        impl_->timer.cancel();
        error_code ec;
        impl_->socket.close(ec);
    }
}

void Stream::expires_after(std::chrono::milliseconds d) {
    impl_->timed_out = false;
    impl_->deadline = Clock::now() + d;
    Impl::arm(impl_);
}

void Stream::expires_never() {
    impl_->timed_out = false;
    impl_->deadline = Clock::time_point::max();
}

bool Stream::timed_out() const { return impl_->timed_out; }

task<std::size_t> Stream::read_some(asio::mutable_buffer buf, error_code& ec) {
    auto self = impl_;
    if (self->timed_out) {
        ec = asio::error::timed_out;
        co_return 0;
    }
    std::size_t n = 0;
    if (self->tls) {
        std::tie(ec, n) = co_await self->tls->async_read_some(buf, as_tuple(use_awaitable));
    } else {
        std::tie(ec, n) = co_await self->socket.async_read_some(buf, as_tuple(use_awaitable));
    }
    self->fix(ec);
    co_return n;
}

std::size_t Stream::try_read(asio::mutable_buffer buf, error_code& ec) {
    if (impl_->timed_out) {
        ec = asio::error::timed_out;
        return 0;
    }
    if (impl_->tls) {
        ec = asio::error::would_block;
        return 0;
    }
    return impl_->socket.read_some(buf, ec);
}

task<void> Stream::wait_readable(error_code& ec) {
    auto self = impl_;
    if (self->tls) {
        ec = {};
        co_return;
    }
    if (self->timed_out) {
        ec = asio::error::timed_out;
        co_return;
    }
    std::tie(ec) = co_await self->socket.async_wait(tcp::socket::wait_read, as_tuple(use_awaitable));
    self->fix(ec);
}

task<void> Stream::write(std::string_view data, error_code& ec) {
    std::array<asio::const_buffer, 1> one{asio::buffer(data)};
    co_await write(std::span<const asio::const_buffer>(one), ec);
}

task<void> Stream::write(std::span<const asio::const_buffer> bufs, error_code& ec) {
    auto self = impl_;
    if (self->timed_out) {
        ec = asio::error::timed_out;
        co_return;
    }
    if (!self->tls) {
        // Fast path: most replies fit in the socket buffer; write them without suspending.
        error_code wec;
        std::size_t total = asio::buffer_size(bufs);
        std::size_t n = asio::write(self->socket, bufs, asio::transfer_all(), wec);
        if (!wec && n == total) {
            ec = {};
            co_return;
        }
        if (wec && wec != asio::error::would_block && wec != asio::error::try_again) {
            ec = wec;
            co_return;
        }
        // Partial: write the rest asynchronously.
        std::vector<asio::const_buffer> rest;
        std::size_t skip = n;
        for (auto b : bufs) {
            if (skip >= b.size()) {
                skip -= b.size();
                continue;
            }
            rest.push_back(b + skip);
            skip = 0;
        }
        std::tie(ec, n) = co_await asio::async_write(self->socket, rest, as_tuple(use_awaitable));
    } else {
        std::size_t n = 0;
        std::tie(ec, n) = co_await asio::async_write(*self->tls, bufs, as_tuple(use_awaitable));
    }
    self->fix(ec);
}

task<void> Stream::send_file(int fd, std::uint64_t offset, std::uint64_t count, error_code& ec) {
    auto self = impl_;
    ec = {};
    if (self->tls) {
        std::vector<char> buf(std::min<std::uint64_t>(count, 64 * 1024));
        while (count > 0) {
            ssize_t n = ::pread(fd, buf.data(), std::min<std::uint64_t>(count, buf.size()), static_cast<off_t>(offset));
            if (n <= 0) {
                ec = n == 0 ? asio::error::eof : error_code(errno, asio::error::get_system_category());
                co_return;
            }
            co_await write(std::string_view(buf.data(), static_cast<std::size_t>(n)), ec);
            if (ec) co_return;
            offset += static_cast<std::uint64_t>(n);
            count -= static_cast<std::uint64_t>(n);
        }
        co_return;
    }
    off_t off = static_cast<off_t>(offset);
    while (count > 0) {
        if (self->timed_out) {
            ec = asio::error::timed_out;
            co_return;
        }
        ssize_t n = ::sendfile(self->socket.native_handle(), fd, &off, std::min<std::uint64_t>(count, 1u << 30));
        if (n > 0) {
            count -= static_cast<std::uint64_t>(n);
            continue;
        }
        if (n == 0) {  // file shrank under us
            ec = asio::error::eof;
            co_return;
        }
        if (errno == EINTR) continue;
        if (errno != EAGAIN) {
            ec = error_code(errno, asio::error::get_system_category());
            co_return;
        }
        std::tie(ec) = co_await self->socket.async_wait(tcp::socket::wait_write, as_tuple(use_awaitable));
        self->fix(ec);
        if (ec) co_return;
    }
}

task<void> Stream::start_tls(asio::ssl::context& ctx, error_code& ec, bool session_tickets) {
    auto self = impl_;
    self->tls = std::make_unique<asio::ssl::stream<tcp::socket&>>(self->socket, ctx);
    if (!session_tickets) SSL_set_num_tickets(self->tls->native_handle(), 0);
    std::tie(ec) = co_await self->tls->async_handshake(asio::ssl::stream_base::server, as_tuple(use_awaitable));
    self->fix(ec);
}

bool Stream::is_tls() const { return impl_->tls != nullptr; }

task<void> Stream::shutdown_tls(error_code& ec) {
    auto self = impl_;
    ec = {};
    if (!self->tls) co_return;
    std::tie(ec) = co_await self->tls->async_shutdown(as_tuple(use_awaitable));
    self->fix(ec);
}

std::string Stream::tls_description() const {
    if (!impl_->tls) return {};
    SSL* ssl = impl_->tls->native_handle();
    std::string out = SSL_get_version(ssl);
    if (const char* cipher = SSL_get_cipher_name(ssl)) {
        out += ' ';
        out += cipher;
    }
    return out;
}

void Stream::shutdown_send() {
    error_code ec;
    impl_->socket.shutdown(tcp::socket::shutdown_send, ec);
}

void Stream::close() {
    // A closed stream needs no watchdog; a pending timer would keep its io_context busy.
    impl_->deadline = Clock::time_point::max();
    impl_->timer.cancel();
    error_code ec;
    impl_->socket.close(ec);
}

bool Stream::is_open() const { return impl_->socket.is_open(); }
const tcp::endpoint& Stream::peer() const { return impl_->peer; }
const tcp::endpoint& Stream::local() const { return impl_->local; }
std::uint64_t Stream::id() const { return impl_->id; }
tcp::socket& Stream::socket() { return impl_->socket; }
asio::any_io_executor Stream::executor() { return impl_->socket.get_executor(); }
bool Stream::draining() const { return impl_->draining; }
void Stream::set_idle(bool idle) { impl_->idle = idle; }
bool Stream::idle() const { return impl_->idle; }

void Stream::begin_drain(Impl* impl) {
    impl->draining = true;
    if (impl->idle) {
        error_code ec;
        impl->socket.close(ec);
    }
}

void Stream::force_close(Impl* impl) {
    error_code ec;
    impl->socket.close(ec);
}

}  // namespace net
