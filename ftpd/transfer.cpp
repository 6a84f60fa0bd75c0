// Data connections and transfers (RFC 959 3.2-3.4, 4.1.3; RFC 2428; RFC 3659 5, 7; RFC 4217 9).
// A transfer command checks what it can first (550, 425), answers 150 and starts the transfer
// beside the command loop, so that ABOR and STAT are read while it runs; the transfer answers
// 226 (or 425/426/451/452/552) itself.
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <ctime>

#include <spdlog/spdlog.h>

#include "fs/open.hpp"
#include "ftpd/ascii.hpp"
#include "ftpd/data.hpp"
#include "ftpd/listing.hpp"
#include "ftpd/session.hpp"
#include "ftpd/transfer.hpp"
#include "net/blocking.hpp"
#include "net/endpoint.hpp"

namespace ftpd {

using asio::as_tuple;
using asio::use_awaitable;
using std::chrono::milliseconds;

namespace {

constexpr std::size_t kAsciiChunk = 64 * 1024;      // file bytes per TYPE A translation
constexpr std::size_t kReceiveBuffer = 256 * 1024;  // one upload read
constexpr int kNotSentLowat = 256 * 1024;           // TCP_NOTSENT_LOWAT of a sending data connection
constexpr milliseconds kTlsTimeout{10000};          // a data connection's TLS handshake
constexpr milliseconds kCloseNotify{2000};          // waiting for the client's close_notify
constexpr int kMaxUniqueTries = 100;                // STOU names tried

std::string mode_word(Type t) { return t == Type::ascii ? "ASCII" : "BINARY"; }

// Writes all of `bytes` to `fd`; 0 or errno.
int write_all(int fd, std::string_view bytes) {
    while (!bytes.empty()) {
        const auto n = ::write(fd, bytes.data(), bytes.size());
        if (n < 0) {
            if (errno == EINTR) continue;
            return errno;
        }
        bytes.remove_prefix(static_cast<std::size_t>(n));
    }
    return 0;
}

}  // namespace

// -- data connection set-up ----------------------------------------------------------------

bool Session::set_active(const ActiveTarget& t) {
    const auto client = unmapped(c_->stream().peer().address());
    // RFC 2577 3: connecting anywhere but to the client is the bounce attack; ports below 1024
    // are services, not FTP clients.
    if (unmapped(t.address) != client || t.port < 1024) {
        c_->note("refused active target " + net::to_string(net::tcp::endpoint(t.address, t.port)));
        c_->reply("504 Active mode only to your own address and an unprivileged port");
        return false;
    }
    if (epsv_all_) {
        c_->reply("503 EPSV ALL in effect");
        return false;
    }
    data_ = std::make_unique<DataSetup>();
    data_->target = net::tcp::endpoint(client, t.port);
    return true;
}

net::task<void> Session::port(std::string_view arg) {
    const auto t = parse_port(arg);
    if (!t) {
        c_->reply("501 Syntax error in PORT");
        co_return;
    }
    if (set_active(*t)) c_->reply("200 PORT command successful");
}

net::task<void> Session::eprt(std::string_view arg) {
    EprtError err{};
    const auto t = parse_eprt(arg, err);
    if (!t) {
        c_->reply(err == EprtError::protocol ? "522 Network protocol not supported, use (1,2)"
                                             : "501 Syntax error in EPRT");
        co_return;
    }
    if (set_active(*t)) c_->reply("200 EPRT command successful");
}

net::task<bool> Session::prepare_passive(bool extended) {
    data_.reset();
    if (!extended && epsv_all_) {
        c_->reply("503 EPSV ALL in effect");
        co_return false;
    }
    const auto local = unmapped(c_->stream().local().address());
    asio::ip::address_v4 shown;
    if (!extended) {
        // The address in 227: the control connection's local one, or --passive-address resolved
        // now (a dynamic DNS name changes while the server runs).
        const auto& name = shared_->cfg.passive_address;
        if (!name.empty()) {
            net::tcp::resolver resolver(c_->stream().executor());
            auto [ec, results] = co_await resolver.async_resolve(net::tcp::v4(), name, "", as_tuple(use_awaitable));
            if (ec || results.empty()) {
                spdlog::warn("ftpd: --passive-address {}: {}", name, ec ? ec.message() : "no IPv4 address");
                c_->reply("425 Cannot determine the passive address");
                co_return false;
            }
            shown = results.begin()->endpoint().address().to_v4();
        } else if (local.is_v4()) {
            shown = local.to_v4();
        } else {
            c_->reply("425 PASV is for IPv4; use EPSV");
            co_return false;
        }
    }
    net::error_code ec;
    auto acc = listen_passive(c_->stream().executor(), local, shared_->cfg.passive_low, shared_->cfg.passive_high, ec);
    if (!acc) {
        spdlog::warn("ftpd: passive listener: {}", ec.message());
        c_->reply("425 Cannot open a passive data port");
        co_return false;
    }
    data_ = std::make_unique<DataSetup>();
    data_->listening = acc->local_endpoint(ec);
    data_->acceptor.emplace(std::move(*acc));
    const auto p = data_->listening.port();
    c_->reply(extended ? epsv_reply(p) : pasv_reply(shown, p));
    co_return true;
}

net::task<void> Session::pasv(std::string_view) { (void)co_await prepare_passive(false); }

net::task<void> Session::epsv(std::string_view arg) {
    const bool v6 = !unmapped(c_->stream().local().address()).is_v4();
    switch (parse_epsv(arg)) {
        case EpsvArg::all:
            epsv_all_ = true;
            c_->reply("200 EPSV ALL ok");
            co_return;
        case EpsvArg::syntax: c_->reply("501 Syntax error in EPSV"); co_return;
        case EpsvArg::unknown_protocol: c_->reply(v6 ? "522 Use (2)" : "522 Use (1)"); co_return;
        case EpsvArg::ipv4:
            if (v6) {
                c_->reply("522 Network protocol not supported, use (2)");
                co_return;
            }
            break;
        case EpsvArg::ipv6:
            if (!v6) {
                c_->reply("522 Network protocol not supported, use (1)");
                co_return;
            }
            break;
        case EpsvArg::any: break;
    }
    (void)co_await prepare_passive(true);
}

// -- transfer commands --------------------------------------------------------------------

void Session::start(std::unique_ptr<Transfer> t, std::string_view first_reply) {
    t->setup = std::move(data_);
    t->type = type_;
    t->protect = protect_;
    c_->reply(first_reply);
    if (c_->trace().enabled()) {
        const auto& s = *t->setup;
        const std::string how =
            s.acceptor ? "passive " + net::to_string(s.listening) : "active " + net::to_string(*s.target);
        const auto bytes = t->kind == Transfer::Kind::send_file   ? std::to_string(t->size) + " bytes, "
                           : t->kind == Transfer::Kind::send_text ? std::to_string(t->text.size()) + " bytes, "
                                                                  : std::string();
        c_->note("data: " + std::string(first_reply.substr(0, 3)) + " " + t->verb + " " + t->name + ", " + bytes + how +
                 (t->protect ? ", TLS" : ""));
    }
    xfer_ = std::move(t);
    if (!done_) done_ = std::make_unique<asio::steady_timer>(c_->stream().executor());
    c_->set_busy(true);
    asio::co_spawn(c_->stream().executor(), run_transfer(), asio::detached);
}

net::task<void> Session::retr(std::string_view arg) {
    const auto offset = std::exchange(rest_, 0);
    const auto p = path_arg(arg);
    if (!p) co_return;
    if (!data_) {
        c_->reply("425 Use PORT or PASV first");
        co_return;
    }
    auto f = fs::open_beneath(root_.get(), beneath(*p), O_RDONLY);
    struct stat st {};
    if (f && ::fstat(f.file.get(), &st) != 0) f.error = errno;
    if (f && !S_ISREG(st.st_mode)) f.error = S_ISDIR(st.st_mode) ? EISDIR : EACCES;
    if (!f) {
        reply_errno(f.error, *p);
        co_return;
    }
    const auto size = static_cast<std::uint64_t>(st.st_size);
    if (offset > size) {
        c_->reply("554 Restart offset beyond the end of the file");  // RFC 3659 5.5
        co_return;
    }
    auto t = std::make_unique<Transfer>(c_->stream().executor());
    t->kind = Transfer::Kind::send_file;
    t->verb = "RETR";
    t->name = *p;
    t->file = std::move(f.file);
    t->offset = offset;
    t->size = size - offset;
    start(std::move(t), "150 Opening " + mode_word(type_) + " mode data connection for " + *p + " (" +
                            std::to_string(size) + " bytes)");
}

net::task<void> Session::stor(std::string_view arg) { co_await store(arg, Store::replace); }
net::task<void> Session::appe(std::string_view arg) { co_await store(arg, Store::append); }
net::task<void> Session::stou(std::string_view arg) { co_await store(arg, Store::unique); }

net::task<void> Session::store(std::string_view arg, Store how) {
    const auto offset = std::exchange(rest_, 0);
    auto p = path_arg(how == Store::unique && arg.empty() ? std::string_view("ftpd.upload") : arg);
    if (!p || !may_write(*p)) co_return;
    if (!data_) {
        c_->reply("425 Use PORT or PASV first");
        co_return;
    }
    int flags = O_WRONLY | O_CREAT;
    if (how == Store::append) flags |= O_APPEND;
    else if (how == Store::unique) flags |= O_EXCL;
    else if (offset == 0) flags |= O_TRUNC;
    auto f = fs::open_beneath(root_.get(), beneath(*p), flags, 0644);
    // STOU (RFC 1123 4.1.2.9): a name that does not exist yet, said in the 150 reply.
    for (int i = 1; how == Store::unique && f.error == EEXIST && i < kMaxUniqueTries; ++i) {
        auto q = resolve_path(cwd_, std::string(base_name(*p)) + "." + std::to_string(i));
        if (!q) break;
        f = fs::open_beneath(root_.get(), beneath(*q), flags, 0644);
        if (f) p = std::move(q);
    }
    struct stat st {};
    if (f && ::fstat(f.file.get(), &st) != 0) f.error = errno;
    if (f && !S_ISREG(st.st_mode)) f.error = EACCES;
    if (!f) {
        reply_errno(f.error, *p);
        co_return;
    }
    if (offset > 0) {
        // REST + STOR (RFC 3659 5): the file is kept up to the offset and written from there.
        if (offset > static_cast<std::uint64_t>(st.st_size)) {
            c_->reply("554 Restart offset beyond the end of the file");
            co_return;
        }
        if (::ftruncate(f.file.get(), static_cast<off_t>(offset)) != 0 ||
            ::lseek(f.file.get(), static_cast<off_t>(offset), SEEK_SET) < 0) {
            reply_errno(errno, *p);
            co_return;
        }
    }
    auto t = std::make_unique<Transfer>(c_->stream().executor());
    t->kind = Transfer::Kind::receive;
    t->verb = how == Store::append ? "APPE" : how == Store::unique ? "STOU" : "STOR";
    t->name = *p;
    t->file = std::move(f.file);
    t->offset = offset;
    start(std::move(t), how == Store::unique ? "150 FILE: " + std::string(base_name(*p))
                                             : "150 Opening " + mode_word(type_) + " mode data connection for " + *p);
}

net::task<void> Session::list(std::string_view arg) { co_await listing(arg, "LIST"); }
net::task<void> Session::nlst(std::string_view arg) { co_await listing(arg, "NLST"); }
net::task<void> Session::mlsd(std::string_view arg) { co_await listing(arg, "MLSD"); }

net::task<void> Session::listing(std::string_view arg, std::string_view verb) {
    const bool mlsd = verb == "MLSD", nlst = verb == "NLST", stat = verb == "STAT";
    bool all = false;
    const auto p = path_arg(mlsd ? arg : list_path(arg, &all));
    if (!p) co_return;
    if (!stat && !data_) {
        c_->reply("425 Use PORT or PASV first");
        co_return;
    }
    std::vector<Entry> entries;
    auto d = fs::open_beneath(root_.get(), beneath(*p), O_RDONLY | O_DIRECTORY);
    int err = d.error;
    if (d) {
        auto job = [fd = d.file.release(), all, &entries] { return read_directory(fd, all, entries); };
        err = co_await net::run_blocking(std::move(job));
    } else if (err == ENOTDIR && !mlsd) {  // LIST of a file: its own line (RFC 3659 7.2.1: not for MLSD)
        auto parent = fs::open_beneath(root_.get(), beneath(parent_path(*p)), O_PATH | O_DIRECTORY);
        entries.emplace_back();
        err = parent ? stat_entry(parent.file.get(), std::string(base_name(*p)), entries.back()) : parent.error;
    }
    if (err != 0) {
        if (err == ENOTDIR) c_->reply("501 " + *p + ": not a directory");
        else reply_errno(err, *p);
        co_return;
    }
    const auto now = static_cast<std::int64_t>(std::time(nullptr));
    std::string text;
    for (const auto& e : entries) {
        if (mlsd) {
            if (auto l = mlst_line(e, facts_, writable_)) text += *l + "\r\n";
        } else {
            text += (nlst ? e.name : list_line(e, now)) + "\r\n";
        }
    }
    if (stat) {
        c_->reply("213-Status of " + *p + ":\r\n" + text + "213 End of status");
        co_return;
    }
    auto t = std::make_unique<Transfer>(c_->stream().executor());
    t->kind = Transfer::Kind::send_text;
    t->verb = std::string(verb);
    t->name = *p;
    t->text = std::move(text);
    start(std::move(t), "150 Here comes the directory listing");
}

net::task<void> Session::abor(std::string_view) {
    data_.reset();
    if (!xfer_) {
        c_->reply("226 No transfer to abort");
        co_return;
    }
    // RFC 959 4.1.3: the transfer answers 426, then ABOR 226.
    xfer_->cancel();
    co_await wait_transfer();
    c_->reply("226 Abort successful");
}

// -- the transfer beside the command loop ------------------------------------------------

net::task<void> Session::wait_transfer() {
    while (xfer_) {
        done_->expires_at(net::Clock::time_point::max());
        (void)co_await done_->async_wait(as_tuple(use_awaitable));
    }
}

void Session::keep_control_alive() { c_->stream().expires_after(c_->limits().idle_timeout); }

net::task<void> Session::run_transfer() {
    Transfer& t = *xfer_;
    std::string result;
    try {
        result = co_await move_data(t);
    } catch (const std::exception& e) {
        spdlog::error("ftpd: {} {}: {}", t.verb, t.name, e.what());
        result = "451 Local error in processing";
    }
    if (t.data) t.data->close();
    c_->reply(result);
    if (c_->trace().enabled()) {
        const auto secs = std::chrono::duration<double>(net::Clock::now() - t.started).count();
        std::array<char, 32> s{};
        std::snprintf(s.data(), s.size(), "%.3f", secs);
        c_->note("data: " + result.substr(0, 3) + " " + t.verb + " " + t.name + ", " + std::to_string(t.moved) +
                 " bytes in " + s.data() + " s");
    }
    (void)co_await c_->flush();
    keep_control_alive();
    xfer_.reset();
    c_->set_busy(false);
    done_->cancel();
    if (c_->stream().draining() && !c_->closing()) {
        // The command loop waits for a command that should not come: end it.
        c_->reply("421 Server shutting down");
        (void)co_await c_->flush();
        c_->stream().close();
    }
}

std::string Session::data_error(Transfer& t, const net::error_code& ec) {
    if (!t.aborted) c_->note("data connection: " + ec.message());
    if (t.aborted) return "426 Transfer aborted";
    if (ec == asio::error::timed_out) return "426 Transfer stalled, aborted";
    return "426 Connection closed; transfer aborted";
}

net::task<std::string> Session::move_data(Transfer& t) {
    if (!co_await c_->flush()) co_return "426 Control connection lost";  // the 150 first
    net::error_code ec;
    const milliseconds timeout(shared_->cfg.data_timeout_ms);
    auto& setup = *t.setup;
    if (setup.acceptor) {
        unsigned refused = 0;
        co_await accept_data(*setup.acceptor, t.socket, c_->stream().peer().address(), timeout, refused, ec);
        if (refused != 0) c_->note("refused " + std::to_string(refused) + " data connection(s) from other addresses");
        net::error_code ignored;
        setup.acceptor->close(ignored);
    } else {
        const bool from_20 = shared_->privileged && shared_->cfg.active_from_port_20 && ::geteuid() == 0;
        co_await connect_data(t.socket, unmapped(c_->stream().local().address()), *setup.target, from_20, timeout, ec);
    }
    if (t.aborted) co_return "426 Transfer aborted";
    if (ec) co_return "425 Can't open data connection";
    if (t.kind != Transfer::Kind::receive &&
        (t.protect || t.kind != Transfer::Kind::send_file || t.type != Type::image)) {
        // A write cut by the stall deadline cannot be resumed (TLS, ASCII), so the socket counts
        // as writable again once its unsent bytes fall under this, not once half of a send
        // buffer that autotunes up to megabytes is free: a slow client that keeps reading wakes
        // us often enough for the deadline to see its progress. (Plain sendfile looks at the
        // acknowledgements instead: this setting costs a wake-up per 128 KiB, 6x the context
        // switches of a 1 GiB RETR, and about a tenth of its speed.)
        const int lowat = kNotSentLowat;
        ::setsockopt(t.socket.native_handle(), IPPROTO_TCP, TCP_NOTSENT_LOWAT, &lowat, sizeof lowat);
    }
    t.data.emplace(std::move(t.socket), c_->stream().id());
    auto& d = *t.data;
    if (t.protect) {
        const auto ctx = shared_->tls.get();
        d.expires_after(kTlsTimeout);
        if (ctx) co_await d.start_tls(*ctx, ec, /*session_tickets=*/false);
        if (!ctx || ec)
            co_return t.aborted ? "426 Transfer aborted" : "425 TLS negotiation failed on the data connection";
    }
    std::string result = "226 Transfer complete";
    if (t.kind == Transfer::Kind::receive) {
        result = co_await receive_file(t);
    } else if (t.kind == Transfer::Kind::send_file) {
        result = co_await send_file(t);
    } else {
        d.expires_after(milliseconds(shared_->cfg.stall_timeout_ms));
        co_await d.write(t.text, ec);
        if (ec) co_return data_error(t, ec);
        t.moved = t.text.size();
    }
    if (result[0] == '2' && d.is_tls()) {
        // RFC 4217 12.6 (and OpenSSL 3 clients): the end of the data is a close_notify.
        d.expires_after(kCloseNotify);
        net::error_code ignored;
        co_await d.shutdown_tls(ignored);
    }
    co_return result;
}

net::task<std::string> Session::send_file(Transfer& t) {
    auto& d = *t.data;
    const milliseconds stall(shared_->cfg.stall_timeout_ms);
    std::uint64_t offset = t.offset, left = t.size;
    net::error_code ec;
    if (t.type == Type::image) {
        // sendfile(2) on a plain connection, as much as the socket takes per call; the
        // deadline is set again after every step, so that it catches a stall (no progress
        // for stall_timeout) rather than a long transfer to a slow client.
        while (left > 0 && !ec) {
            const std::uint64_t n = co_await d.send_file_some(t.file.get(), offset, left, stall, ec);
            if (ec) break;
            offset += n;
            left -= n;
            t.moved += n;
            keep_control_alive();
        }
    } else {
        AsciiEncoder enc;
        std::vector<char> buf(kAsciiChunk);
        std::string out;
        while (left > 0) {
            const auto n = ::pread(t.file.get(), buf.data(), std::min<std::uint64_t>(left, buf.size()),
                                   static_cast<off_t>(offset));
            if (n <= 0) {
                if (n < 0 && errno == EINTR) continue;
                co_return "451 Read error: " + std::string(n < 0 ? std::strerror(errno) : "file shrank");
            }
            out.clear();
            enc.encode(std::string_view(buf.data(), static_cast<std::size_t>(n)), out);
            d.expires_after(stall);
            co_await d.write(out, ec);
            if (ec) break;
            offset += static_cast<std::uint64_t>(n);
            left -= static_cast<std::uint64_t>(n);
            t.moved += out.size();
            keep_control_alive();
        }
    }
    if (ec) co_return data_error(t, ec);
    co_return "226 Transfer complete";
}

net::task<std::string> Session::receive_file(Transfer& t) {
    auto& d = *t.data;
    const milliseconds stall(shared_->cfg.stall_timeout_ms);
    const std::uint64_t limit = shared_->cfg.max_upload;
    std::vector<char> buf(kReceiveBuffer);
    AsciiDecoder dec;
    std::string out;
    std::uint64_t stored = 0;
    net::error_code ec;
    for (;;) {
        d.expires_after(stall);
        const auto n = co_await d.read_some(asio::buffer(buf), ec);
        std::string_view bytes(buf.data(), n);
        if (t.type == Type::ascii) {
            out.clear();
            dec.decode(bytes, out);
            if (ec) dec.finish(out);
            bytes = out;
        }
        t.moved += n;
        if (limit != 0 && stored + bytes.size() > limit) {
            c_->note("upload over " + std::to_string(limit) + " bytes refused");
            co_return "552 Exceeded storage allocation (" + std::to_string(limit) + " bytes)";
        }
        if (const int err = write_all(t.file.get(), bytes)) {
            if (err == ENOSPC || err == EDQUOT) co_return "452 Insufficient storage space";
            co_return "451 Write error: " + std::string(std::strerror(err));
        }
        stored += bytes.size();
        if (ec) break;
        keep_control_alive();
    }
    // The end of the data is the client's close (with TLS, ideally its close_notify).
    if (ec == asio::error::eof || ec == asio::ssl::error::stream_truncated) co_return "226 Transfer complete";
    co_return data_error(t, ec);
}

}  // namespace ftpd
