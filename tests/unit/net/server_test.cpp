#include "net/server.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "net/reader.hpp"

namespace net {
namespace {

using namespace std::chrono_literals;
const auto kLoopback = asio::ip::make_address("127.0.0.1");

// Commands the handler has read, so that tests wait for "the server has my request"
// instead of sleeping.
std::atomic<int> g_commands_read{0};

// Waits (bounded) until the handler has read `n` commands in total.
void wait_for_commands(int n) {
    const auto deadline = Clock::now() + 10s;
    while (g_commands_read.load() < n && Clock::now() < deadline) std::this_thread::yield();
    ASSERT_GE(g_commands_read.load(), n) << "the server never read the command";
}

// Line handler: "SLOW" answers after 300 ms; "HANG" never answers and ignores draining.
task<void> handler(Stream& s) {
    LineReader lines(s, {.max_line = 128});
    error_code ec;
    co_await s.write("hello\n", ec);
    while (!ec && !s.draining()) {
        std::string_view line;
        if (co_await lines.read_line(line) != LineStatus::ok) co_return;
        ++g_commands_read;
        std::string l(line);
        if (l == "BODY") {
            // Five body bytes follow; waiting for them is mid-message, so a drain must wait too.
            auto& rd = lines.reader();
            while (rd.data().size() < 5)
                if (co_await rd.fill() != ReadStatus::ok) co_return;
            l = std::string(rd.data().substr(0, 5));
            rd.consume(5);
        }
        if (l == "SLOW" || l == "HANG") {
            asio::steady_timer t(s.executor(), l == "SLOW" ? 300ms : 1h);
            co_await t.async_wait(asio::as_tuple(asio::use_awaitable));
        }
        co_await s.write(l + "\n", ec);
    }
}

struct Running {
    Runtime rt;
    std::vector<tcp::endpoint> eps;
    std::thread th;
    Running(ConnectionLimits limits, unsigned threads = 2, std::chrono::milliseconds drain = 5000ms)
        : rt({.threads = threads, .drain_timeout = drain}) {
        eps = rt.add_tcp({.name = "t", .listen = {{kLoopback, 0}}, .limits = limits, .busy_reply = "busy\n"}, handler);
        th = std::thread([this] { rt.run(); });
    }
    ~Running() {
        rt.stop();
        if (th.joinable()) th.join();
    }
    void stop_and_join() {
        rt.stop();
        th.join();
    }
};

// Blocking client with a receive timeout so a broken server fails the test instead of hanging it.
struct Client {
    asio::io_context ctx;
    tcp::socket s{ctx};
    explicit Client(const tcp::endpoint& ep) {
        s.connect(ep);
        timeval tv{10, 0};
        ::setsockopt(s.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    }
    std::string line() {
        std::string out;
        char c;
        while (true) {
            error_code ec;
            auto n = s.read_some(asio::buffer(&c, 1), ec);
            if (ec || n == 0) return out.empty() ? "<eof>" : out;
            if (c == '\n') return out;
            out += c;
        }
    }
    void send(std::string_view l) { asio::write(s, asio::buffer(std::string(l) + "\n")); }
};

TEST(Runtime, EchoesAcrossThreadsOnOneEphemeralPort) {
    Running r({});
    ASSERT_EQ(r.eps.size(), 1u);
    EXPECT_NE(r.eps[0].port(), 0);
    for (int i = 0; i < 8; ++i) {
        Client c(r.eps[0]);
        EXPECT_EQ(c.line(), "hello");
        c.send("ping" + std::to_string(i));
        EXPECT_EQ(c.line(), "ping" + std::to_string(i));
    }
}

TEST(Runtime, GlobalConnectionLimitBothSides) {
    Running r({.max_connections = 2, .max_per_address = 0});
    Client a(r.eps[0]), b(r.eps[0]);
    EXPECT_EQ(a.line(), "hello");
    EXPECT_EQ(b.line(), "hello");
    Client c(r.eps[0]);
    EXPECT_EQ(c.line(), "busy");
    EXPECT_EQ(c.line(), "<eof>");
    a.s.close();
    // The slot frees once the server sees the close; retry with a bounded deadline.
    auto deadline = Clock::now() + 10s;
    std::string got;
    while (Clock::now() < deadline) {
        Client d(r.eps[0]);
        got = d.line();
        if (got == "hello") break;
    }
    EXPECT_EQ(got, "hello");
}

TEST(Runtime, PerAddressLimit) {
    Running r({.max_connections = 0, .max_per_address = 1});
    Client a(r.eps[0]);
    EXPECT_EQ(a.line(), "hello");
    Client b(r.eps[0]);
    EXPECT_EQ(b.line(), "busy");
}

// Graceful stop: idle sessions close at once, a busy one finishes its reply first.
TEST(Runtime, GracefulStopDrainsBusySessions) {
    Running r({});
    Client idle(r.eps[0]), busy(r.eps[0]);
    EXPECT_EQ(idle.line(), "hello");
    EXPECT_EQ(busy.line(), "hello");
    const int before = g_commands_read.load();
    busy.send("SLOW");
    wait_for_commands(before + 1);
    auto start = Clock::now();
    r.stop_and_join();
    EXPECT_EQ(idle.line(), "<eof>");
    EXPECT_EQ(busy.line(), "SLOW");
    EXPECT_EQ(busy.line(), "<eof>");
    EXPECT_LT(Clock::now() - start, 5s);
}

// A drain that starts while a body is on its way lets the body arrive and be answered.
TEST(Runtime, GracefulStopWaitsForAMessageInProgress) {
    Running r({}, 1);  // one worker: the idle client's close proves the drain has begun
    Client idle(r.eps[0]), c(r.eps[0]);
    EXPECT_EQ(idle.line(), "hello");
    EXPECT_EQ(c.line(), "hello");
    const int before = g_commands_read.load();
    c.send("BODY");
    wait_for_commands(before + 1);  // the server now waits for the body
    r.rt.stop();
    EXPECT_EQ(idle.line(), "<eof>");
    asio::write(c.s, asio::buffer("12345", 5));
    EXPECT_EQ(c.line(), "12345");
    EXPECT_EQ(c.line(), "<eof>");
    r.th.join();
}

// A session that ignores draining is closed when the grace period ends.
TEST(Runtime, DrainTimeoutClosesStuckSessions) {
    Running r({}, 1, 200ms);
    Client stuck(r.eps[0]);
    EXPECT_EQ(stuck.line(), "hello");
    const int before = g_commands_read.load();
    stuck.send("HANG");
    wait_for_commands(before + 1);
    auto start = Clock::now();
    r.stop_and_join();
    EXPECT_LT(Clock::now() - start, 3s);
    EXPECT_EQ(stuck.line(), "<eof>");
}

void udp_round_trip(UdpServiceConfig::Spread spread) {
    Runtime rt({.threads = 2});
    auto eps = rt.add_udp({.name = "u", .listen = {{kLoopback, 0}}, .spread = spread},
                          [](std::span<const std::uint8_t> q, const udp::endpoint&, std::span<std::uint8_t> out) {
                              if (q.empty() || q[0] == 'x') return std::size_t{0};  // dropped
                              out[0] = static_cast<std::uint8_t>(q.size());
                              return std::size_t{1};
                          });
    std::thread th([&] { rt.run(); });
    asio::io_context ctx;
    udp::socket s(ctx, udp::endpoint(kLoopback, 0));
    timeval tv{10, 0};
    ::setsockopt(s.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    s.send_to(asio::buffer("xdrop", 5), eps[0]);
    for (int i = 1; i <= 50; ++i) {
        std::string q(static_cast<std::size_t>(i), 'q');
        s.send_to(asio::buffer(q), eps[0]);
        std::uint8_t b = 0;
        udp::endpoint from;
        ASSERT_EQ(s.receive_from(asio::buffer(&b, 1), from), 1u);
        EXPECT_EQ(b, i);
    }
    rt.stop();
    th.join();
}

// Each worker has its own SO_REUSEPORT socket: the kernel hashes this one flow to one of them.
TEST(Runtime, UdpRoundTripPerWorkerSockets) { udp_round_trip(UdpServiceConfig::Spread::per_worker); }

// Both workers wait on one socket (through descriptors of their own): whichever wakes first
// answers, and nothing is answered twice or lost.
TEST(Runtime, UdpRoundTripSharedSocket) { udp_round_trip(UdpServiceConfig::Spread::shared); }

TEST(Runtime, BindFailureNamesTheAddress) {
    Runtime a({.threads = 1});
    auto eps = a.add_tcp({.name = "a", .listen = {{kLoopback, 0}}}, handler);
    // Without SO_REUSEPORT on the first socket's owner... a plain socket holding the port.
    asio::io_context ctx;
    tcp::acceptor plain(ctx);
    plain.open(tcp::v4());
    error_code ec;
    plain.bind(tcp::endpoint(kLoopback, 0), ec);
    plain.listen();
    Runtime b({.threads = 1});
    try {
        (void)b.add_tcp({.name = "b", .listen = {{kLoopback, plain.local_endpoint().port()}}}, handler);
        FAIL() << "bind should fail";
    } catch (const std::system_error& e) {
        EXPECT_NE(std::string(e.what()).find("127.0.0.1:"), std::string::npos) << e.what();
    }
}

}  // namespace
}  // namespace net
