// RFC 1035 5 master files ("zone files") as BIND and NSD read them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dns/message.hpp"
#include "dns/name.hpp"

namespace dns {

struct ZoneParseOptions {
    std::optional<Name> origin;           ///< initial $ORIGIN (else from the file)
    std::uint32_t default_ttl = 3600;     ///< when neither $TTL nor an earlier TTL is given
    std::size_t max_include_depth = 8;    ///< nested $INCLUDE levels
    std::size_t max_records = 5'000'000;  ///< refuse absurdly large zones
    std::size_t max_file_bytes = 512u << 20;
    bool allow_include = true;
};

/// Result of parsing: the records in file order, or the first error as
/// "file:line: message" (`error` non-empty).
struct ZoneParseResult {
    /// Where a record came from: an index into `files` and a 1-based line.
    struct Source {
        std::uint32_t file = 0;
        std::uint32_t line = 0;
    };
    std::vector<Rr> records;
    std::vector<Source> sources;     ///< parallel to `records`
    std::vector<std::string> files;  ///< the file and its $INCLUDEs, in order of first use
    std::optional<Name> origin;      ///< the first $ORIGIN or the initial one
    std::string error;
    [[nodiscard]] bool ok() const { return error.empty(); }
    /// "file:line" of record `i` (for semantic errors found after parsing).
    [[nodiscard]] std::string where(std::size_t i) const {
        if (i >= sources.size() || sources[i].file >= files.size()) return "?";
        return files[sources[i].file] + ":" + std::to_string(sources[i].line);
    }
};

/// Parses a master file. `$INCLUDE` paths are relative to the including file's directory.
/// Directives: $ORIGIN, $TTL, $INCLUDE file [origin]. Syntax: @, relative/absolute names,
/// omitted owner (leading blank), TTL and class in either order, parentheses across lines,
/// comments, quoted strings, escapes. Types: A NS CNAME SOA PTR MX TXT AAAA SRV CAA, any type
/// as TYPEnnn with RFC 3597 `\# len hex` rdata.
[[nodiscard]] ZoneParseResult parse_zone_file(const std::string& path, const ZoneParseOptions& opts = {});
/// The same from memory; `file_name` only labels errors and anchors $INCLUDE paths.
[[nodiscard]] ZoneParseResult parse_zone_text(std::string_view text, const std::string& file_name,
                                              const ZoneParseOptions& opts = {});

/// A TTL in seconds or BIND units ("3600", "1h30m", "2d", "1w"); nullopt over 2^31-1.
[[nodiscard]] std::optional<std::uint32_t> parse_ttl(std::string_view s);
/// Rdata text (already split into tokens) to wire form for `type`; empty `err` on success.
/// Tokens keep their escapes; `quoted[i]` says whether token i was a quoted string.
[[nodiscard]] std::string rdata_from_text(std::uint16_t type, const std::vector<std::string>& tokens,
                                          const std::vector<bool>& quoted, const Name* origin, std::string& err);

}  // namespace dns
