#include "ftpd/data.hpp"

#include <atomic>
#include <memory>
#include <random>

#include "ftpd/protocol.hpp"

namespace ftpd {

using asio::as_tuple;
using asio::use_awaitable;

namespace {

// Where the next passive port search starts (shared by all threads; only a hint).
std::atomic<std::uint32_t> next_port_hint{static_cast<std::uint32_t>(std::random_device{}())};

// A deadline for one operation on `io` (an acceptor or a socket): when it passes first, the
// operation is cancelled and `fired` is set. No awaitable operators: their by-value awaitable
// arguments meet the g++ 12 co_await copy bug (see net/blocking.hpp).
struct Deadline {
    struct State {
        bool done = false;
        bool fired = false;
    };
    template <class Io>
    Deadline(const asio::any_io_executor& ex, std::chrono::milliseconds timeout, Io& io)
        : timer(ex, timeout), state(std::make_shared<State>()) {
        timer.async_wait([s = state, &io](net::error_code ec) {
            if (ec || s->done) return;  // cancelled, or the operation ended first (io may be gone)
            s->fired = true;
            net::error_code ignored;
            io.cancel(ignored);
        });
    }
    ~Deadline() {
        state->done = true;
        timer.cancel();
    }
    Deadline(const Deadline&) = delete;
    Deadline& operator=(const Deadline&) = delete;
    // The operation's result, timed_out when the deadline cancelled it.
    [[nodiscard]] net::error_code result(const net::error_code& ec) {
        state->done = true;
        return state->fired ? net::error_code(asio::error::timed_out) : ec;
    }

    asio::steady_timer timer;
    std::shared_ptr<State> state;
};

net::task<net::error_code> connect_within(net::tcp::socket& sock, const net::tcp::endpoint& target,
                                          std::chrono::milliseconds timeout) {
    Deadline deadline(sock.get_executor(), timeout, sock);
    auto [e] = co_await sock.async_connect(target, as_tuple(use_awaitable));
    co_return deadline.result(e);
}

}  // namespace

std::optional<net::tcp::acceptor> listen_passive(const asio::any_io_executor& ex, const asio::ip::address& local,
                                                 std::uint16_t low, std::uint16_t high, net::error_code& ec) {
    const std::uint32_t span = low == 0 ? 1 : static_cast<std::uint32_t>(high - low) + 1;
    const std::uint32_t start = next_port_hint.fetch_add(1, std::memory_order_relaxed) % span;
    for (std::uint32_t i = 0; i < span; ++i) {
        const auto port = low == 0 ? 0 : static_cast<std::uint16_t>(low + (start + i) % span);
        net::tcp::acceptor acc(ex);
        const net::tcp::endpoint ep(local, port);
        acc.open(ep.protocol(), ec);
        if (ec) return std::nullopt;
        acc.set_option(net::tcp::acceptor::reuse_address(true), ec);
        acc.bind(ep, ec);
        // With SO_REUSEADDR, bind(2) can succeed on a port whose earlier data connections
        // linger, and listen(2) then fails with EADDRINUSE: try the next port either way.
        if (!ec) acc.listen(1, ec);
        if (ec == asio::error::address_in_use) continue;
        if (ec) return std::nullopt;
        return acc;
    }
    ec = asio::error::address_in_use;
    return std::nullopt;
}

net::task<void> accept_data(net::tcp::acceptor& acc, net::tcp::socket& out, const asio::ip::address& client,
                            std::chrono::milliseconds timeout, unsigned& refused, net::error_code& ec) {
    const auto deadline = net::Clock::now() + timeout;
    const auto want = unmapped(client);
    for (;;) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - net::Clock::now());
        if (left.count() <= 0) {
            ec = asio::error::timed_out;
            co_return;
        }
        Deadline deadline_of_accept(acc.get_executor(), left, acc);
        auto [e] = co_await acc.async_accept(out, as_tuple(use_awaitable));
        ec = deadline_of_accept.result(e);
        if (ec) co_return;
        net::error_code ignored;
        const auto peer = out.remote_endpoint(ignored);
        // RFC 2577 5 (port stealing): the data connection must come from the client itself.
        if (!ignored && unmapped(peer.address()) == want) co_return;
        ++refused;
        out.close(ignored);
    }
}

net::task<void> connect_data(net::tcp::socket& sock, const asio::ip::address& local, const net::tcp::endpoint& target,
                             bool from_data_port, std::chrono::milliseconds timeout, net::error_code& ec) {
    auto open_from = [&](std::uint16_t port) {
        net::error_code e;
        if (sock.is_open()) sock.close(e);
        sock.open(target.protocol(), e);
        if (e) return e;
        sock.set_option(net::tcp::socket::reuse_address(true), e);
        sock.bind(net::tcp::endpoint(local, port), e);
        return e;
    };
    ec = {};
    // RFC 959 3.2: the server's data port defaults to L-1 (20); binding it needs privilege.
    if (!from_data_port || open_from(kDataPort)) ec = open_from(0);
    if (ec) co_return;
    ec = co_await connect_within(sock, target, timeout);
    if (ec && from_data_port && ec == boost::system::errc::address_not_available) {
        // Port 20 to this client port is still in TIME_WAIT: any port will do.
        ec = open_from(0);
        if (!ec) ec = co_await connect_within(sock, target, timeout);
    }
}

}  // namespace ftpd
