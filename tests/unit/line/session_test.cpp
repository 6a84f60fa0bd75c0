// The line-protocol driver end to end over loopback, with a toy protocol: refusals from the
// table, state and argument rules, budgets before login, line limits on both sides, error
// limit, idle timeout, QUIT, a DATA-like exchange, and bulk data.
#include "line/session.hpp"

#include <gtest/gtest.h>

#include <array>
#include <filesystem>
#include <sstream>
#include <thread>

#include "net/server.hpp"
#include "net/tls.hpp"
#include "test_cert.hpp"
#include "test_util.hpp"

namespace line {
namespace {

using namespace std::chrono_literals;

constexpr std::uint32_t kStart = 1, kAuthed = 2;

struct Toy {
    Connection& c;
    std::uint32_t state_ = kStart;
    asio::ssl::context* tls = nullptr;

    net::task<void> greet() {
        c.reply("+OK toy ready");
        co_return;
    }
    std::span<const Command<Toy>> commands() const;
    std::uint32_t state() const { return state_; }
    void refuse(Refusal why, const CommandLine& cl) {
        c.reply("-ERR " + std::string(to_string(why)) + " (" + std::string(cl.verb) + ")");
    }

    net::task<void> noop(std::string_view) {
        c.reply("+OK");
        co_return;
    }
    net::task<void> login(std::string_view arg) {
        state_ = kAuthed;
        c.set_logged_in(true);
        c.reply("+OK welcome " + std::string(arg));
        co_return;
    }
    net::task<void> echo(std::string_view arg) {
        c.reply("+OK " + std::string(arg));
        co_return;
    }
    net::task<void> quit(std::string_view) {
        c.reply("+OK bye");
        c.close_after_reply();
        co_return;
    }
    // Lines until ".", as SMTP DATA: the argument view is gone once we read on.
    net::task<void> data(std::string_view) {
        c.reply("+OK end with .");
        std::size_t n = 0, bytes = 0;
        for (;;) {
            std::string_view l;
            if (co_await c.read_line(l, 1000) != net::LineStatus::ok) co_return;
            if (l == ".") break;
            ++n;
            bytes += l.size();
        }
        c.reply("+OK " + std::to_string(n) + " lines " + std::to_string(bytes) + " bytes");
    }
    net::task<void> starttls(std::string_view) {
        c.reply("+OK begin TLS");
        (void)co_await c.start_tls(*tls);
    }
    net::task<void> big(std::string_view) {
        c.reply("+OK big");
        for (int i = 0; i < 10; ++i)
            if (!co_await c.send_data(std::string(10000, 'z') + "\r\n")) co_return;
        c.reply(".");
    }
};

const std::array<Command<Toy>, 8> kToy{{
    {"STARTTLS", Arg::none, kStart, &Toy::starttls},
    {"NOOP", Arg::any, kStart | kAuthed, &Toy::noop},
    {"LOGIN", Arg::required, kStart, &Toy::login, Shown::verb_only},
    {"ECHO", Arg::required, kAuthed, &Toy::echo},
    {"QUIT", Arg::none, kStart | kAuthed, &Toy::quit},
    {"DATA", Arg::none, kAuthed, &Toy::data},
    {"BIG", Arg::none, kAuthed, &Toy::big},
    {"LIST", Arg::optional, kAuthed, &Toy::echo},
}};
std::span<const Command<Toy>> Toy::commands() const { return kToy; }

const Dialect kDialect{
    .protocol = "toy",
    .line_too_long = "-ERR line too long",
    .timeout = "-ERR timeout",
    .too_many_errors = "-ERR too many errors",
    .too_many_commands = "-ERR login first",
    .shutting_down = "-ERR shutting down",
};

// Sends `script` (then half-closes unless `keep_open`), runs one session, returns the lines
// the client received.
std::vector<std::string> session(const std::string& script, const Limits& limits, bool keep_open = false) {
    net::test::Pair p;
    p.send(script);
    if (!keep_open) p.client.shutdown(net::tcp::socket::shutdown_send);
    p.run([&]() -> net::task<void> {
        Connection c(*p.server, limits, kDialect);
        Toy toy{c};
        co_await run(c, toy);
    }());
    p.server.reset();
    std::string all;
    net::error_code ec;
    asio::read(p.client, asio::dynamic_buffer(all), ec);
    std::vector<std::string> lines;
    std::istringstream in(all);
    for (std::string l; std::getline(in, l);) {
        if (!l.empty() && l.back() == '\r') l.pop_back();
        lines.push_back(l.size() > 40 ? l.substr(0, 10) + "...(" + std::to_string(l.size()) + ")" : l);
    }
    return lines;
}

Limits small() {
    Limits l;
    l.max_line_before_login = 16;
    l.max_line = 64;
    l.max_commands_before_login = 5;
    l.max_errors = 4;
    l.idle_timeout = 5s;
    return l;
}

using Lines = std::vector<std::string>;

TEST(LineSession, TheTableAnswersRefusalsFromOnePlace) {
    auto limits = small();
    limits.max_errors = 10;
    auto got =
        session("HELLO\r\nECHO hi\r\nLOGIN\r\nQUIT now\r\nLOGIN bob\r\nLOGIN again\r\nECHO hi\r\nQUIT\r\n", limits);
    EXPECT_EQ(got, (Lines{"+OK toy ready", "-ERR unknown command (HELLO)", "-ERR bad sequence (ECHO)",
                          "-ERR missing argument (LOGIN)", "-ERR unexpected argument (QUIT)", "+OK welcome bob",
                          "-ERR bad sequence (LOGIN)", "+OK hi", "+OK bye"}));
}

TEST(LineSession, PipelinedCommandsAreAnsweredInOrder) {
    std::string script = "LOGIN bob\r\n";
    for (int i = 0; i < 100; ++i) script += "ECHO " + std::to_string(i) + "\r\n";
    script += "QUIT\r\n";
    auto got = session(script, small());
    ASSERT_EQ(got.size(), 103u);
    EXPECT_EQ(got[2], "+OK 0");
    EXPECT_EQ(got[101], "+OK 99");
    EXPECT_EQ(got[102], "+OK bye");
}

TEST(LineSession, LineLimitIsSmallerBeforeLogin) {
    auto got = session("NOOP " + std::string(11, 'x') + "\r\nNOOP " + std::string(12, 'x') + "\r\nLOGIN bob\r\nECHO " +
                           std::string(59, 'y') + "\r\nECHO " + std::string(60, 'y') + "\r\nQUIT\r\n",
                       small());
    EXPECT_EQ(got, (Lines{"+OK toy ready", "+OK", "-ERR line too long", "+OK welcome bob", "+OK yyyyyy...(63)",
                          "-ERR line too long", "+OK bye"}));
}

TEST(LineSession, CommandBudgetBeforeLogin) {
    auto got = session("NOOP\r\nNOOP\r\nNOOP\r\nNOOP\r\nNOOP\r\nNOOP\r\nNOOP\r\n", small());
    EXPECT_EQ(got, (Lines{"+OK toy ready", "+OK", "+OK", "+OK", "+OK", "+OK", "-ERR login first"}));
}

TEST(LineSession, TooManyErrorsEndTheSession) {
    auto got = session("A\r\nB\r\n" + std::string(100, 'c') + "\r\nD\r\nNOOP\r\n", small());
    EXPECT_EQ(got, (Lines{"+OK toy ready", "-ERR unknown command (A)", "-ERR unknown command (B)", "-ERR line too long",
                          "-ERR unknown command (D)", "-ERR too many errors"}));
}

TEST(LineSession, IdleClientIsToldAndClosed) {
    auto l = small();
    l.idle_timeout = 200ms;
    auto got = session("NOOP\r\n", l, /*keep_open=*/true);
    EXPECT_EQ(got, (Lines{"+OK toy ready", "+OK", "-ERR timeout"}));
}

TEST(LineSession, EndOfInputEndsTheSessionAfterTheBufferedCommands) {
    auto got = session("NOOP\r\nNOOP", small());  // the last line never ends
    EXPECT_EQ(got, (Lines{"+OK toy ready", "+OK"}));
}

TEST(LineSession, ExchangesInsideACommandAndBulkData) {
    auto got =
        session("LOGIN bob\r\nDATA\r\nline one\r\n\r\n" + std::string(900, 'x') + "\r\n.\r\nBIG\r\nQUIT\r\n", small());
    ASSERT_EQ(got.size(), 17u);
    EXPECT_EQ(got[3], "+OK 3 lines 908 bytes");  // a 900-byte line fits DATA's own limit
    EXPECT_EQ(got[4], "+OK big");
    EXPECT_EQ(got[5], "zzzzzzzzzz...(10000)");
    EXPECT_EQ(got[15], ".");
    EXPECT_EQ(got[16], "+OK bye");
}

// RFC 3207 5: commands pipelined in the clear behind STARTTLS are discarded, not run after
// the handshake (the CVE-2011-0411 injection); the session goes on encrypted.
// (Bytes that did not fit the buffer reach the handshake instead, which then fails: either
// way nothing sent in the clear is run.)
TEST(LineSession, StartTlsDiscardsWhatWasSentInTheClear) {
    auto dir = std::filesystem::path(testing::TempDir()) / "line-tls";
    std::filesystem::create_directories(dir);
    auto files = suite::test::make_self_signed(dir.string());
    auto server_ctx = net::make_server_tls(files.cert, files.key);
    asio::ssl::context cctx(asio::ssl::context::tls_client);
    cctx.set_verify_mode(asio::ssl::verify_none);
    net::test::Pair p;
    asio::ssl::stream<net::tcp::socket&> tls(p.client, cctx);
    std::string plain, secret;
    auto client = [&]() -> net::task<void> {
        using asio::as_tuple, asio::use_awaitable;
        asio::streambuf buf;
        auto [e1, n1] = co_await asio::async_read_until(p.client, buf, "\r\n", as_tuple(use_awaitable));
        co_await asio::async_write(p.client, asio::buffer(std::string_view("STARTTLS\r\nLOGIN mallory\r\n")),
                                   as_tuple(use_awaitable));
        auto [e2, n2] = co_await asio::async_read_until(p.client, buf, "begin TLS\r\n", as_tuple(use_awaitable));
        plain.assign(asio::buffers_begin(buf.data()), asio::buffers_begin(buf.data()) + n2);
        auto [e3] = co_await tls.async_handshake(asio::ssl::stream_base::client, as_tuple(use_awaitable));
        EXPECT_FALSE(e3) << e3.message();
        co_await asio::async_write(tls, asio::buffer(std::string_view("ECHO x\r\nQUIT\r\n")), as_tuple(use_awaitable));
        auto [e4, n4] =
            co_await asio::async_read_until(tls, asio::dynamic_buffer(secret), "bye\r\n", as_tuple(use_awaitable));
        EXPECT_FALSE(e4) << e4.message();
        (void)e1, (void)n1, (void)n4;
    };
    asio::co_spawn(p.ctx, client(), asio::detached);
    Limits limits = small();
    limits.max_line_before_login = 64;  // the injected line fits the buffer
    p.run([&]() -> net::task<void> {
        Connection c(*p.server, limits, kDialect);
        Toy toy{c};
        toy.tls = server_ctx.get();
        co_await run(c, toy);
    }());
    EXPECT_EQ(plain, "+OK toy ready\r\n+OK begin TLS\r\n");
    // LOGIN mallory never ran: ECHO is still refused, as before any login.
    EXPECT_EQ(secret, "-ERR bad sequence (ECHO)\r\n+OK bye\r\n");
}

// Through the runtime, sessions park between commands (no coroutine while idle): their state
// survives each park, the idle deadline still ends them (with the timeout reply), and a drain
// closes them at once.
TEST(LineSession, ParkedSessionsKeepStateTimeOutAndDrain) {
    Limits limits = small();
    limits.idle_timeout = 300ms;
    net::Runtime rt({.threads = 1, .drain_timeout = 2000ms});
    auto eps = rt.add_tcp({.name = "toy", .listen = {{asio::ip::make_address("127.0.0.1"), 0}}},
                          serve<Toy>(limits, kDialect, [](Connection& c) { return Toy{c}; }));
    std::thread th([&] { rt.run(); });
    struct Client {
        asio::io_context ctx;
        net::tcp::socket s{ctx};
        std::string buf;
        explicit Client(const net::tcp::endpoint& ep) {
            s.connect(ep);
            timeval tv{10, 0};
            ::setsockopt(s.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        }
        std::string line() {
            net::error_code ec;
            auto n = asio::read_until(s, asio::dynamic_buffer(buf), "\r\n", ec);
            if (ec) return "<" + ec.message() + ">";
            std::string l = buf.substr(0, n - 2);
            buf.erase(0, n);
            return l;
        }
        std::string say(const std::string& cmd) {
            asio::write(s, asio::buffer(cmd + "\r\n"));
            return line();
        }
    };
    Client a(eps[0]);
    EXPECT_EQ(a.line(), "+OK toy ready");
    EXPECT_EQ(a.say("NOOP"), "+OK");
    EXPECT_EQ(a.say("LOGIN bob"), "+OK welcome bob");
    EXPECT_EQ(a.say("ECHO still logged in"), "+OK still logged in");
    EXPECT_EQ(a.line(), "-ERR timeout");  // parked past its idle deadline
    EXPECT_EQ(a.line(), "<End of file>");
    Client b(eps[0]);
    EXPECT_EQ(b.line(), "+OK toy ready");
    rt.stop();
    EXPECT_EQ(b.line(), "<End of file>");  // parked when the drain began: closed at once
    th.join();
    EXPECT_EQ(rt.connections(), 0u);
}

}  // namespace
}  // namespace line
