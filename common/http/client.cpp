#include "http/client.hpp"

#include <boost/asio/experimental/awaitable_operators.hpp>
#include <deque>
#include <map>
#include <optional>

#include "http/chunked.hpp"
#include "net/stream.hpp"

namespace http {

namespace {

using namespace asio::experimental::awaitable_operators;
constexpr auto tuple_awaitable = asio::as_tuple(asio::use_awaitable);
constexpr std::size_t kReadChunk = 16 * 1024;

// The idle connections of one io_context (one worker thread), per origin. Cleared when the
// context shuts down, while the streams' deadline service still exists.
class Pool final : public asio::execution_context::service {
public:
    static inline asio::execution_context::id id;
    explicit Pool(asio::io_context& ctx) : service(ctx) {}

    struct Idle {
        net::Stream stream;
        net::Clock::time_point since;
    };

    // A live idle connection to `key`, newest first; stale or closed ones are dropped.
    std::optional<net::Stream> take(const std::string& key, std::chrono::milliseconds idle_timeout) {
        auto it = idle_.find(key);
        if (it == idle_.end()) return std::nullopt;
        auto& q = it->second;
        const auto now = net::Clock::now();
        while (!q.empty()) {
            Idle c = std::move(q.back());
            q.pop_back();
            if (now - c.since > idle_timeout) continue;
            // An origin that closed (or sent bytes nobody asked for) is readable now.
            char probe;
            net::error_code ec;
            (void)c.stream.try_read(asio::buffer(&probe, 1), ec);
            if (ec == asio::error::would_block || ec == asio::error::try_again) {
                if (q.empty()) idle_.erase(it);
                return std::move(c.stream);
            }
        }
        idle_.erase(it);
        return std::nullopt;
    }

    void put(const std::string& key, net::Stream s, std::size_t cap) {
        if (cap == 0) return;
        auto& q = idle_[key];
        while (q.size() >= cap) q.pop_front();
        s.expires_never();
        q.push_back({std::move(s), net::Clock::now()});
    }

    [[nodiscard]] std::size_t size() const {
        std::size_t n = 0;
        for (const auto& [k, q] : idle_) n += q.size();
        return n;
    }

private:
    void shutdown() override { idle_.clear(); }
    std::map<std::string, std::deque<Idle>> idle_;
};

Pool& pool_of(const asio::any_io_executor& ex) {
    const auto* io = ex.target<asio::io_context::executor_type>();
    if (io == nullptr) throw std::logic_error("http::fetch: not running on an io_context");
    return asio::use_service<Pool>(io->context());
}

ClientError from(const net::error_code& ec) {
    return ec == asio::error::timed_out ? ClientError::timed_out : ClientError::closed;
}

// Reads one response on `s`. `in` holds nothing yet; `got_any` tells whether a byte came.
net::task<ClientError> read_response(net::Stream& s, bool head_request, const ClientLimits& limits, ClientResponse& out,
                                     bool& got_any, bool& reusable) {
    std::string in;
    std::string buf(kReadChunk, '\0');
    ResponseHead head;
    std::size_t head_len = 0;
    net::error_code ec;
    s.expires_after(limits.head_timeout);
    for (;;) {
        const auto r = parse_response_head(in, head_request, head, limits.head);
        if (r.status == ParseStatus::error) co_return ClientError::bad_response;
        if (r.status == ParseStatus::complete) {
            // 1xx interim responses (103 Early Hints) are skipped (RFC 9110 15.2); 101 is not asked for.
            if (head.status >= 100 && head.status < 200) {
                in.erase(0, r.consumed);
                continue;
            }
            head_len = r.consumed;
            break;
        }
        const std::size_t n = co_await s.read_some(asio::buffer(buf.data(), buf.size()), ec);
        if (ec) co_return from(ec);
        got_any = true;
        in.append(buf.data(), n);
    }
    out.status = head.status;
    out.reason = std::string(head.reason);
    out.headers.clear();
    for (const auto& h : head.headers) out.headers.emplace_back(std::string(h.name), std::string(h.value));
    out.body.clear();
    in.erase(0, head_len);

    s.expires_after(limits.body_timeout);
    switch (head.body) {
        case ResponseBody::none: break;
        case ResponseBody::length: {
            if (head.content_length > limits.max_body) co_return ClientError::body_too_large;
            out.body.reserve(head.content_length);
            out.body.append(in, 0, std::min<std::size_t>(in.size(), head.content_length));
            if (in.size() > head.content_length) head.keep_alive = false;  // bytes beyond the body
            while (out.body.size() < head.content_length) {
                const std::size_t want = std::min<std::uint64_t>(buf.size(), head.content_length - out.body.size());
                const std::size_t n = co_await s.read_some(asio::buffer(buf.data(), want), ec);
                if (ec) co_return from(ec);
                out.body.append(buf.data(), n);
            }
            break;
        }
        case ResponseBody::chunked: {
            ChunkedDecoder dec(ChunkedLimits{.max_body = limits.max_body, .max_line = 4096, .max_trailer = 8192});
            for (;;) {
                bool need_more = in.empty();
                while (!in.empty()) {
                    const auto c = dec.decode(in);
                    if (c.status == ChunkStatus::error)
                        co_return c.error == ChunkError::body_too_large ? ClientError::body_too_large
                                                                        : ClientError::bad_response;
                    if (c.status == ChunkStatus::data) out.body.append(c.data);
                    in.erase(0, c.consumed);
                    if (c.status == ChunkStatus::done) break;
                    if (c.status == ChunkStatus::need_more) {
                        need_more = true;
                        break;
                    }
                }
                if (dec.done()) break;
                if (!need_more && !in.empty()) continue;
                const std::size_t n = co_await s.read_some(asio::buffer(buf.data(), buf.size()), ec);
                if (ec) co_return from(ec);
                in.append(buf.data(), n);
            }
            if (!in.empty()) head.keep_alive = false;
            break;
        }
        case ResponseBody::until_close: {
            out.body = std::move(in);
            for (;;) {
                if (out.body.size() > limits.max_body) co_return ClientError::body_too_large;
                const std::size_t n = co_await s.read_some(asio::buffer(buf.data(), buf.size()), ec);
                if (ec == asio::error::eof) break;
                if (ec) co_return from(ec);
                out.body.append(buf.data(), n);
            }
            break;
        }
    }
    if (out.body.size() > limits.max_body) co_return ClientError::body_too_large;
    reusable = head.keep_alive && head.body != ResponseBody::until_close;
    co_return ClientError::none;
}

}  // namespace

net::task<std::optional<net::Stream>> connect(const Origin& origin, std::chrono::milliseconds timeout) {
    auto ex = co_await asio::this_coro::executor;
    for (const auto& ep : origin.endpoints) {
        net::tcp::socket sock(ex);
        asio::steady_timer timer(ex);
        timer.expires_after(timeout);
        auto r = co_await (sock.async_connect(ep, tuple_awaitable) || timer.async_wait(tuple_awaitable));
        if (r.index() == 1) continue;
        if (std::get<0>(std::get<0>(r))) continue;
        co_return net::Stream(std::move(sock));
    }
    co_return std::nullopt;
}

std::string_view to_string(ClientError e) {
    switch (e) {
        case ClientError::none: return "none";
        case ClientError::connect_failed: return "connect_failed";
        case ClientError::timed_out: return "timed_out";
        case ClientError::closed: return "closed";
        case ClientError::bad_response: return "bad_response";
        case ClientError::body_too_large: return "body_too_large";
    }
    return "unknown";
}

std::string_view ClientResponse::header(std::string_view name) const {
    for (const auto& [n, v] : headers)
        if (iequals(n, name)) return v;
    return {};
}

std::string ClientResponse::joined(std::string_view name) const {
    std::string out;
    for (const auto& [n, v] : headers) {
        if (!iequals(n, name)) continue;
        if (!out.empty()) out += ", ";
        out += v;
    }
    return out;
}

net::task<ClientError> fetch(const Origin& origin, std::string_view request, bool head_request, bool idempotent,
                             const ClientLimits& limits, ClientResponse& out) {
    auto ex = co_await asio::this_coro::executor;
    Pool& pool = pool_of(ex);
    for (int attempt = 0; attempt < 2; ++attempt) {
        std::optional<net::Stream> s = pool.take(origin.key, limits.idle_timeout);
        const bool reused = s.has_value();
        if (!s) {
            s = co_await connect(origin, limits.connect_timeout);
            if (!s) co_return ClientError::connect_failed;
        }
        net::error_code ec;
        s->expires_after(limits.send_timeout);
        co_await s->write(request, ec);
        bool got_any = false, reusable = false;
        ClientError e = ec ? from(ec) : ClientError::none;
        if (!ec) {
            const ClientError r = co_await read_response(*s, head_request, limits, out, got_any, reusable);
            e = r;
        }
        // A pooled connection the origin closed meanwhile: try once more on a fresh one.
        if (e == ClientError::closed && reused && !got_any && idempotent) continue;
        if (e == ClientError::none && reusable) pool.put(origin.key, std::move(*s), limits.max_idle_per_origin);
        co_return e;
    }
    co_return ClientError::closed;
}

std::size_t pooled_connections(asio::io_context& ctx) {
    return asio::has_service<Pool>(ctx) ? asio::use_service<Pool>(ctx).size() : 0;
}

}  // namespace http
