#include "dns/exchange.hpp"

// g++ 12 inlines asio's coroutine frame allocator into large frames and then mistakes its
// aligned_alloc/delete pair for a mismatch (a false positive).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

#include <openssl/rand.h>

#include <algorithm>
#include <array>
#include <boost/asio/deferred.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/experimental/parallel_group.hpp>
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
    bool case_mismatch = false;  ///< our question, but not in the case we sent
};

// Offsets of the labels of an uncompressed wire name, the root label's included (a wire name
// of at most 255 octets has at most 128 labels): no allocation per name.
struct LabelOffsets {
    std::array<std::uint8_t, 128> at{};
    std::size_t n = 0;
    explicit LabelOffsets(std::string_view wire) {
        for (std::size_t i = 0; i < wire.size() && i < 256 && n < at.size();
             i += 1 + static_cast<std::uint8_t>(wire[i])) {
            at[n++] = static_cast<std::uint8_t>(i);
            if (wire[i] == 0) break;
        }
    }
    [[nodiscard]] std::size_t from_end(std::size_t k) const { return at[n - 1 - k]; }
};

// Spells the longest suffix `wire` has in common with `plain` (case-insensitively) as in
// `plain`, in place (only letters' case changes): undoes the random case that compression
// against our question spread into names. Whether anything changed.
bool respell(std::span<char> wire, const Name& plain) {
    const std::string_view w(wire.data(), wire.size());
    const LabelOffsets a(w);
    const LabelOffsets b(plain.wire());
    std::size_t k = 0;
    while (k < a.n && k < b.n && wire_equal(w.substr(a.from_end(k)), plain.wire().substr(b.from_end(k)))) ++k;
    if (k == 0) return false;
    const std::string_view from = plain.wire().substr(b.from_end(k - 1));
    char* to = wire.data() + a.from_end(k - 1);
    if (std::equal(from.begin(), from.end(), to)) return false;
    std::copy(from.begin(), from.end(), to);
    return true;
}

void respell_record(Rr& r, const Name& plain) {
    std::array<char, 255> owner;
    const std::string_view ow = r.owner.wire();
    const std::size_t olen = std::min(ow.size(), owner.size());
    std::copy_n(ow.begin(), olen, owner.begin());
    if (respell(std::span(owner.data(), olen), plain))
        if (auto n = Name::from_wire(std::string_view(owner.data(), olen))) r.owner = *n;
    const RdataLayout layout = rdata_layout(r.type);
    std::size_t at = layout.prefix;
    for (std::size_t i = 0; i < layout.names && at < r.rdata.size(); ++i) {
        const LabelOffsets offs(std::string_view(r.rdata).substr(at));
        const std::size_t len = offs.n == 0 ? 0 : offs.from_end(0) + 1;
        if (len == 0 || at + len > r.rdata.size()) return;
        respell(std::span(r.rdata.data() + at, len), plain);
        at += len;
    }
}

// Gives the names of the answer the case the caller asked with, where they share its suffix.
void restore_case(Message& m, const Name& name) {
    for (auto& q : m.questions)
        if (q.name == name) q.name = name;
    for (auto* section : {&m.answer, &m.authority, &m.additional})
        for (auto& r : *section) respell_record(r, name);
}

// One UDP attempt on a fresh socket (a new random source port from the kernel: RFC 5452 9.3).
net::task<UdpOutcome> udp_attempt(const net::udp::endpoint& server, const Name& name, std::uint16_t type,
                                  const ExchangeOptions& opts, std::uint16_t edns, bool check_case,
                                  ExchangeResult& out) {
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
    std::array<std::uint8_t, 4096> buf;
    asio::steady_timer timer(ex, opts.timeout);
    for (;;) {
        net::udp::endpoint from;
        // A parallel group of the two operations themselves: `||` of awaitables would start a
        // coroutine for each, three allocations more per datagram waited for.
        auto [order, rec, n, tec] =
            co_await asio::experimental::make_parallel_group(
                sock.async_receive_from(asio::buffer(buf), from, asio::deferred), timer.async_wait(asio::deferred))
                .async_wait(asio::experimental::wait_for_one(), asio::use_awaitable);
        if (order[0] == 1) co_return UdpOutcome{ExchangeStatus::timeout};
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
        if (check_case && m.questions[0].name.wire() != name.wire())
            co_return UdpOutcome{ExchangeStatus::ok, false, true};
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
    co_return ExchangeStatus::ok;
}

}  // namespace

void random_bytes(std::span<std::uint8_t> out) {
    // A call of RAND_bytes costs about a microsecond whatever it draws (the generator's lock
    // and fork check): each thread draws 512 bytes at a time and hands them out once each
    // (as arc4random's buffer does).
    thread_local std::array<std::uint8_t, 512> pool;
    thread_local std::size_t used = pool.size();
    for (auto& b : out) {
        if (used == pool.size()) {
            if (RAND_bytes(pool.data(), static_cast<int>(pool.size())) != 1) {
                for (auto& p : pool) p = static_cast<std::uint8_t>(std::rand());
            }
            used = 0;
        }
        b = pool[used];
        pool[used++] = 0;
    }
}

std::uint16_t random_id() {
    std::array<std::uint8_t, 2> b{};
    random_bytes(b);
    return static_cast<std::uint16_t>(b[0] << 8 | b[1]);
}

bool matches_query(const Message& m, std::uint16_t id, const Name& name, std::uint16_t type) {
    return m.header.qr && m.header.id == id && m.questions.size() == 1 && m.questions[0].name == name &&
           m.questions[0].type == type && m.questions[0].klass == klass::IN;
}

Name randomize_case(const Name& name) {
    std::string wire(name.wire());
    // One random bit per octet of a wire name (at most 255); length octets are below 64, so
    // only letters change.
    std::array<std::uint8_t, 32> bits{};
    random_bytes(bits);
    for (std::size_t i = 0; i < wire.size() && i < bits.size() * 8; ++i) {
        const char c = wire[i];
        const bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
        if (letter) wire[i] = static_cast<char>((bits[i / 8] >> (i % 8) & 1) != 0 ? (c & ~0x20) : (c | 0x20));
    }
    auto mixed = Name::from_wire(wire);
    return mixed ? *mixed : name;
}

net::task<ExchangeResult> exchange(net::udp::endpoint server, Name name, std::uint16_t type, ExchangeOptions opts) {
    ExchangeResult out;
    const Name asked = opts.randomize_case ? randomize_case(name) : name;
    UdpOutcome u = co_await udp_attempt(server, asked, type, opts, opts.edns_size, opts.randomize_case, out);
    // A server that does not keep the case of the question (0x20): once more in our case.
    if (u.case_mismatch) {
        out.case_fallback = true;
        u = co_await udp_attempt(server, name, type, opts, opts.edns_size, false, out);
    }
    // RFC 6891 7: a server that does not know EDNS may answer FORMERR; ask again without it.
    if (u.status == ExchangeStatus::ok && !u.truncated && !u.case_mismatch && opts.edns_size != 0 &&
        out.message.header.rcode == rcode::FORMERR && !out.message.edns) {
        out.no_edns = true;
        u = co_await udp_attempt(server, out.case_fallback ? name : asked, type, opts, 0,
                                 opts.randomize_case && !out.case_fallback, out);
    }
    if (u.status == ExchangeStatus::ok && u.case_mismatch) u.status = ExchangeStatus::error;
    if (u.status != ExchangeStatus::ok) {
        out.status = u.status;
        co_return out;
    }
    if (!u.truncated) {
        restore_case(out.message, name);
        out.status = ExchangeStatus::ok;
        co_return out;
    }
    out.tcp = true;
    out.status = co_await tcp_attempt(server, name, type, opts, out);
    co_return out;
}

}  // namespace dns
