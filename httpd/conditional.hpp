// What to answer for a request on a static representation, given its validators:
// preconditions (RFC 9110 13.2.2) for every method, and ranges (RFC 9110 14) for GET. Pure: no I/O.
#pragma once

#include <cstdint>
#include <ctime>
#include <string>
#include <string_view>

#include "http/message.hpp"
#include "http/semantics.hpp"

namespace httpd {

/// Validators of a representation.
struct Validators {
    std::uint64_t size = 0;
    std::time_t mtime = 0;  ///< Last-Modified, whole seconds
    std::string_view etag;  ///< strong entity-tag, quoted ("\"1a-2b\"")
    bool exists = true;     ///< false: no current representation (a PUT that creates the file)
};

struct Decision {
    int status = 200;         ///< 200, 206, 304, 412 or 416
    http::ByteRange range{};  ///< for 206: the bytes to send
};

/// Evaluates If-Match, If-Unmodified-Since, If-None-Match, If-Modified-Since, If-Range and
/// Range, in the order RFC 9110 13.2.2 prescribes. `method` is the request method; ranges
/// apply to GET only, 304 to GET/HEAD (other methods get 412 where a GET would get 304).
/// Without a current representation only If-Match can fail (412; RFC 9110 13.1.1).
[[nodiscard]] Decision decide(const http::Request& req, const Validators& v);

/// A strong entity-tag from file identity: "\"<mtime-ns hex>-<size hex>\"".
[[nodiscard]] std::string make_etag(std::int64_t mtime_sec, std::int64_t mtime_nsec, std::uint64_t size);

}  // namespace httpd
