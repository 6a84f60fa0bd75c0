// One HTTP exchange as a handler sees it: the request (parsed head, body, peer), the
// response it fills, the access-log entry of the result. Pure: no Asio, no sockets; the
// session driver (http/server.hpp) fills these from the connection, tests build them by hand.
#pragma once

#include <cstdint>
#include <ctime>
#include <memory>
#include <string>
#include <string_view>

#include "fs/file_handle.hpp"
#include "http/message.hpp"

namespace http {

/// The client's address as a plain value.
struct Peer {
    std::string address;     ///< numeric, without port: "192.0.2.7", "2001:db8::1"
    std::uint16_t port = 0;  ///< the client's port
};

/// A request as the handler sees it. Views stay valid until the handler's task completes.
struct ServerRequest {
    const Request& head;           ///< parsed head (method, target, headers, keep_alive, ...)
    std::string_view body;         ///< decoded body (Content-Length or chunked); "" if none
    const Peer& peer;              ///< client address
    std::uint64_t session_id = 0;  ///< the connection's id (logs, transcripts)
    std::size_t index = 0;         ///< 1 for the first request on the connection
    bool tracing = false;          ///< the driver writes a transcript (--trace): Response::note is shown
    bool tls = false;              ///< the request came over TLS (https; e.g. cookies get Secure)
};

/// What a handler answers. The driver adds Date, Server, Content-Length and Connection,
/// omits the body for HEAD and for 204/304, and closes the connection when asked or needed.
class Takeover;  // http/server.hpp

struct Response {
    int status = 200;
    /// Further header lines in wire form; fill with `add_header` (never Content-Length).
    std::string fields;
    /// In-memory body, used when neither `file` nor `shared_owner` is set.
    std::string body;
    /// In-memory body owned elsewhere (a cache entry), sent without a copy: `shared_body`
    /// stays valid while `shared_owner` lives. Set with `set_shared`.
    std::shared_ptr<const void> shared_owner;
    std::string_view shared_body;
    /// File body: `file_length` bytes of `file` from `file_offset`, sent with sendfile(2).
    fs::FileHandle file;
    std::uint64_t file_offset = 0;
    std::uint64_t file_length = 0;
    /// Close the connection after this response.
    bool close = false;
    /// With a 2xx status, the connection is handed over after the head (a CONNECT tunnel,
    /// RFC 9110 9.3.6): the head goes without Content-Length, then the driver runs this and
    /// closes. Ignored (dropped) with any other status.
    std::shared_ptr<Takeover> takeover;
    /// With tracing on, one line about the answer (e.g. the tracker's announce summary) that
    /// the driver writes as a note after the response head; "" for none.
    std::string note;

    /// Appends "name: value"; returns false (appending nothing) if the name is not a token
    /// or the value holds CR, LF or NUL (response splitting).
    bool add_header(std::string_view name, std::string_view value);
    /// Appends "name: value" for a number.
    void add_header(std::string_view name, std::uint64_t value);
    /// Uses an open file region as the body.
    void set_file(fs::FileHandle fd, std::uint64_t offset, std::uint64_t length);
    /// Uses `view`, kept alive by `owner`, as the body.
    void set_shared(std::shared_ptr<const void> owner, std::string_view view);
    /// The in-memory body: `shared_body` if set, else `body`.
    [[nodiscard]] std::string_view memory_body() const { return shared_owner ? shared_body : std::string_view(body); }
    /// Length of the body the driver will announce.
    [[nodiscard]] std::uint64_t body_length() const { return file ? file_length : memory_body().size(); }
    /// Resets to a fresh 200 with no fields and no body (keeps string capacity).
    void clear();
};

/// Makes `r` a small HTML error page for `status` ("404 Not Found"), with Content-Type.
void set_error(Response& r, int status, std::string_view detail = {});

/// One finished exchange, for access logs. `request` is null when the head never parsed
/// (400/408/414/431 before a request existed).
struct LogEntry {
    const Peer& peer;
    const Request* request = nullptr;
    int status = 0;
    std::uint64_t body_bytes = 0;  ///< body bytes actually written
    std::time_t time = 0;          ///< when the request (or the failure) happened
};

/// Formats an entry in the Combined Log Format (Apache/nginx "combined"), no newline:
/// `127.0.0.1 - - [23/Nov/2026:11:20:24 +0000] "GET / HTTP/1.1" 200 612 "-" "curl/7.88.1"`
void format_combined_log(const LogEntry& e, std::string& out);

}  // namespace http
