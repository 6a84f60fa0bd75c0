// An HTTP/1.1 client on the shared core (net::Stream): connect under a deadline, send one
// request, read the response head (http/response_head.hpp) and its body framed by
// Content-Length, chunked or close, each step under its own deadline and size limit.
// Persistent connections are pooled per io_context (one worker thread), a few per origin,
// dropped when idle too long or closed by the origin.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "http/response_head.hpp"
#include "net/asio.hpp"
#include "net/stream.hpp"

namespace http {

/// Deadlines and limits of a fetch. Every crossing is a ClientError.
struct ClientLimits {
    std::chrono::milliseconds connect_timeout{5000};  ///< TCP connect; then timed_out
    std::chrono::milliseconds send_timeout{10000};    ///< writing the request; then timed_out
    std::chrono::milliseconds head_timeout{15000};    ///< request sent to end of response head
    std::chrono::milliseconds body_timeout{60000};    ///< the whole body
    ResponseLimits head{};                            ///< head_too_large etc. -> bad_response
    std::uint64_t max_body = 64u << 20;               ///< decoded body; over -> body_too_large
    std::size_t max_idle_per_origin = 8;              ///< pooled idle connections per origin
    std::chrono::milliseconds idle_timeout{30000};    ///< a pooled connection older than this is closed
};

enum class ClientError {
    none,
    connect_failed,  ///< no endpoint accepted the connection
    timed_out,       ///< a step's deadline passed
    closed,          ///< the origin closed (or reset) before the response was complete
    bad_response,    ///< the head or the chunked framing did not parse
    body_too_large,  ///< over ClientLimits::max_body
};
[[nodiscard]] std::string_view to_string(ClientError e);

/// A received response, owning its bytes.
struct ClientResponse {
    int status = 0;
    std::string reason;
    std::vector<std::pair<std::string, std::string>> headers;  ///< in received order
    std::string body;                                          ///< decoded (no chunked framing)

    /// First value of a field (case-insensitive); "" if absent.
    [[nodiscard]] std::string_view header(std::string_view name) const;
    /// Every value of a field joined by ", " (list fields: Cache-Control, Vary); "" if absent.
    [[nodiscard]] std::string joined(std::string_view name) const;
};

/// Where a request goes: the pool key ("host:port") and the addresses to try in order.
struct Origin {
    std::string key;
    std::vector<net::tcp::endpoint> endpoints;
};

/// A new connection to the first of `origin`'s endpoints that accepts within `timeout` each
/// (a CONNECT tunnel's far end); nullopt if none does.
[[nodiscard]] net::task<std::optional<net::Stream>> connect(const Origin& origin, std::chrono::milliseconds timeout);

/// Sends `request` (a complete request head, and body if any) to `origin` and reads the
/// response into `out`, reusing a pooled connection of this thread's io_context when one is
/// alive. A reused connection that fails before any response byte is retried once on a new
/// one when `idempotent`. Never throws for network failures. `head_request`: the response has no body.
[[nodiscard]] net::task<ClientError> fetch(const Origin& origin, std::string_view request, bool head_request,
                                           bool idempotent, const ClientLimits& limits, ClientResponse& out);

/// Idle pooled connections on the calling thread's io_context (tests, logs).
[[nodiscard]] std::size_t pooled_connections(asio::io_context& ctx);

}  // namespace http
