// The HTTP/1.1 server session driver: one connection, many requests (RFC 9112 9.3).
// Reads each request head and body under limits and deadlines, hands the request to a
// handler, writes the response (in-memory body or a file region sent with sendfile),
// keeps the connection alive or closes it. Protocol policy (what a request means) stays
// in the handler; framing, limits, 100-continue, 400/408/413/414/431/505 live here.
// The handler's types (ServerRequest, Response, LogEntry) are pure: http/exchange.hpp.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "http/exchange.hpp"
#include "http/parser.hpp"
#include "net/server.hpp"
#include "net/stream.hpp"

namespace http {

/// Limits and deadlines of one connection. Every limit has its own response.
struct ServerLimits {
    ParserLimits parser{};                            ///< 414 / 431 / 400 on the head
    std::uint64_t max_body = 1 << 20;                 ///< decoded request body bytes; over -> 413 and close
    std::size_t max_requests = 1000;                  ///< per connection, then close; 0 = unlimited
    std::chrono::milliseconds idle_timeout{15000};    ///< waiting for a request to start; then close silently
    std::chrono::milliseconds header_timeout{10000};  ///< first byte to end of head; then 408 and close
    std::chrono::milliseconds body_timeout{30000};    ///< reading the whole body; then 408 and close
    std::chrono::milliseconds send_timeout{30000};    ///< each write (file bodies: each sendfile step); then close
};

/// The reply the connection limiter writes to a client refused at accept, before any request
/// is read (net::TcpServiceConfig::busy_reply): a complete 503 that closes the connection.
inline constexpr std::string_view kBusyReply =
    "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";

/// What takes a connection over after a 2xx head (Response::takeover): a CONNECT tunnel.
class Takeover {
public:
    virtual ~Takeover() = default;
    /// Runs until the connection is done with; the driver closes it afterwards. `early` are
    /// the bytes the client sent after the request head that the driver already read.
    /// Sets its own deadlines on `client`.
    [[nodiscard]] virtual net::task<void> run(net::Stream& client, std::string_view early) = 0;
};

/// Produces the response for one request. Runs on the connection's thread.
using Handler = std::function<net::task<void>(const ServerRequest&, Response&)>;

struct ServerOptions {
    ServerLimits limits{};
    std::string server_name = "netsuite";        ///< Server header value; empty: no Server header
    std::function<void(const LogEntry&)> log{};  ///< called after every response, if set
    /// Optional early answer for a request that has a body, called before the body is read
    /// (and before "100 Continue"), with `body` empty. Returning true sends `resp` at once
    /// and closes the connection (the body is never read), e.g. 405 for a PUT that is not allowed.
    std::function<bool(const ServerRequest&, Response&)> before_body{};
    /// Optional: answers a request at once when it can (a file from memory), without a
    /// coroutine; false leaves the request to the handler. Tried first for every request; a
    /// request without a body whose head is already buffered is then also read, answered
    /// and written (when the socket takes the response whole) without suspending.
    std::function<bool(const ServerRequest&, Response&)> quick{};
    /// Protocol label of transcript lines (--trace): "http #12 127.0.0.1:5000 C: GET / HTTP/1.1".
    std::string trace_label = "http";
};

/// Serves HTTP/1.1 (and 1.0) on `stream` until the client closes, a limit or deadline ends
/// the connection, a response asks to close, or the server drains. Pipelined requests are
/// answered in order. Never throws for network failures; a handler's exception becomes 500.
[[nodiscard]] net::task<void> serve(net::Stream& stream, const Handler& handler, const ServerOptions& opts);

/// The same as a service of parking sessions (net::Runtime::add_tcp): between requests an
/// idle connection holds no coroutine, buffer or parser, only its socket and a few words.
/// `handler` and `opts` must outlive the runtime.
[[nodiscard]] net::ResumableFactory service(const Handler& handler, const ServerOptions& opts);

}  // namespace http
