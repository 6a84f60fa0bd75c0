// Incremental HTTP/1.1 request-head parser (RFC 9112 2-3, 5, 6.1-6.3, 9.3). Pure: no I/O.
#pragma once

#include <cstddef>
#include <string_view>

#include "http/message.hpp"

namespace http {

/// Limits on what a client controls. Each crossing is its own ParseError.
struct ParserLimits {
    std::size_t max_request_line = 8192;  ///< request line, CRLF excluded; over -> request_line_too_long (414)
    std::size_t max_header_bytes =
        16384;                      ///< whole head incl. request line and final CRLF; over -> header_too_large (431)
    std::size_t max_headers = 100;  ///< header fields; over -> too_many_headers (431)
};

enum class ParseStatus { complete, need_more, error };

/// Every way a request head can be rejected. `status_for` gives the response code.
enum class ParseError {
    none,
    request_line_too_long,          ///< 414
    header_too_large,               ///< 431
    too_many_headers,               ///< 431
    bad_request_line,               ///< 400: not "method SP target SP version"
    bad_method,                     ///< 400: method is not a token
    bad_target,                     ///< 400: empty target or a byte outside VCHAR
    bad_version,                    ///< 400: not "HTTP/<digit>.<digit>"
    version_not_supported,          ///< 505: a well-formed version other than 1.x
    bad_header,                     ///< 400: bad field name, whitespace before ':', CTL in value
    obsolete_line_folding,          ///< 400: a line starting with SP/HTAB (RFC 9112 5.2)
    bad_content_length,             ///< 400: not a decimal number (or overflows)
    conflicting_content_length,     ///< 400: several differing Content-Length values
    content_length_and_chunked,     ///< 400: both Content-Length and Transfer-Encoding (smuggling)
    bad_transfer_encoding,          ///< 400: chunked not final, or chunked twice
    unsupported_transfer_encoding,  ///< 501: a coding other than chunked
    transfer_encoding_http10,       ///< 400: Transfer-Encoding in an HTTP/1.0 request (RFC 9112 6.1)
    missing_host,                   ///< 400: HTTP/1.1 request without Host (RFC 9112 3.2)
    duplicate_host,                 ///< 400: more than one Host field
    bad_host,                       ///< 400: Host (or an absolute-form authority) not uri-host [":" port]
    unsupported_expectation,        ///< 417: Expect other than 100-continue
};

/// Response status code for a parse error (400, 414, 431, 417, 501, 505).
[[nodiscard]] int status_for(ParseError e);
/// Short name of the error ("header_too_large").
[[nodiscard]] std::string_view to_string(ParseError e);

struct ParseResult {
    ParseStatus status = ParseStatus::need_more;
    std::size_t consumed = 0;  ///< bytes of the head (incl. skipped leading CRLFs) when complete, else 0
    ParseError error = ParseError::none;
};

/// Parses one request head at a time.
///
/// Call `parse(data)` with every unconsumed byte received so far for this request (the
/// same prefix each time, plus whatever arrived). It returns
///   - need_more (consumed 0): keep the bytes, read more, call again; scanning resumes
///     where it stopped, so repeated calls cost O(total bytes);
///   - complete: `request()` is filled, views point into `data`; the first `consumed`
///     bytes are the head, the body (if any) follows;
///   - error: a named ParseError; answer `status_for(error)` and close the connection.
/// Limits are enforced as soon as they are crossed, without waiting for more bytes.
/// Bare LF is accepted as a line terminator (RFC 9112 2.2); a bare CR is an error.
/// Call `reset()` before parsing the next request on the connection.
class RequestParser {
public:
    explicit RequestParser(ParserLimits limits = {}) : limits_(limits) {}

    [[nodiscard]] ParseResult parse(std::string_view data);
    [[nodiscard]] const Request& request() const { return req_; }
    [[nodiscard]] Request& request() { return req_; }
    [[nodiscard]] const ParserLimits& limits() const { return limits_; }
    void set_limits(const ParserLimits& l) { limits_ = l; }
    /// Forgets the previous request (keeps allocated capacity).
    void reset();

private:
    ParseResult fail(ParseError e) { return {ParseStatus::error, 0, e}; }
    ParseError parse_head(std::string_view head);
    ParseError parse_request_line(std::string_view line);
    ParseError parse_header_line(std::string_view line);
    ParseError finish_semantics();

    ParserLimits limits_;
    Request req_;
    std::size_t start_ = 0;       // first byte of the request line (after skipped CRLFs)
    std::size_t scan_ = 0;        // next byte to scan for a line feed
    std::size_t line_start_ = 0;  // start of the line being scanned
    std::size_t lines_ = 0;       // complete lines seen (request line + fields)
    bool started_ = false;        // request line start located
};

}  // namespace http
