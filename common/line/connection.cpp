#include "line/connection.hpp"

#include <algorithm>
#include <utility>

#include "net/endpoint.hpp"

namespace line {

namespace {
constexpr std::size_t kMaxQueued = 64 * 1024;          // send_data flushes beyond this
constexpr std::size_t kKeepCapacity = 4096;            // an idle connection keeps at most this much buffer
constexpr std::chrono::milliseconds kLastWords{2000};  // timeout/limit replies before closing
constexpr std::chrono::milliseconds kLinger{1000};     // draining the client after our close
constexpr std::size_t kLingerBytes = 64 * 1024;
}  // namespace

Connection::Connection(net::Stream& stream, const Limits& limits, const Dialect& dialect)
    : stream_(stream),
      limits_(limits),
      dialect_(dialect),
      lines_(stream, {.max_line = limits.max_line_before_login, .allow_bare_lf = limits.allow_bare_lf}),
      trace_(dialect.protocol, stream.id(), net::to_string(stream.peer())) {
    if (trace_.enabled()) trace_.note("connected to " + net::to_string(stream.local()));
}

Connection::~Connection() {
    if (trace_.enabled()) trace_.note("closed");
}

void Connection::set_logged_in(bool on) {
    logged_in_ = on;
    lines_.set_max_line(on ? limits_.max_line : limits_.max_line_before_login);
}

net::task<Next> Connection::next_command(std::string_view& line, bool may_park) {
    while (!closing_ && !failed_) {
        if (stream_.timed_out()) {  // the idle deadline passed while parked
            end_on(net::LineStatus::timeout);
            break;
        }
        if (stream_.draining()) {
            // A busy session finishes its exchange, then says why it ends.
            if (!dialect_.shutting_down.empty()) reply(dialect_.shutting_down);
            break;
        }
        const std::size_t budget = logged_in_ ? limits_.max_line : limits_.max_line_before_login;
        if (lines_.options().max_line != budget) lines_.set_max_line(budget);  // after a DATA-like exchange
        if (!lines_.has_line() && !co_await flush()) break;
        if (may_park && !busy_ && lines_.reader().empty()) {
            const auto st = lines_.reader().try_fill();
            if (st == net::ReadStatus::would_block) {
                stream_.expires_after(limits_.idle_timeout);
                // Flushed: a parked session keeps no reply buffer (the next reply allocates one),
                // unless work beside the loop is still writing from it.
                if (!flushing_) {
                    std::string().swap(out_);
                    std::string().swap(sending_);
                }
                co_return Next::park;
            }
            if (st == net::ReadStatus::eof || st == net::ReadStatus::closed || st == net::ReadStatus::error) {
                end_on(st == net::ReadStatus::eof ? net::LineStatus::eof : net::LineStatus::closed);
                break;
            }
        }
        stream_.expires_after(limits_.idle_timeout);
        const auto st = co_await lines_.read_line(line, /*between_messages=*/!busy_);
        if (st == net::LineStatus::ok) {
            if (!logged_in_ && limits_.max_commands_before_login != 0 &&
                ++commands_ > limits_.max_commands_before_login) {
                trace_.note("command budget before login spent");
                reply(dialect_.too_many_commands);
                break;
            }
            co_return Next::command;
        }
        if (st == net::LineStatus::too_long) {
            trace_.client("<line over " + std::to_string(lines_.options().max_line) + " bytes>");
            reply(dialect_.line_too_long);
            count_error();
            continue;
        }
        end_on(st);
        break;
    }
    closing_ = true;
    co_return Next::end;
}

void Connection::end_on(net::LineStatus st) {
    if (st == net::LineStatus::timeout) {
        trace_.note("idle timeout");
        if (!dialect_.timeout.empty()) reply(dialect_.timeout);
    } else {
        trace_.note(std::string("client ") + std::string(net::to_string(st)));
    }
}

void Connection::trace_command(std::string_view line, Shown shown) const {
    if (!trace_.enabled()) return;
    trace_.client(shown_line(line, shown));
}

void Connection::count_error() {
    if (limits_.max_errors == 0 || ++errors_ < limits_.max_errors) return;
    trace_.note("too many errors");
    reply(dialect_.too_many_errors);
    closing_ = true;
}

net::task<net::LineStatus> Connection::read_line(std::string_view& line, std::size_t max_line) {
    if (lines_.options().max_line != max_line) lines_.set_max_line(max_line);
    if (!lines_.has_line() && !co_await flush()) co_return net::LineStatus::closed;
    const auto st = co_await lines_.read_line(line, /*between_messages=*/false);
    co_return st;
}

net::Reader& Connection::bytes() { return lines_.reader(); }

void Connection::reply(std::string_view text) {
    trace_.server(text);
    out_ += text;
    out_ += "\r\n";
}

void Connection::reply_lines(std::string_view code, std::span<const std::string> lines) {
    for (std::size_t i = 0; i < lines.size(); ++i) {
        std::string l(code);
        l += i + 1 < lines.size() ? '-' : ' ';
        l += lines[i];
        reply(l);
    }
}

net::task<bool> Connection::send_data(std::string_view bytes) {
    out_ += bytes;
    if (out_.size() < kMaxQueued) co_return !failed_;
    co_return co_await flush();
}

net::task<bool> Connection::flush() { co_return co_await flush_within(limits_.send_timeout); }

net::task<bool> Connection::flush_within(std::chrono::milliseconds timeout) {
    if (failed_) co_return false;
    if (flushing_) co_return true;  // the running flush writes these too, in order
    flushing_ = true;
    while (!out_.empty()) {
        std::swap(out_, sending_);
        out_.clear();
        net::error_code ec;
        stream_.expires_after(timeout);
        co_await stream_.write(sending_, ec);
        sending_.clear();
        if (ec) {
            trace_.note("write failed: " + ec.message());
            failed_ = closing_ = true;
            out_.clear();
            break;
        }
    }
    flushing_ = false;
    // An idle connection should cost little: big batches (a listing, a message) are given back.
    if (out_.capacity() > kKeepCapacity) std::string().swap(out_);
    if (sending_.capacity() > kKeepCapacity) std::string().swap(sending_);
    co_return !failed_;
}

void Connection::note(std::string_view text) const { trace_.note(text); }

net::task<bool> Connection::start_tls(asio::ssl::context& ctx) {
    if (!co_await flush()) co_return false;
    auto& rd = lines_.reader();
    if (!rd.empty()) {
        // RFC 3207 5 (and CVE-2011-0411): plaintext pipelined after STARTTLS could be injected by
        // a man in the middle; nothing from before the handshake is acted upon.
        trace_.note("discarded " + std::to_string(rd.data().size()) + " byte(s) sent before the TLS handshake");
        rd.clear();
    }
    stream_.expires_after(limits_.tls_timeout);
    net::error_code ec;
    co_await stream_.start_tls(ctx, ec);
    if (ec) {
        trace_.note("TLS handshake failed: " + ec.message());
        failed_ = closing_ = true;
        co_return false;
    }
    if (trace_.enabled()) trace_.note("TLS started: " + stream_.tls_description());
    co_return true;
}

net::task<void> Connection::finish() {
    closing_ = true;
    if (!failed_) (void)co_await flush_within(std::min(limits_.send_timeout, kLastWords));
    if (!stream_.is_open()) co_return;
    stream_.shutdown_send();
    stream_.expires_after(kLinger);
    auto& rd = lines_.reader();
    std::size_t discarded = 0;
    rd.clear();
    for (int i = 0; i < 64 && discarded < kLingerBytes; ++i) {
        if (co_await rd.fill() != net::ReadStatus::ok) break;
        discarded += rd.data().size();
        rd.clear();
    }
    stream_.close();
}

}  // namespace line
