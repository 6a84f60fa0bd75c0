#include "smtpd/client.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <boost/asio/experimental/awaitable_operators.hpp>
#include <charconv>

#include "line/command.hpp"
#include "mail/dot.hpp"
#include "mail/file.hpp"
#include "net/blocking.hpp"

namespace smtpd {

namespace {

using namespace asio::experimental::awaitable_operators;
constexpr auto tuple_awaitable = asio::as_tuple(asio::use_awaitable);
constexpr std::size_t kMaxReplyLine = 4096;
constexpr std::size_t kMaxReplyLines = 100;
constexpr std::size_t kChunk = 64 * 1024;

// One client connection: plain, then maybe TLS; every operation under the timeout.
class Conn {
public:
    Conn(asio::any_io_executor ex, std::chrono::milliseconds timeout, LiveSockets& live)
        : sock_(ex), timer_(ex), timeout_(timeout), live_(live) {
        live_.insert(&sock_);
    }
    ~Conn() { live_.erase(&sock_); }

    net::task<net::error_code> connect(const net::tcp::endpoint& ep) {
        timer_.expires_after(timeout_);
        auto r = co_await (sock_.async_connect(ep, tuple_awaitable) || timer_.async_wait(tuple_awaitable));
        if (r.index() == 1) co_return asio::error::timed_out;
        co_return std::get<0>(std::get<0>(r));
    }

    net::task<net::error_code> write(std::string_view data) {
        timer_.expires_after(timeout_);
        auto buf = asio::buffer(data.data(), data.size());
        if (tls_) {
            auto r = co_await (asio::async_write(*tls_, buf, tuple_awaitable) || timer_.async_wait(tuple_awaitable));
            co_return r.index() == 1 ? asio::error::timed_out : std::get<0>(std::get<0>(r));
        }
        auto r = co_await (asio::async_write(sock_, buf, tuple_awaitable) || timer_.async_wait(tuple_awaitable));
        co_return r.index() == 1 ? asio::error::timed_out : std::get<0>(std::get<0>(r));
    }

    // One reply (all its lines). code 0 on failure.
    net::task<Reply> reply() {
        ReplyParser p;
        for (std::size_t n = 0; n < kMaxReplyLines; ++n) {
            std::string l;
            if (!co_await read_line(l)) co_return Reply{};
            if (p.line(l)) co_return p.reply();
        }
        co_return Reply{};
    }

    net::task<bool> start_tls(asio::ssl::context& ctx, const std::string& host) {
        tls_ = std::make_unique<asio::ssl::stream<net::tcp::socket&>>(sock_, ctx);
        SSL_set_tlsext_host_name(tls_->native_handle(), host.c_str());
        in_.clear();
        timer_.expires_after(timeout_);
        auto r = co_await (tls_->async_handshake(asio::ssl::stream_base::client, tuple_awaitable) ||
                           timer_.async_wait(tuple_awaitable));
        co_return r.index() == 0 && !std::get<0>(std::get<0>(r));
    }

    void close() {
        net::error_code ec;
        sock_.close(ec);
    }

private:
    net::task<bool> read_line(std::string& out) {
        for (;;) {
            const auto nl = in_.find('\n');
            if (nl != std::string::npos) {
                out = in_.substr(0, nl);
                if (!out.empty() && out.back() == '\r') out.pop_back();
                in_.erase(0, nl + 1);
                co_return true;
            }
            if (in_.size() > kMaxReplyLine) co_return false;
            char buf[4096];
            timer_.expires_after(timeout_);
            std::variant<std::tuple<net::error_code, std::size_t>, std::tuple<net::error_code>> r;
            if (tls_)
                r = co_await (tls_->async_read_some(asio::buffer(buf), tuple_awaitable) ||
                              timer_.async_wait(tuple_awaitable));
            else
                r = co_await (sock_.async_read_some(asio::buffer(buf), tuple_awaitable) ||
                              timer_.async_wait(tuple_awaitable));
            if (r.index() == 1) co_return false;
            auto [ec, n] = std::get<0>(r);
            if (ec) co_return false;
            in_.append(buf, n);
        }
    }

    net::tcp::socket sock_;
    std::unique_ptr<asio::ssl::stream<net::tcp::socket&>> tls_;
    asio::steady_timer timer_;
    std::chrono::milliseconds timeout_;
    LiveSockets& live_;
    std::string in_;
};

bool has_keyword(const Reply& ehlo, std::string_view kw) {
    for (std::size_t i = 1; i < ehlo.lines.size(); ++i) {
        const std::string_view l = ehlo.lines[i];
        const auto word = l.substr(0, std::min(l.find(' '), l.size()));
        if (line::iequals(word, kw)) return true;
    }
    return false;
}

std::string mail_command(const Envelope& e, const Reply& ehlo, std::uint64_t size) {
    std::string cmd = "MAIL FROM:<" + e.sender + ">";
    if (has_keyword(ehlo, "SIZE")) cmd += " SIZE=" + std::to_string(size);
    if (has_keyword(ehlo, "8BITMIME")) cmd += " BODY=8BITMIME";
    if (e.utf8 && has_keyword(ehlo, "SMTPUTF8")) cmd += " SMTPUTF8";
    if (has_keyword(ehlo, "DSN")) {
        if (e.ret != Ret::unset) cmd += e.ret == Ret::full ? " RET=FULL" : " RET=HDRS";
        if (!e.envid.empty()) cmd += " ENVID=" + xtext_encode(e.envid);
    }
    return cmd + "\r\n";
}

std::string rcpt_command(const QueuedRcpt& r, bool dsn) {
    std::string cmd = "RCPT TO:<" + r.address + ">";
    if (dsn && r.notify != notify_unset) {
        std::string n;
        if (r.notify & notify_never) n = "NEVER";
        for (auto [bit, word] :
             {std::pair{notify_success, "SUCCESS"}, {notify_failure, "FAILURE"}, {notify_delay, "DELAY"}})
            if (r.notify & bit) n += (n.empty() ? "" : ",") + std::string(word);
        cmd += " NOTIFY=" + n;
    }
    if (dsn && !r.orcpt.empty()) cmd += " ORCPT=" + xtext_encode(r.orcpt);
    return cmd + "\r\n";
}

// Streams the stored message through the dot-stuffer (RFC 5321 4.5.2), file reads on the pool.
net::task<net::error_code> send_body(Conn& c, const std::string& path, std::uint64_t offset) {
    auto open_job = [p = path] { return mail::File(::open(p.c_str(), O_RDONLY | O_CLOEXEC)); };
    mail::File f = co_await net::run_blocking(std::move(open_job));
    if (!f) co_return asio::error::not_found;
    mail::DotStuffer stuffer;
    std::string out;
    for (;;) {
        auto read_job = [fd = f.get(), offset] {
            std::string buf(kChunk, '\0');
            const auto n = ::pread(fd, buf.data(), buf.size(), static_cast<off_t>(offset));
            buf.resize(n > 0 ? static_cast<std::size_t>(n) : 0);
            return buf;
        };
        const std::string chunk = co_await net::run_blocking(std::move(read_job));
        if (chunk.empty()) break;
        offset += chunk.size();
        out.clear();
        stuffer.feed(chunk, out);
        if (auto ec = co_await c.write(out)) co_return ec;
    }
    out.clear();
    stuffer.finish(out);
    co_return co_await c.write(out);
}

std::uint64_t file_size(const std::string& path, std::uint64_t offset) {
    mail::File f(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    const off_t end = f ? ::lseek(f.get(), 0, SEEK_END) : 0;
    return end > static_cast<off_t>(offset) ? static_cast<std::uint64_t>(end) - offset : 0;
}

}  // namespace

bool ReplyParser::line(std::string_view l) {
    int code = 0;
    const bool ok = l.size() >= 3 && std::from_chars(l.data(), l.data() + 3, code).ptr == l.data() + 3 && code >= 200 &&
                    code <= 599 && (l.size() == 3 || l[3] == ' ' || l[3] == '-');
    if (!ok || (reply_.code != 0 && code != reply_.code)) {
        reply_ = Reply{};
        return true;
    }
    reply_.code = code;
    reply_.lines.emplace_back(l.size() > 4 ? l.substr(4) : std::string_view{});
    if (l.size() > 3 && l[3] == '-') return false;
    reply_.text = std::string(l);
    return true;
}

net::task<TransactionResult> send_message(const ClientOptions& opts, net::tcp::endpoint server,
                                          const Envelope& envelope, std::vector<QueuedRcpt> rcpts, std::string path,
                                          std::uint64_t offset, LiveSockets& live) {
    TransactionResult res;
    res.rcpt.resize(rcpts.size());
    Conn c(co_await asio::this_coro::executor, opts.timeout, live);
    if (auto ec = co_await c.connect(server)) {
        res.failed = true;
        res.error = "connect to " + server.address().to_string() + ": " + ec.message();
        co_return res;
    }
    res.connected = true;
    auto fail = [&](const Reply& r) {
        res.failed = true;
        res.session = r.code ? r : Reply{0, "lost connection", {}};
        return res;
    };
    Reply r = co_await c.reply();
    if (r.code != 220) co_return fail(r);
    // RFC 5321 3.2: EHLO first, HELO when the server does not know it.
    Reply ehlo;
    const std::string helo = "EHLO " + opts.helo + "\r\n";
    if (co_await c.write(helo)) co_return fail({});
    ehlo = co_await c.reply();
    if (ehlo.code == 0) co_return fail(ehlo);
    if (!ehlo.positive()) {
        const std::string old_helo = "HELO " + opts.helo + "\r\n";
        if (co_await c.write(old_helo)) co_return fail({});
        ehlo = co_await c.reply();
        if (!ehlo.positive()) co_return fail(ehlo);
        ehlo.lines.clear();
    } else if (opts.tls != nullptr && has_keyword(ehlo, "STARTTLS")) {
        if (co_await c.write("STARTTLS\r\n")) co_return fail({});
        r = co_await c.reply();
        if (r.code == 220) {
            const std::string host = server.address().to_string();
            if (!co_await c.start_tls(*opts.tls, host)) co_return fail({0, "TLS handshake failed", {}});
            if (co_await c.write(helo)) co_return fail({});
            ehlo = co_await c.reply();
            if (!ehlo.positive()) co_return fail(ehlo);
        }
    }
    // RFC 6531 3.4: a message that needs SMTPUTF8 cannot go to a server without it.
    if (envelope.utf8 && !has_keyword(ehlo, "SMTPUTF8")) {
        (void)co_await c.write("QUIT\r\n");
        co_return fail({553, "553 5.6.7 The server does not support SMTPUTF8", {}});
    }
    const bool dsn = has_keyword(ehlo, "DSN");
    res.dsn = dsn;
    const std::uint64_t size = file_size(path, offset);
    const std::string mail_from = mail_command(envelope, ehlo, size);
    if (co_await c.write(mail_from)) co_return fail({});
    r = co_await c.reply();
    if (!r.positive()) co_return fail(r);
    bool any = false;
    for (std::size_t i = 0; i < rcpts.size(); ++i) {
        const std::string rcpt_to = rcpt_command(rcpts[i], dsn);
        if (co_await c.write(rcpt_to)) co_return fail({});
        res.rcpt[i] = co_await c.reply();
        if (res.rcpt[i].code == 0) co_return fail({});
        any = any || res.rcpt[i].positive();
    }
    if (!any) {
        (void)co_await c.write("QUIT\r\n");
        co_return res;
    }
    if (co_await c.write("DATA\r\n")) co_return fail({});
    r = co_await c.reply();
    if (r.code != 354) co_return fail(r);
    if (co_await send_body(c, path, offset)) co_return fail({});
    r = co_await c.reply();
    if (!r.positive()) co_return fail(r);
    // The final reply stands for every recipient the server accepted (RFC 5321 4.1.1.4).
    for (auto& rr : res.rcpt)
        if (rr.positive()) rr = r;
    (void)co_await c.write("QUIT\r\n");
    (void)co_await c.reply();
    co_return res;
}

}  // namespace smtpd
