#include "http/server.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <exception>
#include <memory>
#include <vector>

#include "http/chunked.hpp"
#include "http/date.hpp"
#include "http/response.hpp"
#include "net/endpoint.hpp"
#include "net/reader.hpp"
#include "net/trace.hpp"

namespace http {

namespace {

constexpr std::size_t kLingerBytes = 256 * 1024;  // discarded after an error reply
constexpr std::chrono::milliseconds kLingerTime{1000};
constexpr std::chrono::milliseconds kErrorWriteTime{2000};
constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";

thread_local DateCache t_date;

enum class BodyOutcome { ok, closed, failed };

// What a connection keeps between requests, also while it is parked: a few words.
struct Kept {
    std::size_t served = 0;
    std::unique_ptr<net::SessionTrace> trace;  // only with --trace

    Kept(const net::Stream& s, const ServerOptions& o) {
        if (!net::Trace::enabled()) return;
        trace = std::make_unique<net::SessionTrace>(o.trace_label, s.id(), net::to_string(s.peer()));
        trace->note("connected");
    }
    ~Kept() {
        if (trace) trace->note("closed after " + std::to_string(served) + " request(s)");
    }
    Kept(const Kept&) = delete;
    Kept& operator=(const Kept&) = delete;
};

constexpr std::size_t kSpareBytes = 4096;  // a recycled session's buffers keep at most this much each
constexpr std::size_t kSpares = 32;        // recycled sessions kept per thread

// The requests of one connection until it ends or, with parking, until it would wait idle for
// the next one. Everything here (read buffer, parser, strings) lives only while requests are
// in flight; what must outlive a park is in Kept. A Session is recycled per thread (see
// take_session): a parked connection holds none, and the next request on this thread reuses
// one with its strings and header vector, so that it allocates none of them.
class Session {
public:
    Session(net::Stream& s, const Handler& h, const ServerOptions& o, Kept& kept)
        : reader_(s, o.limits.parser.max_header_bytes + 4), parser_(o.limits.parser) {
        attach(s, h, o, kept);
    }
    Session(const Session&) = delete;
    Session& operator=(const Session&) = delete;

    // Takes on a connection (a new Session, or a recycled one whose reader is empty).
    void attach(net::Stream& s, const Handler& h, const ServerOptions& o, Kept& kept) {
        s_ = &s;
        handler_ = &h;
        opts_ = &o;
        kept_ = &kept;
        peer_.address = net::address_text(s.peer().address());
        peer_.port = s.peer().port();
        reader_.rebind(s, o.limits.parser.max_header_bytes + 4);
        parser_.set_limits(o.limits.parser);
        quick_ = {};
    }
    // Lets go of the connection and of every resource of the last response, keeping small
    // buffers for the next connection. False: too large to be worth keeping.
    bool detach() {
        reader_.clear();
        resp_.clear();
        release_large_buffers();
        auto& headers = parser_.request().headers;
        headers.clear();
        for (std::string* str : {&head_copy_, &body_, &out_, &resp_.body, &resp_.fields}) str->clear();
        s_ = nullptr;
        kept_ = nullptr;
        return headers.capacity() * sizeof(Header) <= kSpareBytes;
    }

    net::Step poll();
    net::task<net::Step> run(bool may_park);

private:
    net::task<bool> read_request(std::size_t& used);
    net::task<bool> receive_body(const Request& req, std::time_t started, std::size_t& used);
    net::task<bool> answer_early(const Request& req, std::time_t started);
    net::task<void> handle(const Request& req);
    net::task<bool> finish(const Request& req, std::time_t started, std::size_t used);
    net::task<bool> read_head(ParseResult& pr);
    net::task<BodyOutcome> read_body(int& status);
    net::task<std::uint64_t> write_response(bool head_only, int version_minor, bool keep, net::error_code& ec);
    bool build_head(bool head_only, int version_minor, bool keep);
    bool keep_alive(const Request& req) const {
        const auto& lim = opts_->limits;
        return req.keep_alive && !resp_.close && !s_->draining() &&
               (lim.max_requests == 0 || kept_->served < lim.max_requests);
    }
    // The quick path (ServerOptions::quick): what became of a request tried on it.
    enum class Quick {
        declined,    // not taken: nothing consumed, the request goes the usual way
        answered,    // answered and written whole; the connection stays open
        write_rest,  // answered, written in part: write_rest() sends the rest
        finish,      // answered, not written: finish() writes it
    };
    Quick try_quick(std::size_t& used, std::time_t& started, std::size_t& written);
    net::task<bool> write_rest(const Request& req, std::time_t started, std::size_t used, std::size_t written);
    void note_request(std::string_view head);
    void done_with(const Request& req, std::time_t started, std::size_t used, std::uint64_t bytes);
    net::task<void> fail(int status, std::string_view detail, const Request* req = nullptr);
    net::task<void> linger();
    net::task<void> close_send();
    void log(const Request* req, int status, std::uint64_t bytes, std::time_t t) const {
        if (opts_->log) opts_->log(LogEntry{peer_, req, status, bytes, t});
    }

    // An idle keep-alive connection should cost little memory: keep small buffers for reuse,
    // give big ones back.
    void release_large_buffers() {
        for (std::string* str : {&head_copy_, &body_, &out_, &resp_.body, &resp_.fields})
            if (str->capacity() > kSpareBytes) std::string().swap(*str);
    }

    // What poll() did with a request before handing the turn to run(): see Quick.
    struct Handover {
        Quick q = Quick::declined;
        std::size_t used = 0;
        std::time_t started = 0;
        std::size_t written = 0;
    };

    net::Stream* s_ = nullptr;
    const Handler* handler_ = nullptr;
    const ServerOptions* opts_ = nullptr;
    Kept* kept_ = nullptr;
    Peer peer_;
    net::Reader reader_;
    RequestParser parser_;
    ChunkedDecoder chunked_;
    std::string head_copy_;  // a head followed by a body, kept still while the body is read
    std::string body_;
    std::string out_;
    Response resp_;
    Handover quick_;  // from poll() to run(), when q != declined
};

// Reads until a complete head, an error, or the end. Returns false when the connection
// should just close (EOF, reset, idle timeout, shutdown).
net::task<bool> Session::read_head(ParseResult& pr) {
    const auto& lim = opts_->limits;
    parser_.reset();
    // RFC 9112 9.5: an idle keep-alive connection may be closed at any time; once a request
    // has started, a client that is too slow to finish its head gets 408.
    bool started = !reader_.empty();
    s_->expires_after(started ? lim.header_timeout : lim.idle_timeout);
    while (true) {
        if (!reader_.empty()) {
            pr = parser_.parse(reader_.data());
            if (pr.status != ParseStatus::need_more) co_return true;
        }
        const auto st = co_await reader_.fill(/*between_messages=*/!started);
        if (st == net::ReadStatus::ok) {
            if (!started) {
                started = true;
                s_->expires_after(lim.header_timeout);
            }
            continue;
        }
        if (st == net::ReadStatus::limit) {
            pr = {ParseStatus::error, 0, ParseError::header_too_large};
            co_return true;
        }
        if (st == net::ReadStatus::timeout && started) {
            if (kept_->trace) kept_->trace->note("header timeout");
            co_await fail(408, "The request head did not arrive in time.");
        }
        co_return false;
    }
}

// Reads the body into body_. On failed, `status` is the response to send (400/408/413).
net::task<BodyOutcome> Session::read_body(int& status) {
    const Request& req = parser_.request();
    body_.clear();
    if (req.body == BodyKind::length) {
        std::uint64_t remaining = req.content_length;
        body_.reserve(static_cast<std::size_t>(std::min<std::uint64_t>(remaining, 1 << 20)));
        while (remaining > 0) {
            if (reader_.empty()) {
                const auto st = co_await reader_.fill();
                if (st == net::ReadStatus::timeout) {
                    status = 408;
                    co_return BodyOutcome::failed;
                }
                if (st != net::ReadStatus::ok) co_return BodyOutcome::closed;
            }
            const auto d = reader_.data();
            const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(d.size(), remaining));
            body_.append(d.substr(0, n));
            reader_.consume(n);
            remaining -= n;
        }
        co_return BodyOutcome::ok;
    }
    // RFC 9112 7.1: chunked; the decoder enforces max_body on the decoded size.
    chunked_.reset();
    chunked_.set_limits({opts_->limits.max_body, 4096, opts_->limits.parser.max_header_bytes});
    while (true) {
        if (!reader_.empty()) {
            const auto r = chunked_.decode(reader_.data());
            if (r.status == ChunkStatus::data) body_.append(r.data);
            reader_.consume(r.consumed);
            if (r.status == ChunkStatus::done) co_return BodyOutcome::ok;
            if (r.status == ChunkStatus::error) {
                status = status_for(r.error);
                co_return BodyOutcome::failed;
            }
            if (r.status == ChunkStatus::data) continue;
        }
        const auto st = co_await reader_.fill();
        if (st == net::ReadStatus::timeout) {
            status = 408;
            co_return BodyOutcome::failed;
        }
        if (st != net::ReadStatus::ok) co_return BodyOutcome::closed;
    }
}

// Fills out_ with the response head of resp_; returns true if a body follows it.
bool Session::build_head(bool head_only, int version_minor, bool keep) {
    out_.clear();
    append_status_line(out_, resp_.status, 1);
    if (!opts_->server_name.empty()) append_header(out_, "Server", opts_->server_name);
    append_header(out_, "Date", t_date.get(std::time(nullptr)));
    out_ += resp_.fields;
    // RFC 9110 8.6: no Content-Length in 1xx/204; a 304 may omit it and we do. RFC 9110
    // 9.3.6: none in a 2xx to CONNECT either (a tunnel follows, not a body).
    const bool no_body = status_has_no_body(resp_.status) || resp_.takeover;
    if (!no_body) append_header(out_, "Content-Length", resp_.body_length());
    // RFC 9112 9.3/9.6: say "close" when we will close; a 1.0 client needs an explicit keep-alive.
    if (!keep) out_ += "Connection: close\r\n";
    else if (version_minor == 0) out_ += "Connection: keep-alive\r\n";
    end_head(out_);
    if (kept_->trace) {
        kept_->trace->server(std::string_view(out_).substr(0, out_.size() - 4));
        if (!resp_.note.empty()) kept_->trace->note(resp_.note);
    }
    return !no_body && !head_only && resp_.body_length() > 0;
}

net::task<std::uint64_t> Session::write_response(bool head_only, int version_minor, bool keep, net::error_code& ec) {
    const bool send_body = build_head(head_only, version_minor, keep);
    s_->expires_after(opts_->limits.send_timeout);
    if (!send_body || !resp_.file) {
        const std::string_view body = resp_.memory_body();
        std::array<asio::const_buffer, 2> bufs{asio::buffer(out_), asio::buffer(body.data(), body.size())};
        co_await s_->write(std::span<const asio::const_buffer>(bufs.data(), send_body ? 2 : 1), ec);
        co_return ec ? 0 : (send_body ? body.size() : 0);
    }
    // Head, then the file. (Sending the head with MSG_MORE to share a segment with the file
    // stalled on partial sendfile writes: the corked tail waited for delayed ACKs.)
    co_await s_->write(out_, ec);
    if (ec) co_return 0;
    // The send timeout bounds each step, as nginx's send_timeout: a slow client that keeps
    // taking bytes is not cut off, a stalled one is.
    std::uint64_t off = resp_.file_offset, left = resp_.file_length, done = 0;
    while (left > 0) {
        const std::uint64_t step =
            co_await s_->send_file_some(resp_.file.get(), off, left, opts_->limits.send_timeout, ec);
        if (ec) co_return done;
        off += step;
        left -= step;
        done += step;
    }
    co_return done;
}

// Answers an error that ends the connection, then closes gracefully.
net::task<void> Session::fail(int status, std::string_view detail, const Request* req) {
    resp_.clear();
    set_error(resp_, status, detail);
    net::error_code ec;
    out_.clear();
    const auto bytes = co_await write_response(false, 1, false, ec);
    log(req, status, bytes, std::time(nullptr));
    s_->expires_after(kErrorWriteTime);
    co_await linger();
}

// RFC 9112 9.6: close in stages so that unread client bytes do not turn our last response
// into a reset: half-close, then read and discard for a short, bounded time.
net::task<void> Session::linger() {
    co_await close_send();
    s_->expires_after(kLingerTime);
    std::size_t discarded = 0;
    reader_.clear();
    for (int i = 0; i < 1024 && discarded < kLingerBytes; ++i) {
        if (co_await reader_.fill() != net::ReadStatus::ok) break;
        discarded += reader_.data().size();
        reader_.clear();
    }
}

// Counts a request whose head has been read, and shows it in the transcript.
void Session::note_request(std::string_view head) {
    ++kept_->served;
    if (!kept_->trace) return;
    while (!head.empty() && (head.back() == '\n' || head.back() == '\r')) head.remove_suffix(1);
    kept_->trace->client(head);
}

// After a response went out whole on a connection that stays open: log, drop the request's
// bytes and the response's body references.
void Session::done_with(const Request& req, std::time_t started, std::size_t used, std::uint64_t bytes) {
    log(&req, resp_.status, bytes, started);
    resp_.file.reset();
    resp_.shared_owner.reset();
    reader_.consume(used);
    release_large_buffers();
}

// The common exchange without a coroutine: a bodiless request whose head is in the buffer,
// answered at once by ServerOptions::quick, and a response the socket takes whole.
Session::Quick Session::try_quick(std::size_t& used, std::time_t& started, std::size_t& written) {
    parser_.reset();
    const ParseResult pr = parser_.parse(reader_.data());
    if (pr.status != ParseStatus::complete) return Quick::declined;  // the usual path reads or answers it
    const Request& req = parser_.request();
    if (req.body != BodyKind::none) return Quick::declined;
    resp_.clear();
    bool handled = false;
    try {
        const ServerRequest sr{req, {}, peer_, s_->id(), kept_->served + 1, kept_->trace != nullptr, s_->is_tls()};
        handled = opts_->quick(sr, resp_);
    } catch (const std::exception&) {
        set_error(resp_, 500);
        resp_.close = true;
        handled = true;
    }
    if (!handled) return Quick::declined;
    note_request(reader_.data().substr(0, pr.consumed));
    used = pr.consumed;
    started = std::time(nullptr);
    if (resp_.file || resp_.takeover || !keep_alive(req)) return Quick::finish;
    const bool send_body = build_head(req.method == Method::head, req.version_minor, true);
    const std::string_view body = resp_.memory_body();
    const std::array<asio::const_buffer, 2> bufs{asio::buffer(out_), asio::buffer(body.data(), body.size())};
    net::error_code ec;
    written = s_->try_write(std::span<const asio::const_buffer>(bufs.data(), send_body ? 2 : 1), ec);
    if (ec) return Quick::write_rest;  // would_block, or an error the async write meets again
    done_with(req, started, used, send_body ? body.size() : 0);
    return Quick::answered;
}

// The rest of a quick response the socket did not take at once.
net::task<bool> Session::write_rest(const Request& req, std::time_t started, std::size_t used, std::size_t written) {
    const bool send_body = !status_has_no_body(resp_.status) && req.method != Method::head && resp_.body_length() > 0;
    const std::string_view body = resp_.memory_body();
    std::array<asio::const_buffer, 2> bufs{asio::buffer(out_), asio::buffer(body.data(), body.size())};
    std::size_t first = 0;
    if (written >= out_.size()) {
        first = 1;
        bufs[1] += written - out_.size();
    } else {
        bufs[0] += written;
    }
    net::error_code ec;
    s_->expires_after(opts_->limits.send_timeout);
    co_await s_->write(std::span<const asio::const_buffer>(bufs.data() + first, (send_body ? 2 : 1) - first), ec);
    if (ec) {
        log(&req, resp_.status, 0, started);
        co_return false;
    }
    done_with(req, started, used, send_body ? body.size() : 0);
    co_return true;
}

// Reads the next request head. Returns false when the connection ends instead (closed,
// idle timeout, or a malformed head, answered here). `used` is the head's length.
net::task<bool> Session::read_request(std::size_t& used) {
    ParseResult pr;
    if (!co_await read_head(pr)) co_return false;
    if (pr.status == ParseStatus::error) {
        if (kept_->trace) kept_->trace->note(std::string("bad request: ") + std::string(to_string(pr.error)));
        co_await fail(status_for(pr.error), to_string(pr.error));
        co_return false;
    }
    note_request(reader_.data().substr(0, pr.consumed));
    used = pr.consumed;
    body_.clear();
    co_return true;
}

// Reads the body of `req` into body_. Returns false when the connection ends instead (the
// client left, or the body was refused: 413, before_body, 400/408, all answered here).
// The head moves to head_copy_ first, so `used` becomes 0.
net::task<bool> Session::receive_body(const Request& req, std::time_t started, std::size_t& used) {
    const auto& lim = opts_->limits;
    if (req.body == BodyKind::length && req.content_length > lim.max_body) {
        co_await fail(413, "The request body is larger than allowed.", &req);
        co_return false;
    }
    if (opts_->before_body && co_await answer_early(req, started)) co_return false;
    // The reader may move its bytes while the body arrives: re-parse the head from a stable
    // copy so the request's views stay valid.
    head_copy_.assign(reader_.data().substr(0, used));
    reader_.consume(used);
    used = 0;
    parser_.reset();
    (void)parser_.parse(head_copy_);
    // RFC 9110 10.1.1: ask for the body only when it has not started to arrive.
    if (req.expect_continue && reader_.empty()) {
        net::error_code ec;
        s_->expires_after(lim.send_timeout);
        co_await s_->write(kContinue, ec);
        if (ec) co_return false;
    }
    s_->expires_after(lim.body_timeout);
    int status = 0;
    const auto outcome = co_await read_body(status);
    if (outcome == BodyOutcome::closed) co_return false;
    if (outcome == BodyOutcome::failed) {
        co_await fail(
            status,
            status == 408 ? "The request body did not arrive in time." : "The request body is malformed or too large.",
            &req);
        co_return false;
    }
    co_return true;
}

// ServerOptions::before_body: returns true if it answered (and the connection is done).
net::task<bool> Session::answer_early(const Request& req, std::time_t started) {
    resp_.clear();
    const ServerRequest sr{req, {}, peer_, s_->id(), kept_->served, kept_->trace != nullptr, s_->is_tls()};
    if (!opts_->before_body(sr, resp_)) co_return false;
    net::error_code ec;
    const auto bytes = co_await write_response(req.method == Method::head, req.version_minor, false, ec);
    log(&req, resp_.status, bytes, started);
    if (!ec) co_await linger();
    co_return true;
}

// Runs the handler into resp_; an exception becomes 500 and closes the connection.
net::task<void> Session::handle(const Request& req) {
    resp_.clear();
    bool handler_failed = false;
    try {
        const ServerRequest sr{req, body_, peer_, s_->id(), kept_->served, kept_->trace != nullptr, s_->is_tls()};
        if (!opts_->quick || !opts_->quick(sr, resp_)) co_await (*handler_)(sr, resp_);
    } catch (const std::exception&) {
        handler_failed = true;
    }
    if (handler_failed) {
        set_error(resp_, 500);
        resp_.close = true;
    }
}

// Writes resp_ and logs it. Returns true if the connection stays open for another request.
net::task<bool> Session::finish(const Request& req, std::time_t started, std::size_t used) {
    net::error_code ec;
    if (resp_.status / 100 != 2) resp_.takeover.reset();
    if (resp_.takeover) {
        // The connection becomes the tunnel's: the head, then the bytes it carries, then close.
        (void)co_await write_response(false, req.version_minor, true, ec);
        const auto takeover = std::move(resp_.takeover);
        log(&req, resp_.status, 0, started);
        if (ec) co_return false;
        reader_.consume(used);
        if (kept_->trace) kept_->trace->note("tunnel open");
        co_await takeover->run(*s_, reader_.data());
        if (kept_->trace) kept_->trace->note("tunnel closed");
        co_return false;
    }
    const bool keep = keep_alive(req);
    const auto bytes = co_await write_response(req.method == Method::head, req.version_minor, keep, ec);
    if (ec) {
        log(&req, resp_.status, bytes, started);
        resp_.file.reset();
        resp_.shared_owner.reset();
        co_return false;
    }
    done_with(req, started, used, bytes);
    if (keep) co_return true;
    // Pipelined bytes after a closing response are dropped; linger so they do not reset it.
    if (!reader_.empty()) co_await linger();
    else co_await close_send();
    co_return false;
}

// No more data from us: over TLS, close_notify first (RFC 8446 6.1, so that the client can
// tell the end from a truncation), then the TCP half-close. Under the current deadline.
net::task<void> Session::close_send() {
    if (s_->is_tls()) {
        net::error_code ec;
        co_await s_->shutdown_tls(ec, /*wait_for_peer=*/false);
    }
    s_->shutdown_send();
}

// The turn of a parked connection without a coroutine: requests whose heads are buffered,
// answered at once by ServerOptions::quick and taken whole by the socket, one after another
// until the socket is empty. Anything else (a body to read, a partial head, a response the
// socket did not take, a handler that waits) goes on in run(), from where this left it.
net::Step Session::poll() {
    while (true) {
        if (s_->draining() && reader_.empty()) return net::Step::done;
        if (s_->timed_out()) return net::Step::done;  // the idle deadline passed while parked
        if (reader_.empty()) {
            // A read a moment ago emptied the socket (no bytes, no FIN left): the next ones are
            // a new event. Otherwise read again (more bytes, the end of stream, or would_block).
            if (!reader_.drained()) {
                const auto st = reader_.try_fill();
                if (st != net::ReadStatus::ok && st != net::ReadStatus::would_block) return net::Step::done;
            }
            if (reader_.empty()) {
                s_->expires_after(opts_->limits.idle_timeout);
                return net::Step::park;
            }
        }
        Handover h;
        h.q = try_quick(h.used, h.started, h.written);
        if (h.q == Quick::answered) continue;
        quick_ = h;  // declined: nothing consumed; else run() writes what was answered
        return net::Step::resume;
    }
}

// RFC 9112 9.3: one request after another on the connection, each read, handled, answered.
// With `may_park`, returns park when no byte of the next request has arrived (RFC 9112 9.5:
// an idle keep-alive connection waits with its idle deadline set, holding nothing).
net::task<net::Step> Session::run(bool may_park) {
    constexpr auto done = net::Step::done;
    while (true) {
        std::size_t used = 0;  // reader bytes that belong to this request
        Handover h = std::exchange(quick_, Handover{});
        if (h.q == Quick::declined) {
            // Graceful shutdown began during the last response: nothing more is expected of us.
            if (s_->draining() && reader_.empty()) co_return done;
            if (s_->timed_out()) co_return done;  // the idle deadline passed while parked: close silently
            if (may_park && reader_.empty()) {
                const auto st = reader_.try_fill();
                if (st == net::ReadStatus::would_block) {
                    s_->expires_after(opts_->limits.idle_timeout);
                    co_return net::Step::park;
                }
                if (st != net::ReadStatus::ok) co_return done;  // EOF, reset, closed by a drain
            }
            if (opts_->quick && !reader_.empty()) h.q = try_quick(h.used, h.started, h.written);
        }
        used = h.used;
        if (h.q == Quick::answered) continue;
        if (h.q == Quick::write_rest) {
            if (!co_await write_rest(parser_.request(), h.started, used, h.written)) co_return done;
            continue;
        }
        if (h.q == Quick::finish) {
            if (!co_await finish(parser_.request(), h.started, used)) co_return done;
            continue;
        }
        if (!co_await read_request(used)) co_return done;
        const Request& req = parser_.request();
        const std::time_t started = std::time(nullptr);
        if (req.body != BodyKind::none && !co_await receive_body(req, started, used)) co_return done;
        co_await handle(req);
        if (!co_await finish(req, started, used)) co_return done;
    }
}

// Sessions recycled per thread (see Session).
thread_local std::vector<std::unique_ptr<Session>> t_sessions;

std::unique_ptr<Session> take_session(net::Stream& s, const Handler& h, const ServerOptions& o, Kept& kept) {
    if (t_sessions.empty()) return std::make_unique<Session>(s, h, o, kept);
    auto session = std::move(t_sessions.back());
    t_sessions.pop_back();
    session->attach(s, h, o, kept);
    return session;
}

void recycle(std::unique_ptr<Session> session) {
    if (session && session->detach() && t_sessions.size() < kSpares) t_sessions.push_back(std::move(session));
}

// What every connection of a service shares (one per service).
struct Service {
    const Handler& handler;
    const ServerOptions& opts;
};

// A connection of a parking service: between requests only Kept remains (and the words that
// find the service and, during a turn, its Session). A turn takes a recycled Session, serves
// on it and gives it back when the connection parks or ends.
class Connection final : public net::Resumable {
public:
    Connection(net::Stream& s, const Service& svc) : svc_(svc), kept_(s, svc.opts) {}
    ~Connection() override { recycle(std::move(session_)); }
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    net::Step poll(net::Stream& s) override {
        // Over TLS the socket's readiness says nothing of the engine's bytes: coroutine turns.
        if (!svc_.opts.quick || s.is_tls()) return net::Step::resume;
        session_ = take_session(s, svc_.handler, svc_.opts, kept_);
        const net::Step next = session_->poll();
        if (next != net::Step::resume) recycle(std::move(session_));
        return next;
    }

    net::task<net::Step> resume(net::Stream& s) override {
        if (!session_) session_ = take_session(s, svc_.handler, svc_.opts, kept_);
        const net::Step next = co_await session_->run(/*may_park=*/true);
        recycle(std::move(session_));
        co_return next;
    }

private:
    const Service& svc_;
    Kept kept_;
    std::unique_ptr<Session> session_;  // only during a turn
};

}  // namespace

net::task<void> serve(net::Stream& stream, const Handler& handler, const ServerOptions& opts) {
    Kept kept(stream, opts);
    auto session = take_session(stream, handler, opts, kept);
    (void)co_await session->run(/*may_park=*/false);
    recycle(std::move(session));
}

net::ResumableFactory service(const Handler& handler, const ServerOptions& opts) {
    return [svc = std::make_shared<const Service>(Service{handler, opts})](
               net::Stream& s) -> std::unique_ptr<net::Resumable> { return std::make_unique<Connection>(s, *svc); };
}

}  // namespace http
