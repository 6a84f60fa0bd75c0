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
    bool case_mismatch = false;  ///< our question, but not in the case we sent
};

// Offsets of the labels of an uncompressed wire name, the root label's included.
std::vector<std::size_t> label_offsets(std::string_view wire) {
    std::vector<std::size_t> out;
    for (std::size_t i = 0; i < wire.size(); i += 1 + static_cast<std::uint8_t>(wire[i])) {
        out.push_back(i);
        if (wire[i] == 0) break;
    }
    return out;
}

// `wire` with its longest suffix in common with `plain` (case-insensitively) spelled as in
// `plain`: undoes the random case that compression against our question spread into names.
std::string respell(std::string_view wire, const Name& plain) {
    const auto a = label_offsets(wire);
    const auto b = label_offsets(plain.wire());
    std::size_t k = 0;
    while (k < a.size() && k < b.size() &&
           wire_equal(wire.substr(a[a.size() - 1 - k]), plain.wire().substr(b[b.size() - 1 - k])))
        ++k;
    if (k == 0) return std::string(wire);
    return std::string(wire.substr(0, a[a.size() - k])) + std::string(plain.wire().substr(b[b.size() - k]));
}

void respell_record(Rr& r, const Name& plain) {
    if (auto n = Name::from_wire(respell(r.owner.wire(), plain))) r.owner = *n;
    const RdataLayout layout = rdata_layout(r.type);
    std::size_t at = layout.prefix;
    std::string out = r.rdata.substr(0, std::min(at, r.rdata.size()));
    for (std::size_t i = 0; i < layout.names && at < r.rdata.size(); ++i) {
        const auto offs = label_offsets(std::string_view(r.rdata).substr(at));
        const std::size_t len = offs.empty() ? 0 : offs.back() + 1;
        if (len == 0 || at + len > r.rdata.size()) return;
        out += respell(std::string_view(r.rdata).substr(at, len), plain);
        at += len;
    }
    r.rdata = out + r.rdata.substr(at);
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

Name randomize_case(const Name& name) {
    std::string wire(name.wire());
    std::string bits(wire.size(), '\0');
    if (RAND_bytes(reinterpret_cast<unsigned char*>(bits.data()), static_cast<int>(bits.size())) != 1) return name;
    // Length octets are below 64, so only letters change.
    for (std::size_t i = 0; i < wire.size(); ++i) {
        const char c = wire[i];
        const bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
        if (letter) wire[i] = static_cast<char>((bits[i] & 1) != 0 ? (c & ~0x20) : (c | 0x20));
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
    out.status = co_await tcp_attempt(server, name, type, opts, out);
    co_return out;
}

}  // namespace dns
