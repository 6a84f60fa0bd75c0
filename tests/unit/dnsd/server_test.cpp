#include "dnsd/server.hpp"

#include <gtest/gtest.h>

#include <sys/socket.h>
#include <CLI/CLI.hpp>

#include <algorithm>
#include <thread>

#include "test_zones.hpp"

namespace dnsd {
namespace {

using net::tcp;
using net::udp;

/// dnsd's services on an ephemeral loopback port, served by a runtime on its own thread.
struct Served {
    app::Daemon d{"dnsd", "test"};
    Config cfg;
    ZoneStore store;
    dnsd::test::ZoneDir dir;
    std::unique_ptr<net::Runtime> rt;
    Bound bound;
    std::thread th;

    Served() {
        bind_options(d, cfg);
        std::vector<std::string> args{"--listen", "127.0.0.1:0"};
        std::reverse(args.begin(), args.end());
        d.cli().parse(args);
        std::vector<ZoneSpec> specs{{dir.write("example.test.zone", dnsd::test::example_zone), std::nullopt, {}}};
        std::string err;
        specs[0].axfr_allow = net::CidrList::parse({"127.0.0.1"}, err).value();
        EXPECT_TRUE(reload_zones(store, specs, responder_options(cfg)));
        rt = std::make_unique<net::Runtime>(net::RuntimeOptions{.threads = 2});
        bound = serve(d, *rt, cfg, store);
        th = std::thread([this] { rt->run(); });
    }
    ~Served() {
        rt->stop();
        th.join();
    }
};

std::vector<std::uint8_t> query(const char* name, std::uint16_t qtype, std::uint16_t edns = 0) {
    std::vector<std::uint8_t> buf(512);
    buf.resize(dns::build_query(buf, 0x5151, dns::Name::parse(name), qtype, false, edns));
    return buf;
}

dns::Message over_udp(const udp::endpoint& ep, const std::vector<std::uint8_t>& q) {
    asio::io_context ctx;
    udp::socket s(ctx, udp::v4());
    timeval tv{10, 0};
    ::setsockopt(s.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    s.send_to(asio::buffer(q), ep);
    std::vector<std::uint8_t> buf(4096);
    net::error_code ec;
    auto n = s.receive(asio::buffer(buf), 0, ec);
    EXPECT_FALSE(ec) << ec.message();
    dns::Message m;
    EXPECT_EQ(dns::parse_message({buf.data(), ec ? 0 : n}, m), dns::ParseError::ok);
    return m;
}

dns::Message over_tcp(const tcp::endpoint& ep, const std::vector<std::uint8_t>& q) {
    asio::io_context ctx;
    tcp::socket s(ctx);
    s.connect(ep);
    timeval tv{10, 0};
    ::setsockopt(s.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    std::uint8_t len[2];
    dns::store_u16(len, static_cast<std::uint16_t>(q.size()));
    std::vector<std::uint8_t> framed(len, len + 2);
    framed.insert(framed.end(), q.begin(), q.end());
    asio::write(s, asio::buffer(framed));
    asio::read(s, asio::buffer(len));
    std::vector<std::uint8_t> msg(dns::load_u16(len));
    asio::read(s, asio::buffer(msg));
    dns::Message m;
    EXPECT_EQ(dns::parse_message(msg, m), dns::ParseError::ok);
    return m;
}

TEST(Serve, UdpAndTcpShareOneEphemeralPort) {
    Served s;
    ASSERT_EQ(s.bound.tcp.size(), 1u);
    ASSERT_EQ(s.bound.udp.size(), 1u);
    EXPECT_NE(s.bound.tcp[0].port(), 0);
    EXPECT_EQ(s.bound.udp[0].port(), s.bound.tcp[0].port());
}

TEST(Serve, AnswersOverBothTransports) {
    Served s;
    auto u = over_udp(s.bound.udp[0], query("www.example.test.", dns::type::A));
    EXPECT_EQ(u.header.id, 0x5151);
    EXPECT_EQ(u.answer.size(), 3u);
    auto t = over_tcp(s.bound.tcp[0], query("www.example.test.", dns::type::A));
    EXPECT_EQ(t.answer.size(), 3u);
}

TEST(Serve, UdpTruncatesWhatTcpCarries) {
    Served s;
    auto u = over_udp(s.bound.udp[0], query("big.example.test.", dns::type::TXT));
    EXPECT_TRUE(u.header.tc);
    EXPECT_TRUE(u.answer.empty());
    auto t = over_tcp(s.bound.tcp[0], query("big.example.test.", dns::type::TXT));
    EXPECT_FALSE(t.header.tc);
    EXPECT_EQ(t.answer.size(), 6u);
}

TEST(Serve, AxfrOverUdpIsRefusedAndOverTcpAllowed) {
    Served s;
    EXPECT_EQ(over_udp(s.bound.udp[0], query("example.test.", dns::type::AXFR)).header.rcode, dns::rcode::REFUSED);
    auto t = over_tcp(s.bound.tcp[0], query("example.test.", dns::type::AXFR));
    ASSERT_FALSE(t.answer.empty());
    EXPECT_EQ(t.answer.front().type, dns::type::SOA);
}

}  // namespace
}  // namespace dnsd
