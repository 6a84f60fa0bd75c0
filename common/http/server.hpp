// The HTTP/1.1 server session driver: one connection, many requests (RFC 9112 9.3).
// Reads each request head and body under limits and deadlines, hands the request to a
// handler, writes the response (in-memory body or a file region sent with sendfile),
// keeps the connection alive or closes it. Protocol policy (what a request means) stays
// in the handler; framing, limits, 100-continue, 400/408/413/414/431/505 live here.
#pragma once

#include <chrono>
#include <cstdint>
#include <ctime>
#include <functional>
#include <string>
#include <string_view>

#include "fs/file_handle.hpp"
#include "http/message.hpp"
#include "http/parser.hpp"
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
    std::chrono::milliseconds send_timeout{30000};    ///< each write (file bodies: each 1 MiB step); then close
};

/// A request as the handler sees it. Views stay valid until the handler's task completes.
struct ServerRequest {
    const Request& head;             ///< parsed head (method, target, headers, keep_alive, ...)
    std::string_view body;           ///< decoded body (Content-Length or chunked); "" if none
    const net::tcp::endpoint& peer;  ///< client address
    std::uint64_t session_id = 0;    ///< the connection's id (logs, transcripts)
    std::size_t index = 0;           ///< 1 for the first request on the connection
};

/// What a handler answers. The driver adds Date, Server, Content-Length and Connection,
/// omits the body for HEAD and for 204/304, and closes the connection when asked or needed.
struct Response {
    int status = 200;
    /// Further header lines in wire form; fill with `add_header` (never Content-Length).
    std::string fields;
    /// In-memory body, used when `file` is not set.
    std::string body;
    /// File body: `file_length` bytes of `file` from `file_offset`, sent with sendfile(2).
    fs::FileHandle file;
    std::uint64_t file_offset = 0;
    std::uint64_t file_length = 0;
    /// Close the connection after this response.
    bool close = false;

    /// Appends "name: value"; returns false (appending nothing) if the name is not a token
    /// or the value holds CR, LF or NUL (response splitting).
    bool add_header(std::string_view name, std::string_view value);
    /// Appends "name: value" for a number.
    void add_header(std::string_view name, std::uint64_t value);
    /// Uses an open file region as the body.
    void set_file(fs::FileHandle fd, std::uint64_t offset, std::uint64_t length);
    /// Length of the body the driver will announce.
    [[nodiscard]] std::uint64_t body_length() const { return file ? file_length : body.size(); }
    /// Resets to a fresh 200 with no fields and no body (keeps string capacity).
    void clear();
};

/// Makes `r` a small HTML error page for `status` ("404 Not Found"), with Content-Type.
void set_error(Response& r, int status, std::string_view detail = {});

/// One finished exchange, for access logs. `request` is null when the head never parsed
/// (400/408/414/431 before a request existed).
struct LogEntry {
    const net::tcp::endpoint& peer;
    const Request* request = nullptr;
    int status = 0;
    std::uint64_t body_bytes = 0;  ///< body bytes actually written
    std::time_t time = 0;          ///< when the request (or the failure) happened
};

/// Formats an entry in the Combined Log Format (Apache/nginx "combined"), no newline:
/// `127.0.0.1 - - [23/Nov/2026:11:20:24 +0000] "GET / HTTP/1.1" 200 612 "-" "curl/7.88.1"`
void format_combined_log(const LogEntry& e, std::string& out);

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
    /// Protocol label of transcript lines (--trace): "http #12 127.0.0.1:5000 C: GET / HTTP/1.1".
    std::string trace_label = "http";
};

/// Serves HTTP/1.1 (and 1.0) on `stream` until the client closes, a limit or deadline ends
/// the connection, a response asks to close, or the server drains. Pipelined requests are
/// answered in order. Never throws for network failures; a handler's exception becomes 500.
[[nodiscard]] net::task<void> serve(net::Stream& stream, const Handler& handler, const ServerOptions& opts);

}  // namespace http
