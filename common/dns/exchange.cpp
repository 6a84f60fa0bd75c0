#include "dns/exchange.hpp"

#include <openssl/rand.h>

#include <array>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <cstdlib>
#include <variant>
#include <vector>

namespace dns {

namespace {

using namespace asio::experimental::awaitable_operators;
constexpr auto tuple_awaitable = asio::as_tuple(asio::use_awaitable);

// Whether a datagram that did not parse still says, in its header, that it is our truncated
// answer (a truncated UDP answer may cut a record in half).
bool truncated_header(std::span<const std::uint8_t> data, std::uint16_t id) {
    Header h;
    ByteReader r(data);
    return h.read(r) && h.id == id && h.qr && h.tc;
}

struct UdpOutcome {
    ExchangeStatus status = ExchangeStatus::timeout;
    bool truncated = false;
};

// One UDP attempt on a fresh socket (a new random source port from the kernel: RFC 5452 9.3).
net::task<UdpOutcome> udp_attempt(const net::udp::endpoint& server, const Name& name, std::uint16_t type,
                                  const ExchangeOptions& opts, std::uint16_t edns, ExchangeResult& out) {
    auto ex = co_await asio::this_coro::executor;
    const std::uint16_t id = random_id();
    std::array<std::uint8_t, 512> q{};
    const std::size_t qlen = build_query(q, id, name, type, opts.rd, edns);
    net::udp::socket sock(ex);
    net::error_code ec;
    sock.open(server.protocol(), ec);
    if (ec || qlen == 0) co_return UdpOutcome{ExchangeStatus::error};
    auto [sec, sent] = co_await sock.async_send_to(asio::buffer(q.data(), qlen), server, tuple_awaitable);
    if (sec) co_return UdpOutcome{ExchangeStatus::error};
    std::vector<std::uint8_t> buf(4096);
    asio::steady_timer timer(ex, opts.timeout);
    for (;;) {
        net::udp::endpoint from;
        auto r = co_await (sock.async_receive_from(asio::buffer(buf), from, tuple_awaitable) ||
                           timer.async_wait(tuple_awaitable));
        if (r.index() == 1) co_return UdpOutcome{ExchangeStatus::timeout};
        auto [rec, n] = std::get<0>(r);
        // ICMP port unreachable shows up as ECONNREFUSED on some stacks: a dead server.
        if (rec) co_return UdpOutcome{ExchangeStatus::error};
        // RFC 5452 4.1: only from the address and port we sent to, our id and our question.
        if (from != server) {
            ++out.ignored;
            continue;
        }
        std::span<const std::uint8_t> data(buf.data(), n);
        Message m;
        if (parse_message(data, m) != ParseError::ok) {
            if (truncated_header(data, id)) co_return UdpOutcome{ExchangeStatus::ok, true};
            ++out.ignored;
            continue;
        }
        if (!matches_query(m, id, name, type)) {
            ++out.ignored;
            continue;
        }
        if (m.header.tc) co_return UdpOutcome{ExchangeStatus::ok, true};
        out.message = std::move(m);
        co_return UdpOutcome{ExchangeStatus::ok, false};
    }
}

// The same question over TCP with a two-octet length prefix (RFC 1035 4.2.2, RFC 7766).
net::task<ExchangeStatus> tcp_attempt(const net::udp::endpoint& server, const Name& name, std::uint16_t type,
                                      const ExchangeOptions& opts, ExchangeResult& out) {
    auto ex = co_await asio::this_coro::executor;
    const std::uint16_t id = random_id();
    std::array<std::uint8_t, 514> q{};
    const std::size_t qlen = build_query(std::span(q).subspan(2), id, name, type, opts.rd, 0);
    q[0] = static_cast<std::uint8_t>(qlen >> 8);
    q[1] = static_cast<std::uint8_t>(qlen & 0xFF);
    net::tcp::socket sock(ex);
    asio::steady_timer timer(ex, opts.timeout);
    auto c = co_await (sock.async_connect(net::tcp::endpoint(server.address(), server.port()), tuple_awaitable) ||
                       timer.async_wait(tuple_awaitable));
    if (c.index() == 1) co_return ExchangeStatus::timeout;
    if (std::get<0>(std::get<0>(c))) co_return ExchangeStatus::error;
    auto w = co_await (asio::async_write(sock, asio::buffer(q.data(), qlen + 2), tuple_awaitable) ||
                       timer.async_wait(tuple_awaitable));
    if (w.index() == 1) co_return ExchangeStatus::timeout;
    if (std::get<0>(std::get<0>(w))) co_return ExchangeStatus::error;
    std::array<std::uint8_t, 2> len{};
    auto l = co_await (asio::async_read(sock, asio::buffer(len), tuple_awaitable) || timer.async_wait(tuple_awaitable));
    if (l.index() == 1) co_return ExchangeStatus::timeout;
    if (std::get<0>(std::get<0>(l))) co_return ExchangeStatus::error;
    std::vector<std::uint8_t> body(static_cast<std::size_t>(len[0]) << 8 | len[1]);
    auto b =
        co_await (asio::async_read(sock, asio::buffer(body), tuple_awaitable) || timer.async_wait(tuple_awaitable));
    if (b.index() == 1) co_return ExchangeStatus::timeout;
    if (std::get<0>(std::get<0>(b))) co_return ExchangeStatus::error;
    Message m;
    if (parse_message(body, m) != ParseError::ok || !matches_query(m, id, name, type)) co_return ExchangeStatus::error;
    out.message = std::move(m);
    out.tcp = true;
    co_return ExchangeStatus::ok;
}

}  // namespace

std::uint16_t random_id() {
    std::uint16_t id = 0;
    if (RAND_bytes(reinterpret_cast<unsigned char*>(&id), sizeof id) != 1) id = static_cast<std::uint16_t>(std::rand());
    return id;
}

bool matches_query(const Message& m, std::uint16_t id, const Name& name, std::uint16_t type) {
    return m.header.qr && m.header.id == id && m.questions.size() == 1 && m.questions[0].name == name &&
           m.questions[0].type == type && m.questions[0].klass == klass::IN;
}

net::task<ExchangeResult> exchange(net::udp::endpoint server, Name name, std::uint16_t type, ExchangeOptions opts) {
    ExchangeResult out;
    UdpOutcome u = co_await udp_attempt(server, name, type, opts, opts.edns_size, out);
    // RFC 6891 7: a server that does not know EDNS may answer FORMERR; ask again without it.
    if (u.status == ExchangeStatus::ok && !u.truncated && opts.edns_size != 0 &&
        out.message.header.rcode == rcode::FORMERR && !out.message.edns) {
        out.no_edns = true;
        u = co_await udp_attempt(server, name, type, opts, 0, out);
    }
    if (u.status != ExchangeStatus::ok) {
        out.status = u.status;
        co_return out;
    }
    if (!u.truncated) {
        out.status = ExchangeStatus::ok;
        co_return out;
    }
    out.status = co_await tcp_attempt(server, name, type, opts, out);
    co_return out;
}

}  // namespace dns
