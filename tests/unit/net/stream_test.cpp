// Stream deadlines: one heap and timer per io_context serve every stream on it.
#include "net/stream.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <vector>

namespace net {
namespace {

using namespace std::chrono_literals;

struct Conn {
    tcp::socket client;
    std::unique_ptr<Stream> server;
    Clock::duration waited{};  // from before its deadline was set
    error_code ec;
};

task<void> read_once(Conn& c, Clock::time_point start) {
    char byte = 0;
    (void)co_await c.server->read_some(asio::buffer(&byte, 1), c.ec);
    c.waited = Clock::now() - start;
}

TEST(Stream, ManyDeadlinesEachFireAtTheirTime) {
    asio::io_context ctx;
    tcp::acceptor acc(ctx, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    std::vector<std::unique_ptr<Conn>> conns;
    for (int i = 0; i < 40; ++i) {
        auto c = std::make_unique<Conn>(Conn{tcp::socket(ctx), nullptr, {}, {}});
        c->client.connect(acc.local_endpoint());
        c->server = std::make_unique<Stream>(acc.accept(), static_cast<std::uint64_t>(i + 1));
        conns.push_back(std::move(c));
    }
    // Deadlines in an order unlike the streams' (the heap must sort them), one moved later,
    // one moved earlier, one cleared and then woken by data, one closed while waiting.
    auto deadline = [](int i) { return std::chrono::milliseconds(20 + (i * 37) % 200); };
    const auto start = Clock::now();
    for (int i = 0; i < 40; ++i) conns[i]->server->expires_after(deadline(i));
    conns[1]->server->expires_after(300ms);  // later than its first deadline
    conns[2]->server->expires_after(5ms);    // earlier
    conns[3]->server->expires_never();
    for (auto& c : conns) asio::co_spawn(ctx, read_once(*c, start), asio::detached);
    asio::steady_timer wake(ctx, 100ms);
    wake.async_wait([&](error_code) {
        asio::write(conns[3]->client, asio::buffer("x", 1));
        conns[4]->server->close();
    });
    ctx.run();
    for (int i = 0; i < 40; ++i) {
        const Conn& c = *conns[i];
        if (i == 3) {
            EXPECT_FALSE(c.ec) << c.ec.message();
            continue;
        }
        if (i == 4) {
            EXPECT_EQ(c.ec, asio::error::operation_aborted) << c.ec.message();
            continue;
        }
        const auto want = i == 1 ? 300ms : i == 2 ? 5ms : deadline(i);
        EXPECT_EQ(c.ec, asio::error::timed_out) << i << ": " << c.ec.message();
        EXPECT_GE(c.waited, want) << i;
        EXPECT_LT(c.waited, want + 1s) << i;
        EXPECT_TRUE(c.server->timed_out()) << i;
    }
}

TEST(Stream, SocketOfAnotherExecutorTypeIsAdopted) {
    asio::io_context ctx;
    tcp::acceptor acc(ctx, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    tcp::socket client(ctx);
    client.connect(acc.local_endpoint());
    Stream s(acc.accept(), 7);  // an any_io_executor socket
    EXPECT_TRUE(s.is_open());
    EXPECT_EQ(s.peer(), client.local_endpoint());
    asio::write(client, asio::buffer("hi", 2));
    error_code ec;
    char buf[2];
    s.expires_after(2s);
    auto fut = asio::co_spawn(ctx, s.read_some(asio::buffer(buf), ec), asio::use_future);
    ctx.run();
    EXPECT_EQ(fut.get(), 2u);
    EXPECT_FALSE(ec);
}

}  // namespace
}  // namespace net
