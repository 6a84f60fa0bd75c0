#include "net/stream.hpp"

#include <linux/sockios.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/ioctl.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <memory>
#include <optional>
#include <stdexcept>
#include <vector>

namespace net {

using asio::as_tuple;
using asio::use_awaitable;

namespace {

constexpr std::uint64_t kTlsFileChunk = 64 * 1024;  // file bytes read per TLS write
constexpr std::uint64_t kSendfileMax = 1u << 30;    // bytes asked of one sendfile(2)
// File regions (what is left of one) up to kCopyMax bytes are read into a per-thread buffer
// and written (one copy, h2o's way) instead of sent with sendfile(2). Measured on loopback
// under wrk: 1 MiB responses moved ~1.2x faster than nginx's sendfile that way, sendfile
// ~0.95x (the receiver copies out of skbs of 4 KiB page-cache pages, and slower). Larger
// regions keep sendfile, which spares the sender's CPU a copy per byte.
constexpr std::uint64_t kCopyMax = 1u << 20;
constexpr std::size_t kCopyChunk = 128 * 1024;  // bytes read and written per step

// pread(2) of up to `size` bytes at `offset`: the bytes read, or 0 with `ec` set (eof if the
// file ended there, as when it shrank under a response).
std::size_t read_at(int fd, char* buf, std::size_t size, std::uint64_t offset, error_code& ec) {
    ssize_t n = 0;
    do n = ::pread(fd, buf, size, static_cast<off_t>(offset));
    while (n < 0 && errno == EINTR);
    if (n > 0) return static_cast<std::size_t>(n);
    ec = n == 0 ? asio::error::eof : error_code(errno, asio::error::get_system_category());
    return 0;
}

// The buffer of the copy path: one per thread, never held across a wait (what the socket
// did not take is read again next time), so it costs 128 KiB per thread, not per response.
char* copy_buffer() {
    thread_local std::unique_ptr<char[]> buf(new char[kCopyChunk]);
    return buf.get();
}

// The deadlines of one io_context's streams: a binary heap under one timer (nginx's timer
// tree, asio's own timer queue), so that a connection's deadline costs a heap slot rather
// than a timer object and a pending wait (about 400 bytes) per connection. A deadline that
// moves later keeps its slot and is re-keyed when the slot comes due; one that moves earlier
// is sifted up. Used from the context's one thread only, as the streams are.
class Deadlines final : public asio::execution_context::service {
public:
    static inline asio::execution_context::id id;
    static constexpr std::uint32_t kNone = static_cast<std::uint32_t>(-1);

    explicit Deadlines(asio::io_context& ctx) : service(ctx), timer_(ctx) {}

    // Starts (or brings forward) the watch of `s` for s->deadline.
    void watch(Stream::Impl* s);
    // Stops watching `s` (its deadline was cleared, or it is going away).
    void forget(Stream::Impl* s);

private:
    struct Slot {
        Clock::time_point at;
        Stream::Impl* stream;
    };
    void shutdown() override {
        shut_ = true;
        heap_.clear();
        armed_ = Clock::time_point::max();  // the timer's service shuts down after this one
    }
    void arm();
    void fire();
    void place(std::size_t i);
    void up(std::size_t i);
    void down(std::size_t i);
    void remove_at(std::size_t i);

    asio::steady_timer timer_;
    Clock::time_point armed_ = Clock::time_point::max();
    std::vector<Slot> heap_;
    bool shut_ = false;
};

}  // namespace

struct Stream::Impl {
    explicit Impl(Socket s, std::uint64_t sid)
        : socket(std::move(s)), deadlines(asio::use_service<Deadlines>(socket.get_executor().context())), id(sid) {
        error_code ec;
        peer = socket.remote_endpoint(ec);
        socket.non_blocking(true, ec);
        socket.set_option(tcp::no_delay(true), ec);
    }
    ~Impl() { deadlines.forget(this); }
    Impl(const Impl&) = delete;
    Impl& operator=(const Impl&) = delete;

    Socket socket;
    // Only TLS connections pay for the TLS state (buffers, engine): an idle plain connection
    // should cost little more than its socket.
    std::unique_ptr<asio::ssl::stream<Socket&>> tls;
    Deadlines& deadlines;
    Clock::time_point deadline = Clock::time_point::max();
    tcp::endpoint peer;
    std::uint32_t slot = Deadlines::kNone;  // in deadlines' heap
    // Bit fields: an idle connection's bytes are counted (see bench/idle-memory.sh).
    std::uint64_t id : 58;
    std::uint64_t timed_out : 1 = false;
    std::uint64_t draining : 1 = false;
    std::uint64_t idle : 1 = false;
    std::uint64_t inq_asked : 1 = false;  // TCP_INQ was asked for (at the first try_read)
    std::uint64_t inq : 1 = false;        // and the kernel gives it
    Impl* prev = nullptr;                 // in a worker's StreamList
    Impl* next = nullptr;

    // The deadline passed: pending operations fail (as timed_out, see fix) and later ones too.
    void expire() {
        deadline = Clock::time_point::max();
        timed_out = true;
        error_code ignored;
        socket.cancel(ignored);
    }
    // sendfile(2) until the connection takes no more or `count` is sent, without waiting:
    // the bytes sent, with would_block if none could be.
    std::uint64_t try_send_file(int fd, std::uint64_t offset, std::uint64_t count, error_code& ec) {
        ec = {};
        if (timed_out) {
            ec = asio::error::timed_out;
            return 0;
        }
        if (count <= kCopyMax) return try_copy_file(fd, offset, count, ec);
        off_t off = static_cast<off_t>(offset);
        std::uint64_t sent = 0;
        while (sent < count) {
            const ssize_t n = ::sendfile(socket.native_handle(), fd, &off, std::min(count - sent, kSendfileMax));
            if (n > 0) {
                sent += static_cast<std::uint64_t>(n);
                continue;
            }
            if (n < 0 && errno == EINTR) continue;
            if (sent > 0) break;                // what was taken now; the error, if any, comes again next time
            if (n == 0) ec = asio::error::eof;  // the file shrank under us
            else if (errno == EAGAIN) ec = asio::error::would_block;
            else ec = error_code(errno, asio::error::get_system_category());
            break;
        }
        return sent;
    }

    // try_send_file's copy path: one chunk, pread(2) into the thread's buffer and send(2) of
    // what the socket takes. One chunk per call, and the caller lets the other connections of
    // the thread have a turn before the next (as h2o's loop does): measured, turns of 64-128
    // KiB went 1.1-1.4x faster than filling the socket buffer in one go (likely because the
    // receiver then copies out data still in the caches).
    std::uint64_t try_copy_file(int fd, std::uint64_t offset, std::uint64_t count, error_code& ec) {
        char* const buf = copy_buffer();
        const std::size_t got = read_at(fd, buf, std::min<std::uint64_t>(count, kCopyChunk), offset, ec);
        if (got == 0) return 0;
        ssize_t n = 0;
        do n = ::send(socket.native_handle(), buf, got, MSG_NOSIGNAL);
        while (n < 0 && errno == EINTR);
        if (n < 0) {
            ec = errno == EAGAIN ? asio::error::would_block : error_code(errno, asio::error::get_system_category());
            return 0;
        }
        return static_cast<std::uint64_t>(n);
    }

    // After a copy-path chunk with more to send: the turn of the thread's other handlers.
    [[nodiscard]] static bool yields(std::uint64_t count, std::uint64_t sent, const error_code& ec) {
        return !ec && count <= kCopyMax && sent < count;
    }

    // Maps a cancellation caused by the deadline to timed_out.
    void fix(error_code& ec) const {
        if (ec && timed_out) ec = asio::error::timed_out;
    }
};

namespace {

void Deadlines::watch(Stream::Impl* s) {
    if (shut_) return;
    if (s->slot == kNone) {
        s->slot = static_cast<std::uint32_t>(heap_.size());
        heap_.push_back({s->deadline, s});
        up(s->slot);
    } else if (s->deadline < heap_[s->slot].at) {
        heap_[s->slot].at = s->deadline;
        up(s->slot);
    }
    if (heap_.front().at < armed_) arm();
}

void Deadlines::forget(Stream::Impl* s) {
    if (s->slot == kNone) return;
    if (!shut_) remove_at(s->slot);
    s->slot = kNone;
    // Nothing left to watch: no pending wait should keep the context's run() from returning.
    if (heap_.empty() && armed_ != Clock::time_point::max()) {
        armed_ = Clock::time_point::max();
        timer_.cancel();
    }
}

void Deadlines::arm() {
    armed_ = heap_.front().at;
    timer_.expires_at(armed_);  // cancels the wait for a later slot, if any
    timer_.async_wait([this](error_code ec) {
        if (!ec) fire();  // aborted: a re-arm replaced this wait, or the context is going away
    });
}

void Deadlines::fire() {
    armed_ = Clock::time_point::max();
    const auto now = Clock::now();
    while (!heap_.empty() && heap_.front().at <= now) {
        Stream::Impl* s = heap_.front().stream;
        if (s->deadline <= now) {
            remove_at(0);
            s->slot = kNone;
            s->expire();
        } else if (s->deadline == Clock::time_point::max()) {
            remove_at(0);
            s->slot = kNone;
        } else {
            heap_.front().at = s->deadline;  // moved later since it was placed
            down(0);
        }
    }
    if (!heap_.empty()) arm();
}

void Deadlines::place(std::size_t i) { heap_[i].stream->slot = static_cast<std::uint32_t>(i); }

void Deadlines::up(std::size_t i) {
    while (i > 0) {
        const std::size_t parent = (i - 1) / 2;
        if (!(heap_[i].at < heap_[parent].at)) break;
        std::swap(heap_[i], heap_[parent]);
        place(i);
        i = parent;
    }
    place(i);
}

void Deadlines::down(std::size_t i) {
    for (;;) {
        const std::size_t l = 2 * i + 1, r = l + 1;
        std::size_t least = i;
        if (l < heap_.size() && heap_[l].at < heap_[least].at) least = l;
        if (r < heap_.size() && heap_[r].at < heap_[least].at) least = r;
        if (least == i) break;
        std::swap(heap_[i], heap_[least]);
        place(i);
        i = least;
    }
    place(i);
}

void Deadlines::remove_at(std::size_t i) {
    const std::size_t last = heap_.size() - 1;
    if (i != last) {
        heap_[i] = heap_[last];
        heap_.pop_back();
        Stream::Impl* moved = heap_[i].stream;
        place(i);
        down(i);
        up(moved->slot);
    } else {
        heap_.pop_back();
    }
}

// A socket of any executor, moved onto the io_context behind that executor.
Socket adopt(tcp::socket s) {
    const auto* ex = s.get_executor().target<asio::io_context::executor_type>();
    if (ex == nullptr) throw std::logic_error("net::Stream: the socket's executor is not an io_context's");
    Socket out(ex->context());
    if (!s.is_open()) return out;
    error_code ec;
    const auto protocol = s.local_endpoint(ec).protocol();
    const int fd = s.release(ec);
    if (!ec) out.assign(protocol, fd, ec);
    return out;
}

}  // namespace

Stream::Stream(Socket socket, std::uint64_t session_id)
    : impl_(std::make_shared<Impl>(std::move(socket), session_id)) {}
Stream::Stream(tcp::socket socket, std::uint64_t session_id) : Stream(adopt(std::move(socket)), session_id) {}
Stream::Stream(Stream&&) noexcept = default;
Stream& Stream::operator=(Stream&&) noexcept = default;
Stream::~Stream() {
    if (impl_) {
        impl_->deadline = Clock::time_point::max();
        impl_->deadlines.forget(impl_.get());
        error_code ec;
        impl_->socket.close(ec);
    }
}

void Stream::expires_after(std::chrono::milliseconds d) {
    impl_->timed_out = false;
    impl_->deadline = Clock::now() + d;
    impl_->deadlines.watch(impl_.get());
}

void Stream::expires_never() {
    impl_->timed_out = false;
    impl_->deadline = Clock::time_point::max();
    impl_->deadlines.forget(impl_.get());
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

std::size_t Stream::try_read(asio::mutable_buffer buf, error_code& ec, bool* emptied) {
    Impl& i = *impl_;
    bool unused = false;
    bool& empty = emptied != nullptr ? *emptied : unused;
    empty = false;
    if (i.timed_out) {
        ec = asio::error::timed_out;
        return 0;
    }
    if (i.tls) {
        ec = asio::error::would_block;
        return 0;
    }
    ec = {};
    if (buf.size() == 0) return 0;
    const int fd = i.socket.native_handle();
    if (!i.inq_asked) {
        // TCP_INQ (Linux 4.18): each read says how many bytes it left queued, and "some" once
        // the peer's FIN is there, so that a read that emptied the socket is known as such.
        i.inq_asked = true;
        const int one = 1;
        i.inq = ::setsockopt(fd, IPPROTO_TCP, TCP_INQ, &one, sizeof one) == 0;
    }
    iovec iov{buf.data(), buf.size()};
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))];
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    if (i.inq) {
        msg.msg_control = control;
        msg.msg_controllen = sizeof control;
    }
    ssize_t n = 0;
    do n = ::recvmsg(fd, &msg, MSG_DONTWAIT);
    while (n < 0 && errno == EINTR);
    if (n < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            ec = asio::error::would_block;
            empty = true;  // nothing queued, and no FIN (a FIN reads as 0)
        } else {
            ec = error_code(errno, asio::error::get_system_category());
        }
        return 0;
    }
    if (n == 0) {
        ec = asio::error::eof;
        return 0;
    }
    for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level == SOL_TCP && c->cmsg_type == TCP_CM_INQ) {
            int queued = 0;
            std::memcpy(&queued, CMSG_DATA(c), sizeof queued);
            empty = queued == 0;
        }
    }
    return static_cast<std::size_t>(n);
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
    std::tie(ec) = co_await self->socket.async_wait(Socket::wait_read, as_tuple(use_awaitable));
    self->fix(ec);
}

std::size_t Stream::try_write(std::span<const asio::const_buffer> bufs, error_code& ec) {
    if (impl_->timed_out) {
        ec = asio::error::timed_out;
        return 0;
    }
    if (impl_->tls) {
        ec = asio::error::would_block;
        return 0;
    }
    const std::size_t n = asio::write(impl_->socket, bufs, asio::transfer_all(), ec);
    if (ec == asio::error::try_again) ec = asio::error::would_block;
    return n;
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
        std::size_t n = try_write(bufs, wec);
        if (!wec) {
            ec = {};
            co_return;
        }
        if (wec != asio::error::would_block) {
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
    ec = {};
    while (count > 0) {
        const std::uint64_t n = co_await send_file_some(fd, offset, count, ec);
        if (ec) co_return;
        offset += n;
        count -= n;
    }
}

task<std::uint64_t> Stream::send_file_some(int fd, std::uint64_t offset, std::uint64_t count, error_code& ec) {
    auto self = impl_;
    ec = {};
    if (count == 0) co_return 0;
    if (self->tls) {
        std::vector<char> buf(std::min<std::uint64_t>(count, kTlsFileChunk));
        const std::size_t n = read_at(fd, buf.data(), buf.size(), offset, ec);
        if (n == 0) co_return 0;
        co_await write(std::string_view(buf.data(), n), ec);
        co_return ec ? 0 : n;
    }
    for (;;) {
        const std::uint64_t n = self->try_send_file(fd, offset, count, ec);
        if (Impl::yields(count, n, ec)) co_await asio::post(self->socket.get_executor(), use_awaitable);
        if (ec != asio::error::would_block) co_return n;
        std::tie(ec) = co_await self->socket.async_wait(Socket::wait_write, as_tuple(use_awaitable));
        self->fix(ec);
        if (ec) co_return 0;
    }
}

task<std::uint64_t> Stream::send_file_some(int fd, std::uint64_t offset, std::uint64_t count,
                                           std::chrono::milliseconds stall, error_code& ec) {
    auto self = impl_;
    expires_after(stall);
    if (self->tls) co_return co_await send_file_some(fd, offset, count, ec);
    // The socket reports itself writable only once half of a send buffer that autotunes to
    // megabytes is free, which a slow reader may take longer than `stall` to make. The queue
    // is measured only when sendfile took nothing, so it is the one waited on.
    for (;;) {
        const std::uint64_t n = self->try_send_file(fd, offset, count, ec);
        if (Impl::yields(count, n, ec)) co_await asio::post(self->socket.get_executor(), use_awaitable);
        if (ec != asio::error::would_block) co_return n;
        const std::size_t queued = unacknowledged();
        std::tie(ec) = co_await self->socket.async_wait(Socket::wait_write, as_tuple(use_awaitable));
        self->fix(ec);
        if (ec == asio::error::timed_out && unacknowledged() < queued) {
            expires_after(stall);  // a slow reader, not a stall: wait again
            continue;
        }
        if (ec) co_return 0;
    }
}

std::size_t Stream::unacknowledged() const {
    int n = 0;
    if (::ioctl(impl_->socket.native_handle(), SIOCOUTQ, &n) != 0 || n < 0) return 0;
    return static_cast<std::size_t>(n);
}

task<void> Stream::start_tls(asio::ssl::context& ctx, error_code& ec, bool session_tickets) {
    auto self = impl_;
    self->tls = std::make_unique<asio::ssl::stream<Socket&>>(self->socket, ctx);
    if (!session_tickets) SSL_set_num_tickets(self->tls->native_handle(), 0);
    std::tie(ec) = co_await self->tls->async_handshake(asio::ssl::stream_base::server, as_tuple(use_awaitable));
    self->fix(ec);
}

bool Stream::is_tls() const { return impl_->tls != nullptr; }

task<void> Stream::shutdown_tls(error_code& ec, bool wait_for_peer) {
    auto self = impl_;
    ec = {};
    if (!self->tls) co_return;
    // Marking the peer's close_notify as received makes SSL_shutdown finish once ours is sent.
    if (!wait_for_peer) {
        SSL* ssl = self->tls->native_handle();
        SSL_set_shutdown(ssl, SSL_get_shutdown(ssl) | SSL_RECEIVED_SHUTDOWN);
    }
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
    impl_->socket.shutdown(Socket::shutdown_send, ec);
}

void Stream::close() {
    // A closed stream needs no deadline.
    impl_->deadline = Clock::time_point::max();
    impl_->deadlines.forget(impl_.get());
    error_code ec;
    impl_->socket.close(ec);
}

bool Stream::is_open() const { return impl_->socket.is_open(); }
const tcp::endpoint& Stream::peer() const { return impl_->peer; }
tcp::endpoint Stream::local() const {
    error_code ec;
    return impl_->socket.local_endpoint(ec);
}
std::uint64_t Stream::id() const { return impl_->id; }
Socket& Stream::socket() { return impl_->socket; }
asio::any_io_executor Stream::executor() { return impl_->socket.get_executor(); }
bool Stream::draining() const { return impl_->draining; }
void Stream::set_idle(bool idle) { impl_->idle = idle; }
bool Stream::idle() const { return impl_->idle; }

void StreamList::add(Stream::Impl* s) {
    s->prev = nullptr;
    s->next = head_;
    if (head_ != nullptr) head_->prev = s;
    head_ = s;
    ++size_;
}

void StreamList::remove(Stream::Impl* s) {
    if (s->prev != nullptr) s->prev->next = s->next;
    else head_ = s->next;
    if (s->next != nullptr) s->next->prev = s->prev;
    s->prev = s->next = nullptr;
    --size_;
}

void StreamList::for_each(void (*fn)(Stream::Impl*)) const {
    for (Stream::Impl* s = head_; s != nullptr;) {
        Stream::Impl* const next = s->next;
        fn(s);
        s = next;
    }
}

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
