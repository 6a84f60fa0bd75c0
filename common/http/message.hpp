// HTTP/1.1 message model shared by every HTTP speaker in the suite (RFC 9110, RFC 9112).
// Pure: no I/O. Views point into the caller's receive buffer.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

namespace http {

/// Request methods we recognise; `other` for any syntactically valid token we do not.
enum class Method : std::uint8_t { get, head, post, put, del, options, trace, connect, patch, other };

/// Maps a method token (case-sensitive, RFC 9110 9.1) to Method.
[[nodiscard]] Method method_from(std::string_view token);
/// The canonical token of a method ("DELETE" for del); "" for other.
[[nodiscard]] std::string_view to_string(Method m);

/// One header field; both views point into the parsed buffer. The value has no
/// leading/trailing whitespace.
struct Header {
    std::string_view name;
    std::string_view value;
};

/// How a request body is framed (RFC 9112 6.3).
enum class BodyKind : std::uint8_t { none, length, chunked };

/// A parsed request head. Every view points into the buffer given to RequestParser::parse
/// and stays valid only as long as those bytes are kept by the caller.
struct Request {
    Method method = Method::other;
    std::string_view method_token;  ///< as received ("GET")
    std::string_view target;        ///< request-target as received ("/a%20b?x=1")
    int version_minor = 1;          ///< HTTP/1.<minor>; 0 or 1 (1.2+ is reported as 1)
    std::vector<Header> headers;    ///< in received order, duplicates kept

    // Derived by the parser from the header fields:
    BodyKind body = BodyKind::none;
    std::uint64_t content_length = 0;  ///< valid when body == length
    bool keep_alive = true;            ///< persistence after this request (RFC 9112 9.3)
    bool expect_continue = false;      ///< "Expect: 100-continue"
    std::string_view host;             ///< Host field value ("" if absent, e.g. HTTP/1.0)

    /// First value of a header field (case-insensitive name); "" if absent.
    [[nodiscard]] std::string_view header(std::string_view name) const;
    /// True if the field is present (even with an empty value).
    [[nodiscard]] bool has_header(std::string_view name) const;
    /// Number of fields with this name.
    [[nodiscard]] std::size_t count(std::string_view name) const;
    /// Path of the target (origin or absolute form, before '?'), still percent-encoded.
    [[nodiscard]] std::string_view path() const;
    /// Query of the target (after '?', "" if none), still percent-encoded.
    [[nodiscard]] std::string_view query() const;
    /// Resets to the default state, keeping the header vector's capacity.
    void clear();
};

/// ASCII case-insensitive equality (header names, tokens).
[[nodiscard]] bool iequals(std::string_view a, std::string_view b);

/// True if a comma-separated list value (e.g. Connection) contains `token`,
/// case-insensitively, ignoring optional whitespace around elements.
[[nodiscard]] bool list_has_token(std::string_view list, std::string_view token);

/// The standard reason phrase for a status code ("Not Found"); "Unknown" if none.
[[nodiscard]] std::string_view reason_phrase(int status);

/// True for status codes that never carry a body (1xx, 204, 304; RFC 9110 6.4.1).
[[nodiscard]] constexpr bool status_has_no_body(int status) {
    return (status >= 100 && status < 200) || status == 204 || status == 304;
}

}  // namespace http
