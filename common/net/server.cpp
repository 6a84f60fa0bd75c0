#include "net/server.hpp"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <csignal>
#include <cstring>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>

#include <spdlog/spdlog.h>

#include "net/trace.hpp"

namespace net {

using asio::as_tuple;
using asio::use_awaitable;

namespace {

struct AddressHash {
    std::size_t operator()(const asio::ip::address& a) const {
        if (a.is_v4()) return std::hash<std::uint32_t>()(a.to_v4().to_uint());
        auto b = a.to_v6().to_bytes();
        std::size_t h = 1469598103934665603ull;
        for (auto c : b) h = (h ^ c) * 1099511628211ull;
        return h;
    }
};

// Global and per-address connection counting for one TCP service, shared by all workers.
class Limiter {
public:
    explicit Limiter(ConnectionLimits l) : limits_(l) {}

    bool try_acquire(const asio::ip::address& a) {
        std::lock_guard lock(mu_);
        if (limits_.max_connections && total_ >= limits_.max_connections) return false;
        if (limits_.max_per_address) {
            auto& n = per_addr_[a];
            if (n >= limits_.max_per_address) return false;
            ++n;
        }
        ++total_;
        return true;
    }

    void release(const asio::ip::address& a) {
        std::lock_guard lock(mu_);
        --total_;
        if (limits_.max_per_address) {
            auto it = per_addr_.find(a);
            if (it != per_addr_.end() && --it->second == 0) per_addr_.erase(it);
        }
    }

private:
    ConnectionLimits limits_;
    std::mutex mu_;
    std::size_t total_ = 0;
    std::unordered_map<asio::ip::address, std::size_t, AddressHash> per_addr_;
};

// Releases a connection slot when the session coroutine ends.
class Ticket {
public:
    Ticket(Limiter* l, asio::ip::address a) : lim_(l), addr_(a) {}
    Ticket(Ticket&& o) noexcept : lim_(std::exchange(o.lim_, nullptr)), addr_(o.addr_) {}
    Ticket(const Ticket&) = delete;
    ~Ticket() {
        if (lim_) lim_->release(addr_);
    }
    /// Hands the release over to the caller, who must release this same address.
    Limiter* disown() { return std::exchange(lim_, nullptr); }
    [[nodiscard]] const asio::ip::address& address() const { return addr_; }

private:
    Limiter* lim_;
    asio::ip::address addr_;
};

void set_reuse_port(int fd) {
    int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
}

std::system_error bind_error(const error_code& ec, const std::string& what, const std::string& addr) {
    return std::system_error(ec, what + " " + addr);
}

void log_exception(std::string_view where, std::exception_ptr e) {
    if (!e) return;
    try {
        std::rethrow_exception(e);
    } catch (const std::exception& ex) {
        spdlog::error("{}: {}", where, ex.what());
    } catch (...) {
        spdlog::error("{}: unknown exception", where);
    }
}

}  // namespace

struct TcpService {
    TcpService(TcpServiceConfig c, SessionHandler h, ResumableFactory f)
        : cfg(std::move(c)), handler(std::move(h)), factory(std::move(f)), limiter(cfg.limits) {}
    TcpServiceConfig cfg;
    SessionHandler handler;    // coroutine sessions
    ResumableFactory factory;  // or resumable ones
    Limiter limiter;
};

struct UdpService {
    UdpServiceConfig cfg;
    DeferringDatagramHandler handler;
};

struct Worker {
    explicit Worker(std::atomic<std::size_t>& l) : live(l) {}
    asio::io_context ctx{1};
    // Parked connections queue their waits here (see ParkedConn); use_service takes a lock.
    asio::detail::reactor& reactor = asio::use_service<asio::detail::reactor>(ctx);
    std::vector<std::unique_ptr<tcp::acceptor>> acceptors;
    std::vector<std::unique_ptr<udp::socket>> udp_sockets;
    StreamList sessions;
    asio::steady_timer drain_timer{ctx};
    asio::steady_timer hard_stop_timer{ctx};
    bool stopping = false;
    std::atomic<std::size_t>& live;  // the runtime's count of sessions
    std::thread thread;

    void add_session(Stream::Impl* impl) {
        sessions.add(impl);
        live.fetch_add(1, std::memory_order_relaxed);
        if (stopping) Stream::begin_drain(impl);
    }
    void remove_session(Stream::Impl* impl) {
        sessions.remove(impl);
        live.fetch_sub(1, std::memory_order_relaxed);
        if (stopping && sessions.empty()) {  // the last one of a drain
            drain_timer.cancel();
            hard_stop_timer.cancel();
        }
    }
};

struct Runtime::Impl {
    RuntimeOptions opts;
    std::vector<std::unique_ptr<Worker>> workers;
    std::vector<std::unique_ptr<TcpService>> tcp_services;
    std::vector<std::unique_ptr<UdpService>> udp_services;
    std::vector<std::function<void()>> reload_fns;
    std::vector<std::function<void()>> stop_fns;
    std::atomic<bool> stopping{false};
    std::atomic<std::size_t> live{0};
    asio::io_context signal_ctx{1};
    // Installed with the runtime, before any readiness line: a signal sent as soon as a daemon
    // says READY is queued here instead of meeting the default action (or being lost).
    asio::signal_set signals{signal_ctx, SIGINT, SIGTERM, SIGHUP};

    task<void> accept_loop(Worker& w, tcp::acceptor& acc, TcpService& svc);
    task<void> session(Worker& w, TcpService& svc, Socket sock, Ticket ticket);
    void start_resumable(Worker& w, TcpService& svc, Socket sock, Ticket ticket);
    std::vector<tcp::endpoint> bind_tcp(std::unique_ptr<TcpService> svc);
    task<void> udp_loop(Worker& w, udp::socket& sock, UdpService& svc);
    void begin_stop(Worker& w);
};

task<void> Runtime::Impl::accept_loop(Worker& w, tcp::acceptor& acc, TcpService& svc) {
    asio::steady_timer backoff(w.ctx);
    for (;;) {
        Socket sock(w.ctx);
        auto [ec] = co_await acc.async_accept(sock, as_tuple(use_awaitable));
        if (w.stopping || ec == asio::error::operation_aborted) co_return;
        if (ec) {
            // EMFILE/ENFILE/ENOBUFS: back off briefly instead of spinning.
            spdlog::warn("{}: accept: {}", svc.cfg.name, ec.message());
            backoff.expires_after(std::chrono::milliseconds(50));
            co_await backoff.async_wait(as_tuple(use_awaitable));
            continue;
        }
        error_code pec;
        auto peer = sock.remote_endpoint(pec);
        if (pec) continue;
        if (!svc.limiter.try_acquire(peer.address())) {
            if (!svc.cfg.busy_reply.empty()) {
                ::send(sock.native_handle(), svc.cfg.busy_reply.data(), svc.cfg.busy_reply.size(),
                       MSG_NOSIGNAL | MSG_DONTWAIT);
            }
            spdlog::debug("{}: refused {} (connection limit)", svc.cfg.name, to_string(peer));
            continue;  // socket closes here
        }
        if (svc.factory) {
            start_resumable(w, svc, std::move(sock), Ticket(&svc.limiter, peer.address()));
            continue;
        }
        asio::co_spawn(w.ctx, session(w, svc, std::move(sock), Ticket(&svc.limiter, peer.address())),
                       [name = svc.cfg.name](std::exception_ptr e) { log_exception(name, e); });
    }
}

namespace {

// A parked connection waits on its socket through Asio's reactor, with an operation of its
// own: the connection itself, queued on the descriptor (no allocation per wait, nothing
// beside the connection while it is idle). Asio's public wait (async_wait) re-registers the
// descriptor with epoll_ctl every time, so that it also sees bytes that arrived before it;
// measured under load, that was one system call in four of a keep-alive request. After a read
// that emptied the socket, with no epoll_wait since (the same turn, Resumable::poll), the
// edge-triggered registration's event for the next bytes is still to come, so the wait only
// queues itself, through the reactor's speculative path. Asio has no public call for either
// wait: this is its reactive_wait_op, started as its socket service starts one (Boost 1.81).
static_assert(std::is_same_v<asio::detail::reactor, asio::detail::epoll_reactor>,
              "the parked wait is written for Asio's epoll reactor");

thread_local bool t_arming = false;  // inside the wait's start_op: its perform must not complete it

struct ParkedConn;
using Conn = std::unique_ptr<ParkedConn>;
void step(Conn conn);

// One connection of a resumable service. While parked it is owned by the reactor's queue of
// its descriptor, as the wait operation it is: no coroutine frame, no read buffer.
struct ParkedConn final : asio::detail::reactor_op {
    ParkedConn(Socket sock, Ticket t, Worker& worker, TcpService& service)
        : reactor_op(error_code(), &ParkedConn::perform_wait, &ParkedConn::complete_wait),
          stream(std::move(sock), next_session_id()),
          w(worker),
          svc(service),
          // The stream asks the socket for its peer again; if the peer reset in between, the
          // addresses differ and `t` releases its own when it goes (the session ends at once).
          holds_slot(stream.peer().address() == t.address() && t.disown() != nullptr) {}
    ~ParkedConn() {
        if (holds_slot) svc.limiter.release(stream.peer().address());  // the Ticket's address, not kept twice
    }
    ParkedConn(const ParkedConn&) = delete;
    ParkedConn& operator=(const ParkedConn&) = delete;

    // The reactor asks when the wait starts on the speculative path (not ready: no read is
    // made) and on each readiness event of the descriptor (ready).
    static status perform_wait(reactor_op*) { return t_arming ? not_done : done; }
    // Readable, or cancelled (deadline, drain, close): a new turn. owner == nullptr: the
    // io_context is being destroyed with the wait queued; the connection goes with it.
    static void complete_wait(void* owner, asio::detail::scheduler_operation* base, const error_code&, std::size_t) {
        Conn conn(static_cast<ParkedConn*>(base));
        if (owner == nullptr) return;
        conn->stream.set_idle(false);
        step(std::move(conn));
    }

    Stream stream;
    Worker& w;
    TcpService& svc;
    std::unique_ptr<Resumable> session;
    bool holds_slot;  // of svc.limiter, for the stream's peer address
    bool ended = false;
};

void end(const Conn& conn) {
    conn->stream.close();
    if (!std::exchange(conn->ended, true)) conn->w.remove_session(conn->stream.impl());
}

// The socket's descriptor, through the protected member of Asio's socket class.
struct SocketAccess : Socket {
    static auto& implementation(Socket& s) { return (s.*(&SocketAccess::impl_)).get_implementation(); }
};

// Waits for readability (or the deadline's cancel, or a drain's close) without a coroutine.
// `drained`: the turn that parks has just emptied the socket (Resumable::poll), so no
// epoll_ctl; otherwise the registration is renewed, as async_wait does.
void park(Conn conn, bool drained) {
    auto& st = conn->stream;
    if (!st.is_open()) return end(conn);
    st.set_idle(true);
    if (st.draining()) return end(conn);  // a drain began while this session was busy
    auto& sock = st.socket();
    auto& impl = SocketAccess::implementation(sock);
    auto& reactor = conn->w.reactor;
    ParkedConn* const op = conn.release();
    op->ec_ = {};
    t_arming = true;
    reactor.start_op(asio::detail::reactor::read_op, impl.socket_, impl.reactor_data_, op, false, drained);
    t_arming = false;
}

void step(Conn conn) {
    Step next = Step::resume;
    try {
        next = conn->session->poll(conn->stream);
    } catch (const std::exception& ex) {
        spdlog::warn("{}: session #{} {}: {}", conn->svc.cfg.name, conn->stream.id(), to_string(conn->stream.peer()),
                     ex.what());
        return end(conn);
    }
    if (next == Step::park) return park(std::move(conn), /*drained=*/true);
    if (next == Step::done) return end(conn);
    auto& ctx = conn->w.ctx;
    auto t = conn->session->resume(conn->stream);
    asio::co_spawn(ctx, std::move(t), [conn = std::move(conn)](std::exception_ptr e, Step after) mutable {
        if (e) {
            try {
                std::rethrow_exception(e);
            } catch (const std::exception& ex) {
                spdlog::warn("{}: session #{} {}: {}", conn->svc.cfg.name, conn->stream.id(),
                             to_string(conn->stream.peer()), ex.what());
            } catch (...) {
            }
            return end(conn);
        }
        if (after == Step::done) return end(conn);
        park(std::move(conn), /*drained=*/false);
    });
}

}  // namespace

void Runtime::Impl::start_resumable(Worker& w, TcpService& svc, Socket sock, Ticket ticket) {
    auto conn = std::make_unique<ParkedConn>(std::move(sock), std::move(ticket), w, svc);
    conn->session = svc.factory(conn->stream);
    w.add_session(conn->stream.impl());
    step(std::move(conn));
}

task<void> Runtime::Impl::session(Worker& w, TcpService& svc, Socket sock, Ticket ticket) {
    Stream stream(std::move(sock), next_session_id());
    auto* impl = stream.impl();
    w.add_session(impl);
    try {
        co_await svc.handler(stream);
    } catch (const std::exception& e) {
        spdlog::warn("{}: session #{} {}: {}", svc.cfg.name, stream.id(), to_string(stream.peer()), e.what());
    }
    w.remove_session(impl);
    (void)ticket;
}

task<void> Runtime::Impl::udp_loop(Worker& w, udp::socket& sock, UdpService& svc) {
    // Batches with recvmmsg/sendmmsg: one wakeup serves up to kBatch datagrams each way.
    constexpr unsigned kBatch = 32;
    const std::size_t rx_size = svc.cfg.max_datagram;
    const std::size_t tx_size = svc.cfg.max_reply;
    std::vector<std::uint8_t> rx(kBatch * rx_size), tx(kBatch * tx_size);
    std::vector<mmsghdr> in(kBatch), out(kBatch);
    std::vector<iovec> in_iov(kBatch), out_iov(kBatch);
    std::vector<sockaddr_storage> from(kBatch);
    const int fd = sock.native_handle();
    for (;;) {
        auto [ec] = co_await sock.async_wait(udp::socket::wait_read, as_tuple(use_awaitable));
        if (ec || w.stopping) co_return;
        for (int round = 0; round < 16; ++round) {
            for (unsigned i = 0; i < kBatch; ++i) {
                in_iov[i] = {rx.data() + i * rx_size, rx_size};
                in[i] = {};
                in[i].msg_hdr.msg_iov = &in_iov[i];
                in[i].msg_hdr.msg_iovlen = 1;
                in[i].msg_hdr.msg_name = &from[i];
                in[i].msg_hdr.msg_namelen = sizeof(sockaddr_storage);
            }
            int n = ::recvmmsg(fd, in.data(), kBatch, MSG_DONTWAIT, nullptr);
            if (n <= 0) break;
            unsigned replies = 0;
            for (int i = 0; i < n; ++i) {
                if (in[i].msg_hdr.msg_flags & MSG_TRUNC) continue;  // larger than we accept: drop
                udp::endpoint peer;
                std::memcpy(peer.data(), &from[i], in[i].msg_hdr.msg_namelen);
                peer.resize(in[i].msg_hdr.msg_namelen);
                std::span<const std::uint8_t> query(rx.data() + i * rx_size, in[i].msg_len);
                std::span<std::uint8_t> reply(tx.data() + replies * tx_size, tx_size);
                std::size_t len = 0;
                try {
                    len = svc.handler(query, peer, reply, sock);
                } catch (const std::exception& e) {
                    spdlog::warn("{}: {}: {}", svc.cfg.name, to_string(peer), e.what());
                }
                if (len == 0 || len > tx_size) continue;
                out_iov[replies] = {reply.data(), len};
                out[replies] = {};
                out[replies].msg_hdr.msg_iov = &out_iov[replies];
                out[replies].msg_hdr.msg_iovlen = 1;
                out[replies].msg_hdr.msg_name = &from[i];
                out[replies].msg_hdr.msg_namelen = in[i].msg_hdr.msg_namelen;
                ++replies;
            }
            unsigned sent = 0;
            while (sent < replies) {
                int m = ::sendmmsg(fd, out.data() + sent, replies - sent, MSG_DONTWAIT);
                if (m <= 0) {
                    if (m < 0 && errno == EINTR) continue;
                    // Full socket buffer or an unreachable peer: UDP may drop; skip one and go on.
                    ++sent;
                    continue;
                }
                sent += static_cast<unsigned>(m);
            }
            if (static_cast<unsigned>(n) < kBatch) break;
        }
    }
}

void Runtime::Impl::begin_stop(Worker& w) {
    if (w.stopping) {
        // Second request: no more grace.
        w.sessions.for_each(&Stream::force_close);
        return;
    }
    w.stopping = true;
    error_code ec;
    for (auto& a : w.acceptors) a->close(ec);
    for (auto& u : w.udp_sockets) u->close(ec);
    w.sessions.for_each(&Stream::begin_drain);
    if (w.sessions.empty()) return;
    w.drain_timer.expires_after(opts.drain_timeout);
    w.drain_timer.async_wait([&w](error_code tec) {
        if (tec) return;
        if (!w.sessions.empty()) spdlog::info("drain timeout: closing {} connection(s)", w.sessions.size());
        w.sessions.for_each(&Stream::force_close);
        // A session blocked on something other than its socket (a timer, a file) does not see
        // the close; abandon it. Its frame is destroyed with the io_context.
        w.hard_stop_timer.expires_after(std::chrono::milliseconds(500));
        w.hard_stop_timer.async_wait([&w](error_code hec) {
            if (hec || w.sessions.empty()) return;
            spdlog::warn("abandoning {} session(s) that ignored the close", w.sessions.size());
            w.ctx.stop();
        });
    });
}

Runtime::Runtime(RuntimeOptions opts) : impl_(std::make_unique<Impl>()) {
    // sendfile(2) and plain writes on a reset socket must not kill the process.
    std::signal(SIGPIPE, SIG_IGN);
    if (opts.threads == 0) opts.threads = std::max(1u, std::thread::hardware_concurrency());
    impl_->opts = opts;
    for (unsigned i = 0; i < opts.threads; ++i) impl_->workers.push_back(std::make_unique<Worker>(impl_->live));
}

Runtime::~Runtime() {
    for (auto& w : impl_->workers)
        if (w->thread.joinable()) w->thread.join();
    // Abandoned session frames die with their io_context and still reference the services:
    // destroy the workers first.
    impl_->workers.clear();
}

std::vector<tcp::endpoint> Runtime::add_tcp(TcpServiceConfig cfg, SessionHandler handler) {
    return impl_->bind_tcp(std::make_unique<TcpService>(std::move(cfg), std::move(handler), nullptr));
}

std::vector<tcp::endpoint> Runtime::add_tcp(TcpServiceConfig cfg, ResumableFactory factory) {
    return impl_->bind_tcp(std::make_unique<TcpService>(std::move(cfg), nullptr, std::move(factory)));
}

std::vector<tcp::endpoint> Runtime::Impl::bind_tcp(std::unique_ptr<TcpService> svc) {
    std::vector<tcp::endpoint> bound;
    for (const auto& hp : svc->cfg.listen) {
        tcp::endpoint ep(hp.address, hp.port);
        for (auto& w : workers) {
            auto acc = std::make_unique<tcp::acceptor>(w->ctx);
            error_code ec;
            acc->open(ep.protocol(), ec);
            if (!ec) {
                acc->set_option(asio::socket_base::reuse_address(true), ec);
                if (ep.address().is_v6()) acc->set_option(asio::ip::v6_only(true), ec);
                set_reuse_port(acc->native_handle());
                acc->bind(ep, ec);
            }
            if (ec) throw bind_error(ec, svc->cfg.name + ": cannot bind", to_string(ep));
            acc->listen(svc->cfg.backlog, ec);
            if (ec) throw bind_error(ec, svc->cfg.name + ": cannot listen on", to_string(ep));
            if (ep.port() == 0) ep = acc->local_endpoint();  // the other workers share the real port
            w->acceptors.push_back(std::move(acc));
        }
        bound.push_back(ep);
    }
    for (auto& w : workers) {
        std::size_t first = w->acceptors.size() - svc->cfg.listen.size();
        for (std::size_t i = first; i < w->acceptors.size(); ++i) {
            asio::co_spawn(w->ctx, accept_loop(*w, *w->acceptors[i], *svc),
                           [name = svc->cfg.name](std::exception_ptr e) { log_exception(name, e); });
        }
    }
    tcp_services.push_back(std::move(svc));
    return bound;
}

std::vector<udp::endpoint> Runtime::add_udp(UdpServiceConfig cfg, DatagramHandler handler) {
    return add_udp(std::move(cfg), DeferringDatagramHandler(
                                       [h = std::move(handler)](
                                           std::span<const std::uint8_t> q, const udp::endpoint& from,
                                           std::span<std::uint8_t> reply, udp::socket&) { return h(q, from, reply); }));
}

std::vector<udp::endpoint> Runtime::add_udp(UdpServiceConfig cfg, DeferringDatagramHandler handler) {
    auto svc = std::make_unique<UdpService>(UdpService{std::move(cfg), std::move(handler)});
    std::vector<udp::endpoint> bound;
    for (const auto& hp : svc->cfg.listen) {
        udp::endpoint ep(hp.address, hp.port);
        const bool shared = svc->cfg.spread == UdpServiceConfig::Spread::shared;
        int first_fd = -1;
        for (auto& w : impl_->workers) {
            auto sock = std::make_unique<udp::socket>(w->ctx);
            error_code ec;
            if (shared && first_fd >= 0) {
                // The same socket, registered with this worker's reactor through its own
                // descriptor: every worker wakes for it and drains it with recvmmsg.
                const int fd = ::dup(first_fd);
                if (fd < 0) ec = error_code(errno, asio::error::get_system_category());
                if (!ec) sock->assign(ep.protocol(), fd, ec);
            } else {
                sock->open(ep.protocol(), ec);
                if (!ec) {
                    sock->set_option(asio::socket_base::reuse_address(true), ec);
                    if (ep.address().is_v6()) sock->set_option(asio::ip::v6_only(true), ec);
                    if (!shared) set_reuse_port(sock->native_handle());
                    sock->bind(ep, ec);
                }
                if (!ec) first_fd = sock->native_handle();
            }
            if (ec) throw bind_error(ec, svc->cfg.name + ": cannot bind", to_string(ep));
            sock->non_blocking(true, ec);
            if (ep.port() == 0) ep = sock->local_endpoint();
            w->udp_sockets.push_back(std::move(sock));
            asio::co_spawn(w->ctx, impl_->udp_loop(*w, *w->udp_sockets.back(), *svc),
                           [name = svc->cfg.name](std::exception_ptr e) { log_exception(name, e); });
        }
        bound.push_back(ep);
    }
    impl_->udp_services.push_back(std::move(svc));
    return bound;
}

void Runtime::on_reload(std::function<void()> fn) { impl_->reload_fns.push_back(std::move(fn)); }
void Runtime::on_stop(std::function<void()> fn) { impl_->stop_fns.push_back(std::move(fn)); }

void Runtime::run() {
    auto& signals = impl_->signals;
    std::function<void(error_code, int)> on_signal = [&](error_code ec, int sig) {
        if (ec) return;
        if (sig == SIGHUP) {
            spdlog::info("SIGHUP: reloading");
            for (auto& fn : impl_->reload_fns) {
                try {
                    fn();
                } catch (const std::exception& e) {
                    spdlog::error("reload failed: {}", e.what());
                }
            }
        } else {
            spdlog::info("{}: stopping", sig == SIGINT ? "SIGINT" : "SIGTERM");
            stop();
        }
        signals.async_wait(on_signal);
    };
    signals.async_wait(on_signal);
    std::thread signal_thread([this] { impl_->signal_ctx.run(); });

    for (auto& w : impl_->workers) {
        Worker* wp = w.get();
        w->thread = std::thread([wp] {
            try {
                wp->ctx.run();
            } catch (const std::exception& e) {
                spdlog::critical("worker: {}", e.what());
            }
        });
    }
    for (auto& w : impl_->workers) w->thread.join();
    impl_->signal_ctx.stop();
    signal_thread.join();
}

void Runtime::stop() {
    if (!impl_->stopping.exchange(true)) {
        for (auto& fn : impl_->stop_fns) fn();
    }
    for (auto& w : impl_->workers) {
        Worker* wp = w.get();
        asio::post(w->ctx, [this, wp] { impl_->begin_stop(*wp); });
    }
}

unsigned Runtime::threads() const { return static_cast<unsigned>(impl_->workers.size()); }
std::size_t Runtime::connections() const { return impl_->live.load(std::memory_order_relaxed); }
asio::io_context& Runtime::context(unsigned i) { return impl_->workers.at(i)->ctx; }

}  // namespace net
