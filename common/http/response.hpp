// Response head serialization (RFC 9112 4, 5). Pure: appends to a caller-owned string
// so that a session can reuse one buffer for every response.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace http {

/// Appends "HTTP/1.<minor> <status> <reason>\r\n". A 1.0 request gets an "HTTP/1.0" line
/// only when `version_minor` is 0 (RFC 9110 6.2 lets us send 1.1 either way; we echo 1.1).
void append_status_line(std::string& out, int status, int version_minor = 1);
/// Appends "name: value\r\n". The caller guarantees name is a token and value has no CR/LF;
/// `append_header_checked` verifies instead and returns false (appending nothing) if not.
void append_header(std::string& out, std::string_view name, std::string_view value);
void append_header(std::string& out, std::string_view name, std::uint64_t value);
[[nodiscard]] bool append_header_checked(std::string& out, std::string_view name, std::string_view value);
/// Appends the blank line that ends the head.
inline void end_head(std::string& out) { out.append("\r\n"); }

/// Chunked encoding for responses: one chunk (nothing for empty data), and the last chunk.
void append_chunk(std::string& out, std::string_view data);
inline void append_last_chunk(std::string& out) { out.append("0\r\n\r\n"); }

/// Escapes &, <, >, " and ' for HTML text and attribute values.
[[nodiscard]] std::string html_escape(std::string_view in);

}  // namespace http
