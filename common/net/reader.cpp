#include "net/reader.hpp"

#include <cstring>
#include <utility>

namespace net {

std::string_view to_string(ReadStatus s) {
    switch (s) {
        case ReadStatus::ok: return "ok";
        case ReadStatus::would_block: return "would_block";
        case ReadStatus::eof: return "eof";
        case ReadStatus::timeout: return "timeout";
        case ReadStatus::limit: return "limit";
        case ReadStatus::closed: return "closed";
        case ReadStatus::error: return "error";
    }
    return "?";
}

std::string_view to_string(LineStatus s) {
    switch (s) {
        case LineStatus::ok: return "ok";
        case LineStatus::too_long: return "too_long";
        case LineStatus::eof: return "eof";
        case LineStatus::timeout: return "timeout";
        case LineStatus::closed: return "closed";
        case LineStatus::error: return "error";
    }
    return "?";
}

namespace {
ReadStatus classify(const error_code& ec) {
    if (ec == asio::error::eof || ec == asio::error::connection_reset || ec == asio::error::broken_pipe ||
        ec == asio::ssl::error::stream_truncated)
        return ReadStatus::eof;
    if (ec == asio::error::timed_out) return ReadStatus::timeout;
    if (ec == asio::error::operation_aborted || ec == asio::error::bad_descriptor) return ReadStatus::closed;
    return ReadStatus::error;
}
}  // namespace

Reader::Reader(Stream& stream, std::size_t capacity) : stream_(&stream), capacity_(capacity) {}

void Reader::rebind(Stream& stream, std::size_t capacity) {
    clear();
    stream_ = &stream;
    capacity_ = capacity;
    next_capacity_ = 0;
    drained_ = false;
}
Reader::~Reader() = default;

std::string_view Reader::data() const {
    return buf_ ? std::string_view(buf_.data() + begin_, end_ - begin_) : std::string_view();
}

void Reader::consume(std::size_t n) {
    begin_ += n;
    if (begin_ >= end_) {
        // Empty: give the buffer back so an idle connection holds none.
        begin_ = end_ = 0;
        buf_.release();
        if (next_capacity_ != 0) capacity_ = std::exchange(next_capacity_, 0);
    }
}

void Reader::set_capacity(std::size_t capacity) {
    next_capacity_ = 0;
    if (!buf_) {
        capacity_ = capacity;
        return;
    }
    if (capacity < capacity_) {
        next_capacity_ = capacity;  // the buffered bytes stay until consumed
        return;
    }
    if (capacity > buf_.size()) {
        auto bigger = PooledBuffer::acquire(capacity);
        std::memcpy(bigger.data(), buf_.data() + begin_, end_ - begin_);
        end_ -= begin_;
        begin_ = 0;
        buf_ = std::move(bigger);
    }
    capacity_ = capacity;
}

void Reader::clear() { consume(end_ - begin_); }

void Reader::compact() {
    if (begin_ == 0) return;
    std::memmove(buf_.data(), buf_.data() + begin_, end_ - begin_);
    end_ -= begin_;
    begin_ = 0;
}

ReadStatus Reader::try_fill() {
    if (stream_->is_tls()) return ReadStatus::ok;
    if (buf_ && end_ - begin_ >= capacity_) return ReadStatus::limit;
    const bool had = static_cast<bool>(buf_);
    if (!had) {
        buf_ = PooledBuffer::acquire(capacity_);
        begin_ = end_ = 0;
    } else if (end_ == capacity_) {
        compact();
    }
    error_code ec;
    const std::size_t n = stream_->try_read(asio::buffer(buf_.data() + end_, capacity_ - end_), ec, &drained_);
    if (!ec && n > 0) {
        end_ += n;
        return ReadStatus::ok;
    }
    if (begin_ == end_) consume(0);   // give an empty buffer back
    if (!ec) return ReadStatus::eof;  // a zero-byte read is the peer's FIN
    if (ec == asio::error::would_block || ec == asio::error::try_again) return ReadStatus::would_block;
    return classify(ec);
}

task<ReadStatus> Reader::fill(bool between_messages) {
    drained_ = false;  // said of try_fill's reads only
    error_code ec;
    if (!buf_) {
        // Speculative non-blocking read first (pipelined or already-arrived data), then wait
        // for readability without holding a buffer.
        buf_ = PooledBuffer::acquire(capacity_);
        std::size_t n = stream_->try_read(asio::buffer(buf_.data(), capacity_), ec);
        if (!ec && n > 0) {
            end_ = n;
            co_return ReadStatus::ok;
        }
        buf_.release();
        if (ec && ec != asio::error::would_block && ec != asio::error::try_again) co_return classify(ec);
        if (between_messages) stream_->set_idle(true);
        co_await stream_->wait_readable(ec);
        stream_->set_idle(false);
        if (ec) co_return classify(ec);
        buf_ = PooledBuffer::acquire(capacity_);
        begin_ = end_ = 0;
    } else {
        if (end_ - begin_ >= capacity_) co_return ReadStatus::limit;
        if (end_ == capacity_) compact();
    }
    std::size_t n = co_await stream_->read_some(asio::buffer(buf_.data() + end_, capacity_ - end_), ec);
    if (ec) {
        if (begin_ == end_) consume(0);
        co_return classify(ec);
    }
    end_ += n;
    co_return ReadStatus::ok;
}

LineReader::LineReader(Stream& stream, LineOptions opts) : reader_(stream, opts.max_line + 2), opts_(opts) {}

namespace {
LineStatus to_line(ReadStatus s) {
    switch (s) {
        case ReadStatus::eof: return LineStatus::eof;
        case ReadStatus::timeout: return LineStatus::timeout;
        case ReadStatus::closed: return LineStatus::closed;
        default: return LineStatus::error;
    }
}
}  // namespace

void LineReader::set_max_line(std::size_t max_line) {
    opts_.max_line = max_line;
    reader_.set_capacity(max_line + 2);
}

bool LineReader::has_line() const {
    std::string_view d = reader_.data().substr(pending_consume_);
    if (d.size() >= reader_.capacity()) return true;  // read_line reports too_long at once
    // The tail of an over-long line being skipped ends at the first terminator: one more is needed.
    int wanted = skipping_ ? 2 : 1;
    for (std::size_t pos = 0;;) {
        const auto lf = d.find('\n', pos);
        if (lf == std::string_view::npos) return false;
        if ((opts_.allow_bare_lf || (lf > 0 && d[lf - 1] == '\r')) && --wanted == 0) return true;
        pos = lf + 1;
    }
}

task<LineStatus> LineReader::read_line(std::string_view& line, bool between_messages) {
    if (pending_consume_) {
        reader_.consume(pending_consume_);
        pending_consume_ = 0;
    }
    std::size_t scanned = 0;
    for (;;) {
        std::string_view d = reader_.data();
        // Find the terminator: LF, and with allow_bare_lf=false only one preceded by CR.
        std::size_t pos = scanned;
        std::size_t eol = std::string_view::npos;
        while (pos < d.size()) {
            auto lf = d.find('\n', pos);
            if (lf == std::string_view::npos) break;
            if (opts_.allow_bare_lf || (lf > 0 && d[lf - 1] == '\r')) {
                eol = lf;
                break;
            }
            pos = lf + 1;
        }
        if (eol != std::string_view::npos) {
            std::size_t len = eol;
            if (len > 0 && d[len - 1] == '\r') --len;
            if (skipping_) {
                // Tail of an over-long line: drop it and go on with the next one.
                skipping_ = false;
                reader_.consume(eol + 1);
                scanned = 0;
                continue;
            }
            if (len > opts_.max_line) {
                reader_.consume(eol + 1);
                co_return LineStatus::too_long;
            }
            line = d.substr(0, len);
            pending_consume_ = eol + 1;
            co_return LineStatus::ok;
        }
        if (d.size() >= reader_.capacity() || (skipping_ && !d.empty())) {
            // No terminator within the limit. Keep a trailing CR (it may start CRLF).
            std::size_t keep = (!d.empty() && d.back() == '\r') ? 1 : 0;
            reader_.consume(d.size() - keep);
            scanned = 0;
            if (!skipping_) {
                skipping_ = true;
                co_return LineStatus::too_long;
            }
        } else {
            scanned = d.size();
        }
        // Only an empty buffer is between lines; a partial line is a message in progress.
        auto st = co_await reader_.fill(between_messages && reader_.empty());
        if (st != ReadStatus::ok) co_return to_line(st);
    }
}

}  // namespace net
