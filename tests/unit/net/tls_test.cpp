// Stream::start_tls over loopback (a plaintext phase, the upgrade, then encrypted lines, as
// STARTTLS does) and the reloadable TlsContext.
#include "net/tls.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "net/reader.hpp"
#include "test_cert.hpp"
#include "test_util.hpp"

namespace net {
namespace {

using asio::as_tuple;
using asio::use_awaitable;

std::string temp_dir(const std::string& name) {
    auto d = std::filesystem::path(testing::TempDir()) / ("tls-" + name);
    std::filesystem::create_directories(d);
    return d.string();
}

std::shared_ptr<asio::ssl::context> client_context() {
    auto c = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_client);
    c->set_verify_mode(asio::ssl::verify_none);
    return c;
}

TEST(Tls, PlaintextThenUpgradeThenEncryptedLines) {
    auto files = suite::test::make_self_signed(temp_dir("upgrade"));
    auto server_ctx = make_server_tls(files.cert, files.key);
    auto cctx = client_context();
    test::Pair p;
    asio::ssl::stream<tcp::socket&> client(p.client, *cctx);
    std::string server_saw, client_saw, description;

    auto server = [&]() -> task<void> {
        error_code ec;
        co_await p.server->write("220 ready\r\n", ec);
        LineReader lines(*p.server, {.max_line = 100});
        std::string_view line;
        EXPECT_EQ(co_await lines.read_line(line), LineStatus::ok);
        server_saw = std::string(line);
        co_await p.server->write("220 go ahead\r\n", ec);
        lines.reader().clear();
        co_await p.server->start_tls(*server_ctx, ec);
        EXPECT_FALSE(ec) << ec.message();
        EXPECT_TRUE(p.server->is_tls());
        description = p.server->tls_description();
        EXPECT_EQ(co_await lines.read_line(line), LineStatus::ok);
        server_saw += "|" + std::string(line);
        co_await p.server->write("250 secret received\r\n", ec);
        EXPECT_FALSE(ec);
    };
    auto client_side = [&]() -> task<void> {
        asio::streambuf buf;
        auto [e1, n1] = co_await asio::async_read_until(p.client, buf, "\r\n", as_tuple(use_awaitable));
        EXPECT_FALSE(e1);
        client_saw.assign(asio::buffers_begin(buf.data()), asio::buffers_begin(buf.data()) + n1);
        buf.consume(n1);
        co_await asio::async_write(p.client, asio::buffer(std::string_view("STARTTLS\r\n")), as_tuple(use_awaitable));
        auto [e2, n2] = co_await asio::async_read_until(p.client, buf, "\r\n", as_tuple(use_awaitable));
        EXPECT_FALSE(e2);
        buf.consume(n2);
        auto [e3] = co_await client.async_handshake(asio::ssl::stream_base::client, as_tuple(use_awaitable));
        EXPECT_FALSE(e3) << e3.message();
        co_await asio::async_write(client, asio::buffer(std::string_view("hello in private\r\n")),
                                   as_tuple(use_awaitable));
        asio::streambuf tbuf;
        auto [e4, n4] = co_await asio::async_read_until(client, tbuf, "\r\n", as_tuple(use_awaitable));
        EXPECT_FALSE(e4);
        client_saw += "|" + std::string(asio::buffers_begin(tbuf.data()), asio::buffers_begin(tbuf.data()) + n4);
    };
    asio::co_spawn(p.ctx, client_side(), asio::detached);
    p.run(server());
    p.ctx.restart();
    p.ctx.run();  // the client's last read
    EXPECT_EQ(server_saw, "STARTTLS|hello in private");
    EXPECT_EQ(client_saw, "220 ready\r\n|250 secret received\r\n");
    EXPECT_TRUE(description.starts_with("TLSv1.")) << description;
}

TEST(Tls, HandshakeWithAPlaintextClientFails) {
    auto files = suite::test::make_self_signed(temp_dir("plain"));
    auto server_ctx = make_server_tls(files.cert, files.key);
    test::Pair p;
    p.send("HELO not-tls\r\n");
    p.client.shutdown(tcp::socket::shutdown_send);
    p.server->expires_after(std::chrono::seconds(5));
    error_code ec;
    p.run([&]() -> task<void> { co_await p.server->start_tls(*server_ctx, ec); }());
    EXPECT_TRUE(ec);
}

TEST(Tls, MismatchedKeyIsRefusedNamingTheFile) {
    auto a = suite::test::make_self_signed(temp_dir("a"));
    auto b = suite::test::make_self_signed(temp_dir("b"));
    try {
        (void)make_server_tls(a.cert, b.key);
        FAIL() << "a key that does not match was accepted";
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find(b.key), std::string::npos) << e.what();
    }
    EXPECT_THROW((void)make_server_tls(a.cert, a.key + ".missing"), std::runtime_error);
}

TEST(Tls, ReloadKeepsTheCurrentContextWhenTheFilesAreBad) {
    auto dir = temp_dir("reload");
    auto files = suite::test::make_self_signed(dir);
    TlsContext tls;
    EXPECT_FALSE(tls.enabled());
    tls.load(files.cert, files.key);
    auto first = tls.get();
    ASSERT_NE(first, nullptr);
    tls.reload();  // a renewed pair (here the same) replaces the context
    EXPECT_NE(tls.get(), first);
    auto second = tls.get();
    std::ofstream(files.cert, std::ios::trunc) << "not a certificate\n";
    EXPECT_THROW(tls.reload(), std::runtime_error);
    EXPECT_EQ(tls.get(), second);
}

}  // namespace
}  // namespace net
