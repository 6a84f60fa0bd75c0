// Parsing an HTTP/1.1 response head as a client receives it (RFC 9112 4, 6.3). Pure: no I/O.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "http/message.hpp"
#include "http/parser.hpp"

namespace http {

/// How a response body is framed (RFC 9112 6.3).
enum class ResponseBody : std::uint8_t { none, length, chunked, until_close };

/// A parsed status line and header section; views point into the parsed bytes.
struct ResponseHead {
    int status = 0;
    int version_minor = 1;
    std::string_view reason;
    std::vector<Header> headers;
    ResponseBody body = ResponseBody::none;
    std::uint64_t content_length = 0;  ///< when body == length
    bool keep_alive = true;            ///< the origin will keep the connection open after the body

    /// First value of a field (case-insensitive); "" if absent.
    [[nodiscard]] std::string_view header(std::string_view name) const;
    /// True if the field is present.
    [[nodiscard]] bool has_header(std::string_view name) const;
};

struct ResponseLimits {
    std::size_t max_head = 65536;   ///< status line and fields; over -> head_too_large
    std::size_t max_headers = 200;  ///< fields; over -> too_many_headers
};

enum class ResponseError {
    none,
    head_too_large,
    too_many_headers,
    bad_status_line,        ///< not "HTTP/1.x SP 3DIGIT SP reason"
    bad_header,             ///< bad name, CTL in value, obsolete folding
    bad_content_length,     ///< not a number, or several differing values
    bad_transfer_encoding,  ///< a coding other than chunked last
};
[[nodiscard]] std::string_view to_string(ResponseError e);

struct ResponseResult {
    ParseStatus status = ParseStatus::need_more;
    std::size_t consumed = 0;  ///< head bytes when complete
    ResponseError error = ResponseError::none;
};

/// Parses the head at the start of `data` (everything received so far). need_more until the
/// empty line; `request_was_head` (or a 1xx/204/304) means no body whatever the fields say.
/// Both Content-Length and chunked: chunked wins and the connection is not reused (RFC 9112 6.3).
[[nodiscard]] ResponseResult parse_response_head(std::string_view data, bool request_was_head, ResponseHead& out,
                                                 const ResponseLimits& limits = {});

}  // namespace http
