// Percent-decoding and query-string parsing (RFC 3986 2.1, WHATWG urlencoded). Pure: no I/O.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace http {

/// Decodes "%XX" escapes into raw bytes, binary-safe (any byte, NUL included, e.g. a
/// tracker's info_hash). With `plus_as_space`, '+' becomes ' ' (form encoding).
/// Appends to `out`. Returns false on '%' not followed by two hex digits (answer 400);
/// `out` then holds a partial result.
[[nodiscard]] bool percent_decode(std::string_view in, std::string& out, bool plus_as_space = false);
/// Same, returning the decoded bytes or nullopt on bad encoding.
[[nodiscard]] std::optional<std::string> percent_decode(std::string_view in, bool plus_as_space = false);

/// Percent-encodes every byte outside RFC 3986 unreserved (and '/' unless `encode_slash`).
[[nodiscard]] std::string percent_encode(std::string_view in, bool encode_slash = false);

/// One key/value pair of a query string, both decoded (raw bytes).
struct QueryParam {
    std::string key;
    std::string value;
    bool has_value = false;  ///< false for a bare key ("?monkeys&bananas")
};

enum class QueryError { none, bad_encoding, too_many };

/// Parses "a=1&b&a=2" (query string or urlencoded form body) into pairs in order,
/// keeping duplicates; '+' means space; empty pieces ("a=1&&b") are skipped.
/// Errors: bad_encoding (400) on bad percent-encoding, too_many if more than
/// `max_params` pairs. `out` is cleared first.
[[nodiscard]] QueryError parse_query(std::string_view query, std::vector<QueryParam>& out,
                                     std::size_t max_params = 256);

/// First value for `key` in parsed params, nullptr if absent.
[[nodiscard]] const std::string* find_param(const std::vector<QueryParam>& params, std::string_view key);
/// Every value for `key`, in order (e.g. repeated info_hash in a scrape).
[[nodiscard]] std::vector<std::string_view> find_all_params(const std::vector<QueryParam>& params,
                                                            std::string_view key);

}  // namespace http
