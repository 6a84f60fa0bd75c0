// Request path to file path under a root, refusing anything that could leave it. Pure: no I/O.
#pragma once

#include <string>
#include <string_view>

namespace httpd {

enum class PathError {
    none,
    bad_encoding,  ///< 400: '%' not followed by two hex digits
    not_absolute,  ///< 400: path does not start with '/'
    forbidden,     ///< 403: "..", a backslash or a NUL byte (after decoding)
};

/// Response status for a path error (400 or 403).
[[nodiscard]] int status_for(PathError e);

struct SafePath {
    PathError error = PathError::none;
    std::string url;         ///< decoded, normalised URL path, always starting with '/' ("/a/b/")
    std::string relative;    ///< the same without the leading '/' ("a/b/"), "" for the root
    bool directory = false;  ///< the URL path ends with '/'
};

/// Percent-decodes `encoded` (the request path, before '?'), collapses "//" and drops "."
/// segments. Any ".." segment, backslash or NUL byte is refused (RFC 3986 5.2.4 dot-segments
/// are the client's job; we do not guess). The result never names anything above the root;
/// symlinks are checked when the file is opened.
[[nodiscard]] SafePath resolve_path(std::string_view encoded);

}  // namespace httpd
