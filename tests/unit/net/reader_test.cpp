#include "net/reader.hpp"

#include <gtest/gtest.h>

#include "test_util.hpp"

namespace net {
namespace {

using test::Pair;

task<std::vector<std::string>> read_lines(LineReader& r, std::size_t n, std::vector<LineStatus>* statuses = nullptr) {
    std::vector<std::string> out;
    for (std::size_t i = 0; i < n; ++i) {
        std::string_view line;
        auto st = co_await r.read_line(line);
        if (statuses) statuses->push_back(st);
        out.push_back(st == LineStatus::ok ? std::string(line) : "<" + std::string(to_string(st)) + ">");
        if (st != LineStatus::ok && st != LineStatus::too_long) break;
    }
    co_return out;
}

TEST(LineReader, CrlfAndBareLf) {
    Pair p;
    p.send("one\r\ntwo\nthree\r\n");
    p.client.shutdown(tcp::socket::shutdown_send);
    LineReader r(*p.server, {.max_line = 64, .allow_bare_lf = true});
    auto lines = p.run(read_lines(r, 4));
    EXPECT_EQ(lines, (std::vector<std::string>{"one", "two", "three", "<eof>"}));
}

TEST(LineReader, StrictCrlfKeepsBareLfInsideTheLine) {
    Pair p;
    p.send("a\nb\r\n");
    p.client.shutdown(tcp::socket::shutdown_send);
    LineReader r(*p.server, {.max_line = 64, .allow_bare_lf = false});
    auto lines = p.run(read_lines(r, 2));
    EXPECT_EQ(lines, (std::vector<std::string>{"a\nb", "<eof>"}));
}

// Both sides of the limit: max_line bytes pass, max_line + 1 is too long, and the reader
// resynchronises on the next line.
TEST(LineReader, LimitBothSides) {
    for (bool crlf : {true, false}) {
        Pair p;
        std::string eol = crlf ? "\r\n" : "\n";
        std::string ok(16, 'a'), bad(17, 'b'), huge(1000, 'c');
        p.send(ok + eol + bad + eol + "next" + eol + huge + eol + "last" + eol);
        p.client.shutdown(tcp::socket::shutdown_send);
        LineReader r(*p.server, {.max_line = 16});
        auto lines = p.run(read_lines(r, 6));
        EXPECT_EQ(lines, (std::vector<std::string>{ok, "<too_long>", "next", "<too_long>", "last", "<eof>"}))
            << "crlf=" << crlf;
    }
}

// Split-point test: the same bytes delivered in two writes split at every position.
TEST(LineReader, EverySplitPoint) {
    const std::string msg = "HELO crepes.fr\r\nMAIL FROM:<alice@crepes.fr>\r\n";
    for (std::size_t cut = 0; cut <= msg.size(); ++cut) {
        Pair p;
        LineReader r(*p.server, {.max_line = 64});
        auto writer = [&]() -> task<std::vector<std::string>> {
            asio::steady_timer t(p.ctx);
            co_await asio::async_write(p.client, asio::buffer(msg.substr(0, cut)), asio::use_awaitable);
            t.expires_after(std::chrono::milliseconds(1));
            co_await t.async_wait(asio::use_awaitable);
            co_await asio::async_write(p.client, asio::buffer(msg.substr(cut)), asio::use_awaitable);
            p.client.shutdown(tcp::socket::shutdown_send);
            co_return std::vector<std::string>{};
        };
        asio::co_spawn(p.ctx, writer(), asio::detached);
        auto lines = p.run(read_lines(r, 3));
        EXPECT_EQ(lines, (std::vector<std::string>{"HELO crepes.fr", "MAIL FROM:<alice@crepes.fr>", "<eof>"}))
            << "cut=" << cut;
    }
}

TEST(LineReader, SilentClientTimesOut) {
    Pair p;
    p.server->expires_after(std::chrono::milliseconds(50));
    LineReader r(*p.server, {.max_line = 64});
    auto start = Clock::now();
    auto lines = p.run(read_lines(r, 1));
    EXPECT_EQ(lines, (std::vector<std::string>{"<timeout>"}));
    EXPECT_LT(Clock::now() - start, std::chrono::seconds(5));
    EXPECT_TRUE(p.server->timed_out());
}

// A trickling client does not extend an absolute deadline.
TEST(LineReader, TricklingClientStillTimesOut) {
    Pair p;
    p.server->expires_after(std::chrono::milliseconds(100));
    LineReader r(*p.server, {.max_line = 4096});
    auto trickle = [&]() -> task<void> {
        asio::steady_timer t(p.ctx);
        for (int i = 0; i < 100; ++i) {
            error_code ec;
            co_await asio::async_write(p.client, asio::buffer("x", 1), asio::redirect_error(asio::use_awaitable, ec));
            if (ec) co_return;
            t.expires_after(std::chrono::milliseconds(10));
            co_await t.async_wait(asio::use_awaitable);
        }
    };
    asio::co_spawn(p.ctx, trickle(), asio::detached);
    auto lines = p.run(read_lines(r, 1));
    EXPECT_EQ(lines, (std::vector<std::string>{"<timeout>"}));
    p.client.close();
}

TEST(LineReader, EofInTheMiddleOfALine) {
    Pair p;
    p.send("partial");
    p.client.shutdown(tcp::socket::shutdown_send);
    LineReader r(*p.server, {.max_line = 64});
    EXPECT_EQ(p.run(read_lines(r, 1)), (std::vector<std::string>{"<eof>"}));
}

// An idle reader (everything consumed) holds no buffer; waiting between messages marks the
// stream idle (a drain may close it), waiting inside a message (a body) does not.
TEST(Reader, IdleHoldsNoBuffer) {
    for (bool between : {true, false}) {
        Pair p;
        Reader r(*p.server, 1024);
        p.send("abc");
        EXPECT_EQ(p.run([&]() -> task<ReadStatus> { co_return co_await r.fill(); }()), ReadStatus::ok);
        EXPECT_EQ(r.data(), "abc");
        r.consume(3);
        EXPECT_TRUE(r.empty());
        EXPECT_TRUE(r.data().empty());
        bool was_idle = !between;
        auto probe = [&]() -> task<void> {
            asio::steady_timer t(p.ctx, std::chrono::milliseconds(20));
            co_await t.async_wait(asio::use_awaitable);
            was_idle = p.server->idle();
            asio::write(p.client, asio::buffer("d", 1));
        };
        asio::co_spawn(p.ctx, probe(), asio::detached);
        EXPECT_EQ(p.run([&]() -> task<ReadStatus> { co_return co_await r.fill(between); }()), ReadStatus::ok);
        EXPECT_EQ(was_idle, between);
        EXPECT_FALSE(p.server->idle());
        EXPECT_EQ(r.data(), "d");
    }
}

TEST(Reader, FullBufferReportsLimit) {
    Pair p;
    Reader r(*p.server, 8);
    p.send("0123456789");
    auto st = p.run([&]() -> task<ReadStatus> {
        while (r.data().size() < 8) {
            auto s = co_await r.fill();
            if (s != ReadStatus::ok) co_return s;
        }
        co_return co_await r.fill();
    }());
    EXPECT_EQ(st, ReadStatus::limit);
    EXPECT_EQ(r.data(), "01234567");
}

// has_line tells whether read_line can answer from the buffer without waiting (pipelined
// commands): a whole line, or a buffer full of an over-long one.
TEST(LineReader, HasLineSeesOnlyWholeBufferedLines) {
    Pair p;
    LineReader r(*p.server, {.max_line = 32});
    EXPECT_FALSE(r.has_line());
    p.send("one\r\ntw");
    std::string_view line;
    EXPECT_EQ(p.run(r.read_line(line)), LineStatus::ok);
    EXPECT_EQ(line, "one");
    EXPECT_FALSE(r.has_line());  // "tw" is half a line
    p.send("o\r\nthree\r\n");
    EXPECT_EQ(p.run(r.read_line(line)), LineStatus::ok);
    EXPECT_EQ(line, "two");
    EXPECT_TRUE(r.has_line());
    EXPECT_EQ(p.run(r.read_line(line)), LineStatus::ok);
    EXPECT_EQ(line, "three");
    EXPECT_FALSE(r.has_line());
    p.send("x\r\n" + std::string(40, 'x'));
    EXPECT_EQ(p.run(r.read_line(line)), LineStatus::ok);
    EXPECT_EQ(p.run(r.reader().fill()), ReadStatus::ok);  // 34 bytes without a terminator
    EXPECT_TRUE(r.has_line());                            // read_line says too_long at once
    EXPECT_EQ(p.run(r.read_line(line)), LineStatus::too_long);
}

// A larger limit after login applies at once, buffered bytes kept; a smaller one waits until
// the buffer is empty (nothing buffered is dropped).
TEST(LineReader, MaxLineChangesKeepBufferedBytes) {
    Pair p;
    LineReader r(*p.server, {.max_line = 8});
    p.send("login\r\n" + std::string(30, 'y') + "\r\nend\r\n");
    std::string_view line;
    EXPECT_EQ(p.run(r.read_line(line)), LineStatus::ok);
    r.set_max_line(64);
    EXPECT_EQ(p.run(r.read_line(line)), LineStatus::ok);
    EXPECT_EQ(line, std::string(30, 'y'));
    r.set_max_line(4);
    EXPECT_EQ(p.run(r.read_line(line)), LineStatus::ok);  // "end" fits the new limit
    EXPECT_EQ(line, "end");
    p.send("toolong\r\n");
    EXPECT_EQ(p.run(r.read_line(line)), LineStatus::too_long);
}

}  // namespace
}  // namespace net
