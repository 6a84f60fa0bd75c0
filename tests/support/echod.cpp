// suite-echod: the smallest daemon built on the core, for the core's own tests.
// Greets "+OK echo ready", answers each line with "+OK <line>", "-ERR line too long" for an
// over-long line, "SLOW <ms>" waits before answering (a busy session for drain tests),
// "QUIT" says "+OK bye" and closes. Idle clients get "-ERR idle timeout" and are closed.
#include <spdlog/spdlog.h>

#include <charconv>

#include "app/daemon.hpp"
#include "net/reader.hpp"
#include "net/trace.hpp"

namespace {

struct EchoConfig {
    std::size_t max_line = 512;
    unsigned idle_timeout_ms = 30000;
    std::size_t max_connections = 20000;
    std::size_t max_per_address = 20000;
};

net::task<void> reply(net::Stream& s, const net::SessionTrace& t, std::string text, net::error_code& ec) {
    t.server(text);
    text += "\r\n";
    co_await s.write(text, ec);
}

net::task<void> echo_session(net::Stream& s, const EchoConfig& cfg) {
    net::SessionTrace t("echo", s.id(), net::to_string(s.peer()));
    t.note("connected");
    net::error_code ec;
    co_await reply(s, t, "+OK echo ready", ec);
    net::LineReader lines(s, {.max_line = cfg.max_line, .allow_bare_lf = true});
    while (!ec && !s.draining()) {
        s.expires_after(std::chrono::milliseconds(cfg.idle_timeout_ms));
        std::string_view line;
        auto st = co_await lines.read_line(line);
        if (st == net::LineStatus::too_long) {
            t.client("<line too long>");
            co_await reply(s, t, "-ERR line too long", ec);
            continue;
        }
        if (st == net::LineStatus::timeout) {
            t.note("idle timeout");
            s.expires_after(std::chrono::seconds(1));
            co_await reply(s, t, "-ERR idle timeout", ec);
            break;
        }
        if (st != net::LineStatus::ok) {
            t.note(std::string("closed: ") + std::string(net::to_string(st)));
            break;
        }
        t.client(line);
        if (line == "QUIT") {
            co_await reply(s, t, "+OK bye", ec);
            break;
        }
        if (line.starts_with("SLOW ")) {
            unsigned ms = 0;
            std::from_chars(line.data() + 5, line.data() + line.size(), ms);
            asio::steady_timer timer(s.executor(), std::chrono::milliseconds(ms));
            co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
            co_await reply(s, t, "+OK slept", ec);
            continue;
        }
        co_await reply(s, t, "+OK " + std::string(line), ec);
    }
    s.shutdown_send();
}

}  // namespace

int main(int argc, char** argv) {
    app::Daemon d("suite-echod", "line echo daemon for the core's tests");
    EchoConfig cfg;
    d.options().add("--max-line", "echo.max_line", cfg.max_line, "maximum line length in bytes");
    d.options().add("--idle-timeout-ms", "echo.idle_timeout_ms", cfg.idle_timeout_ms, "idle timeout");
    d.options().add("--max-connections", "echo.max_connections", cfg.max_connections, "global connection limit");
    d.options().add("--max-per-address", "echo.max_per_address", cfg.max_per_address, "per-address limit");
    d.set_default_listen({"127.0.0.1:7007"});
    return d.main(argc, argv, [&](app::Daemon& daemon, net::Runtime& rt) {
        auto eps = rt.add_tcp({.name = "echo",
                               .listen = daemon.listen(),
                               .limits = {cfg.max_connections, cfg.max_per_address},
                               .busy_reply = "-ERR too many connections\r\n"},
                              [&cfg](net::Stream& s) { return echo_session(s, cfg); });
        daemon.announce("echo", eps);
        auto ueps = rt.add_udp({.name = "echo-udp", .listen = daemon.listen()},
                               [](std::span<const std::uint8_t> q, const net::udp::endpoint& from,
                                  std::span<std::uint8_t> r) -> std::size_t {
                                   net::trace_datagram("echo", from, std::to_string(q.size()) + " bytes");
                                   std::size_t n = std::min(q.size(), r.size());
                                   std::copy_n(q.begin(), n, r.begin());
                                   return n;
                               });
        daemon.announce("udp", ueps);
        daemon.on_reload([](const toml::table&) { spdlog::info("reloaded"); });
    });
}
