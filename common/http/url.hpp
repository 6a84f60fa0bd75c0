// Percent-decoding and query-string parsing (RFC 3986 2.1, WHATWG urlencoded). Pure: no I/O.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
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

/// The path of a request target, still percent-encoded: origin form "/a?b" -> "/a"; absolute
/// form (RFC 9112 3.2.2) "http://h:1/a?b" -> "/a", "http://h?b" -> "/"; other forms ("*") as given.
[[nodiscard]] std::string_view target_path(std::string_view target);
/// The query of a request target (after '?', "" if none), still percent-encoded.
[[nodiscard]] std::string_view target_query(std::string_view target);

/// One key/value pair of a query string, both decoded (raw bytes).
struct QueryParam {
    std::string_view key;
    std::string_view value;
    bool has_value = true;  ///< false for a bare key ("?monkeys&bananas")
};

/// How a query string's bytes are decoded.
enum class QueryMode {
    form,  ///< application/x-www-form-urlencoded: '+' is a space (HTML forms, GET or POST)
    raw,   ///< %XX escapes only, '+' stays '+' (BitTorrent clients escape binary hashes bytewise)
};

enum class QueryError { none, bad_encoding, too_many };

/// Decoded query parameters, in order, duplicates kept. Every view points into this object,
/// so it can be neither copied nor moved; reuse one to keep its capacity.
class QueryParams {
public:
    QueryParams() = default;
    QueryParams(const QueryParams&) = delete;
    QueryParams& operator=(const QueryParams&) = delete;

    [[nodiscard]] std::span<const QueryParam> all() const { return params_; }
    [[nodiscard]] std::size_t size() const { return params_.size(); }
    [[nodiscard]] bool empty() const { return params_.empty(); }
    [[nodiscard]] const QueryParam& operator[](std::size_t i) const { return params_[i]; }
    /// First value for `key`; nullopt if absent.
    [[nodiscard]] std::optional<std::string_view> find(std::string_view key) const;
    /// Every value for `key`, in order (e.g. repeated info_hash in a scrape).
    [[nodiscard]] std::vector<std::string_view> find_all(std::string_view key) const;

private:
    friend QueryError parse_query(std::string_view, QueryParams&, QueryMode, std::size_t);
    std::string storage_;  // every decoded key and value, back to back
    std::vector<QueryParam> params_;
};

/// Parses "a=1&b&a=2" (a query string or an urlencoded form body) into `out`, replacing what
/// it held; empty pieces ("a=1&&b") are skipped. Errors: bad_encoding ('%' not followed by two
/// hex digits: 400), too_many (more than `max_params` pairs); `out` then holds the pairs
/// before the bad one.
[[nodiscard]] QueryError parse_query(std::string_view query, QueryParams& out, QueryMode mode = QueryMode::form,
                                     std::size_t max_params = 256);

}  // namespace http
