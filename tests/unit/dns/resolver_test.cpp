// The stub resolver: response checks (id, question, RCODE, CNAME chains, negative TTLs), and
// against a fake server on loopback: a dropped first datagram (retry with a fresh id and
// port), a truncated answer (TCP), the cache, MX preference order and the implicit MX.
#include "dns/resolver.hpp"

#include <gtest/gtest.h>

#include <set>
#include <thread>

namespace dns {
namespace {

std::string a_rdata(std::uint8_t last) { return std::string{127, 0, 0, static_cast<char>(last)}; }
std::string mx_rdata(std::uint16_t pref, const Name& n) {
    return std::string{static_cast<char>(pref >> 8), static_cast<char>(pref)} + std::string(n.wire());
}

// A response to `query` with `answers` (and TC when `tc`).
std::vector<std::uint8_t> respond(std::span<const std::uint8_t> query, const std::vector<Rr>& answers, bool tc = false,
                                  std::uint8_t rcode = 0) {
    Message q;
    EXPECT_EQ(parse_message(query, q), ParseError::ok);
    std::vector<std::uint8_t> buf(4096);
    MessageWriter w(buf, buf.size());
    Header h = q.header;
    h.qr = true;
    h.ra = true;
    h.tc = tc;
    h.rcode = rcode;
    EXPECT_TRUE(w.header(h));
    EXPECT_TRUE(w.question(q.questions[0].name, q.questions[0].type, klass::IN));
    if (!tc) {
        for (const auto& r : answers) EXPECT_TRUE(w.rr(Section::answer, r));
    }
    buf.resize(w.finish());
    return buf;
}

std::vector<std::uint8_t> query_for(std::uint16_t id, const char* name, std::uint16_t type) {
    std::vector<std::uint8_t> q(512);
    q.resize(build_query(q, id, Name::parse(name), type, true, 0));
    return q;
}

TEST(ReadResponse, ChecksIdAndQuestion) {
    const auto q = query_for(7, "hamburger.edu.", type::MX);
    const Name n = Name::parse("hamburger.edu.");
    const auto r = respond(q, {{n, type::MX, klass::IN, 300, mx_rdata(10, Name::parse("mail.hamburger.edu."))}});
    bool tc = false;
    EXPECT_EQ(read_response(r, 7, n, type::MX, 60, tc).status, Status::ok);
    EXPECT_EQ(read_response(r, 7, n, type::MX, 60, tc).ttl, 300u);
    EXPECT_EQ(read_response(r, 8, n, type::MX, 60, tc).status, Status::error);  // not our id
    EXPECT_EQ(read_response(r, 7, Name::parse("crepes.fr."), type::MX, 60, tc).status, Status::error);
    EXPECT_EQ(read_response(r, 7, n, type::A, 60, tc).status, Status::error);
    EXPECT_EQ(read_response(std::span(r).first(5), 7, n, type::MX, 60, tc).status, Status::error);
    const auto nx = respond(q, {}, false, rcode::NXDOMAIN);
    EXPECT_EQ(read_response(nx, 7, n, type::MX, 60, tc).status, Status::nxdomain);
    const auto fail = respond(q, {}, false, rcode::SERVFAIL);
    EXPECT_EQ(read_response(fail, 7, n, type::MX, 60, tc).status, Status::servfail);
    const auto trunc = respond(q, {}, true);
    (void)read_response(trunc, 7, n, type::MX, 60, tc);
    EXPECT_TRUE(tc);
}

TEST(ReadResponse, FollowsCnameInsideTheAnswer) {
    const auto q = query_for(9, "www.hamburger.edu.", type::A);
    const Name www = Name::parse("www.hamburger.edu."), host = Name::parse("host.hamburger.edu.");
    const auto r = respond(q, {{www, type::CNAME, klass::IN, 60, std::string(host.wire())},
                               {host, type::A, klass::IN, 30, a_rdata(2)},
                               {Name::parse("other.example."), type::A, klass::IN, 30, a_rdata(9)}});
    bool tc = false;
    const Answer a = read_response(r, 9, www, type::A, 60, tc);
    ASSERT_EQ(a.status, Status::ok);
    ASSERT_EQ(a.records.size(), 1u);
    EXPECT_EQ(a.records[0].rdata, a_rdata(2));
    EXPECT_EQ(a.ttl, 30u);
}

// A fake recursive server on 127.0.0.1: UDP and TCP on one port, answering from `zone`;
// drops the first UDP query when `drop_first`, answers TC for names in `big`.
struct FakeServer {
    asio::io_context ctx;
    net::udp::socket udp{ctx, net::udp::endpoint(asio::ip::make_address("127.0.0.1"), 0)};
    net::tcp::acceptor tcp{ctx};
    std::vector<Rr> zone;
    std::set<std::string> big;
    bool drop_first = false;
    int udp_queries = 0, tcp_queries = 0;
    std::set<std::uint16_t> ids, ports;

    std::vector<std::uint8_t> answer(std::span<const std::uint8_t> q, bool over_tcp) {
        Message m;
        if (parse_message(q, m) != ParseError::ok) return {};
        std::vector<Rr> out;
        for (const auto& r : zone)
            if (r.owner == m.questions[0].name && r.type == m.questions[0].type) out.push_back(r);
        const bool tc = !over_tcp && big.count(m.questions[0].name.to_text()) != 0;
        return respond(q, out, tc, 0);
    }

    net::task<void> serve_udp() {
        std::array<std::uint8_t, 512> buf{};
        for (;;) {
            net::udp::endpoint from;
            auto [ec, n] =
                co_await udp.async_receive_from(asio::buffer(buf), from, asio::as_tuple(asio::use_awaitable));
            if (ec) co_return;
            ++udp_queries;
            ids.insert(static_cast<std::uint16_t>(buf[0] << 8 | buf[1]));
            ports.insert(from.port());
            if (drop_first && udp_queries == 1) continue;
            auto r = answer(std::span(buf.data(), n), false);
            co_await udp.async_send_to(asio::buffer(r), from, asio::as_tuple(asio::use_awaitable));
        }
    }

    net::task<void> serve_tcp() {
        for (;;) {
            auto [ec, s] = co_await tcp.async_accept(asio::as_tuple(asio::use_awaitable));
            if (ec) co_return;
            ++tcp_queries;
            std::array<std::uint8_t, 2> len{};
            co_await asio::async_read(s, asio::buffer(len), asio::as_tuple(asio::use_awaitable));
            std::vector<std::uint8_t> q(static_cast<std::size_t>(len[0] << 8 | len[1]));
            co_await asio::async_read(s, asio::buffer(q), asio::as_tuple(asio::use_awaitable));
            auto r = answer(q, true);
            std::vector<std::uint8_t> out(r.size() + 2);
            out[0] = static_cast<std::uint8_t>(r.size() >> 8);
            out[1] = static_cast<std::uint8_t>(r.size() & 0xFF);
            std::copy(r.begin(), r.end(), out.begin() + 2);
            co_await asio::async_write(s, asio::buffer(out), asio::as_tuple(asio::use_awaitable));
        }
    }

    // UDP and TCP on one port number: pick one for UDP, try it for TCP, again if it is taken.
    FakeServer() {
        for (int i = 0; i < 50; ++i) {
            udp = net::udp::socket(ctx, net::udp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
            const auto ep = net::tcp::endpoint(asio::ip::make_address("127.0.0.1"), udp.local_endpoint().port());
            net::error_code ec;
            tcp = net::tcp::acceptor(ctx);
            tcp.open(ep.protocol());
            tcp.bind(ep, ec);
            if (!ec) {
                tcp.listen();
                return;
            }
        }
        throw std::runtime_error("no port free for both UDP and TCP");
    }

    ResolverOptions options() {
        return {.server = {asio::ip::make_address("127.0.0.1"), udp.local_endpoint().port()},
                .timeout = std::chrono::milliseconds(300)};
    }

    // Runs `t` to completion with the server beside it.
    template <class T>
    T run(net::task<T> t) {
        std::optional<T> result;
        asio::co_spawn(ctx, serve_udp(), asio::detached);
        asio::co_spawn(ctx, serve_tcp(), asio::detached);
        asio::co_spawn(ctx, std::move(t), [&](std::exception_ptr e, T v) {
            if (e) std::rethrow_exception(e);
            result = std::move(v);
            udp.close();
            tcp.close();
        });
        ctx.run();
        ctx.restart();
        return std::move(*result);
    }
};

TEST(Resolver, RetriesWithFreshIdAndPort) {
    FakeServer s;
    s.drop_first = true;
    s.zone = {{Name::parse("mail.hamburger.edu."), type::A, klass::IN, 60, a_rdata(2)}};
    Resolver r(s.options());
    const Answer a = s.run(r.query(Name::parse("mail.hamburger.edu."), type::A));
    EXPECT_EQ(a.status, Status::ok);
    EXPECT_EQ(s.udp_queries, 2);
    EXPECT_EQ(s.ids.size(), 2u);
    EXPECT_EQ(s.ports.size(), 2u);
}

TEST(Resolver, TruncatedAnswerGoesToTcpAndIsCached) {
    FakeServer s;
    s.big = {"hamburger.edu."};
    s.zone = {
        {Name::parse("hamburger.edu."), type::MX, klass::IN, 60, mx_rdata(10, Name::parse("mail.hamburger.edu."))}};
    Resolver r(s.options());
    const Answer a = s.run(r.query(Name::parse("hamburger.edu."), type::MX));
    EXPECT_EQ(a.status, Status::ok);
    EXPECT_EQ(s.tcp_queries, 1);
    EXPECT_EQ(r.cached(), 1u);
    // From the cache now: no new query reaches the server (its sockets are closed).
    const Answer again = s.run(r.query(Name::parse("HAMBURGER.edu."), type::MX));
    EXPECT_EQ(again.status, Status::ok);
    EXPECT_EQ(s.udp_queries, 1);
}

TEST(Resolver, TimeoutWhenNobodyAnswers) {
    FakeServer s;
    auto opts = s.options();
    opts.server.port = 9;  // discard port: nothing answers on loopback
    opts.attempts = 2;
    opts.timeout = std::chrono::milliseconds(100);
    Resolver r(opts);
    EXPECT_EQ(s.run(r.query(Name::parse("x.example."), type::A)).status, Status::timeout);
}

TEST(MailHosts, PreferenceOrderThenImplicitMx) {
    FakeServer s;
    const Name d = Name::parse("hamburger.edu.");
    s.zone = {{d, type::MX, klass::IN, 60, mx_rdata(20, Name::parse("b.hamburger.edu."))},
              {d, type::MX, klass::IN, 60, mx_rdata(10, Name::parse("a.hamburger.edu."))},
              {Name::parse("a.hamburger.edu."), type::A, klass::IN, 60, a_rdata(10)},
              {Name::parse("b.hamburger.edu."), type::A, klass::IN, 60, a_rdata(20)},
              {Name::parse("crepes.fr."), type::A, klass::IN, 60, a_rdata(3)}};
    Resolver r(s.options());
    const MailHosts h = s.run(mail_hosts(r, d));
    ASSERT_EQ(h.hosts.size(), 2u);
    EXPECT_EQ(h.hosts[0].name, "a.hamburger.edu");
    EXPECT_EQ(h.hosts[1].name, "b.hamburger.edu");
    EXPECT_EQ(h.hosts[0].addresses.at(0).to_string(), "127.0.0.10");
    FakeServer s2;
    s2.zone = s.zone;
    Resolver r2(s2.options());
    const MailHosts implicit = s2.run(mail_hosts(r2, Name::parse("crepes.fr.")));
    ASSERT_EQ(implicit.hosts.size(), 1u);
    EXPECT_EQ(implicit.hosts[0].name, "crepes.fr");
    EXPECT_EQ(implicit.hosts[0].addresses.at(0).to_string(), "127.0.0.3");
}

}  // namespace
}  // namespace dns
