// The pure parts of httpd's proxy and web cache (RFC 9110 7.6, RFC 9111, RFC 5861): request
// targets, hop-by-hop fields, Cache-Control, freshness and age, what may be stored, the
// client's own conditionals against a stored response, and the disk form of an entry.
// No sockets and no clock of its own: callers pass the times in, unit tests build entries by hand.
#pragma once

#include <chrono>
#include <cstdint>
#include <ctime>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace httpd::cache {

using Fields = std::vector<std::pair<std::string, std::string>>;
using Clock = std::chrono::steady_clock;
/// Cache-Control directives (RFC 9111 5.2): name in lower case -> argument ("" if none).
using Directives = std::map<std::string, std::string>;

[[nodiscard]] std::string_view trim(std::string_view s);
/// A comma-separated list's trimmed, non-empty elements.
[[nodiscard]] std::vector<std::string_view> split_list(std::string_view v);
/// The field names listed in Connection values of `f` (RFC 9110 7.6.1).
[[nodiscard]] std::vector<std::string> connection_tokens(const Fields& f);
/// RFC 9110 7.6.1: a field that belongs to one connection, never forwarded; `named` are the
/// names the Connection field listed.
[[nodiscard]] bool is_hop_by_hop(std::string_view name, const std::vector<std::string>& named);
/// The fields of an origin's response fit to relay: no hop-by-hop field, none the server
/// writes itself (Content-Length, Date, Server), no Age or X-Cache of an earlier cache.
[[nodiscard]] Fields relayable(const Fields& origin);
/// First value of a field (case-insensitive); "" if absent.
[[nodiscard]] std::string_view field(const Fields& f, std::string_view name);
/// Every value of a field joined by ", " (list fields).
[[nodiscard]] std::string joined(const Fields& f, std::string_view name);

[[nodiscard]] Directives cache_control(std::string_view value);
/// A delta-seconds directive; 0 when its argument is not a number (RFC 9111 4.2.1: stale).
[[nodiscard]] std::optional<std::uint64_t> seconds(const Directives& cc, const std::string& name);

/// Where a request goes: http://host[:port]/path?query (RFC 9112 3.2.2), or a CONNECT
/// target host:port (RFC 9112 3.2.3).
struct Target {
    std::string host;  ///< lower case, IPv6 without brackets
    std::uint16_t port = 80;
    std::string authority;  ///< as for Host
    std::string path;       ///< origin form, "/" at least ("" for CONNECT)
};
/// An absolute-form http URL; nullopt for other schemes, userinfo, a bad port.
[[nodiscard]] std::optional<Target> parse_absolute(std::string_view t);
/// The authority form of CONNECT: host:port, the port required.
[[nodiscard]] std::optional<Target> parse_authority(std::string_view t);

/// One stored response (RFC 9111 3).
struct Entry {
    std::string key;
    int status = 200;
    Fields fields;  ///< end-to-end fields, as received (no Date, Age, hop-by-hop)
    std::string body;
    Clock::time_point stored{};     ///< response_time
    std::uint64_t initial_age = 0;  ///< RFC 9111 4.2.3 corrected_initial_age
    std::uint64_t lifetime = 0;     ///< freshness lifetime, seconds
    bool no_cache = false;          ///< no-cache: always revalidate
    bool must_revalidate = false;   ///< must-revalidate / proxy-revalidate / s-maxage: never served stale
    std::string etag, last_modified;
    std::size_t bytes = 0;  ///< what it costs the cache's budget

    [[nodiscard]] std::uint64_t age(Clock::time_point now) const;
    [[nodiscard]] bool fresh(Clock::time_point now) const { return !no_cache && age(now) < lifetime; }
    /// RFC 5861: within `directive` (stale-while-revalidate, stale-if-error) seconds past its
    /// lifetime, and not forbidden by must-revalidate.
    [[nodiscard]] bool stale_allowed(Clock::time_point now, const std::string& directive) const;
};

/// Freshness lifetime (RFC 9111 4.2.1, 4.2.2) of a response; `date` is its Date.
[[nodiscard]] std::uint64_t freshness(const Fields& f, const Directives& cc, int status, std::time_t date);

/// What of the request decides whether its response may be stored.
struct RequestFacts {
    bool get = true;             ///< only GET responses are stored
    bool no_store = false;       ///< the request said Cache-Control: no-store
    bool authorization = false;  ///< the request carried Authorization (RFC 9111 3.5)
};
/// The times around one fetch.
struct FetchTimes {
    Clock::time_point sent{};      ///< request_time
    Clock::time_point received{};  ///< response_time
    std::time_t now = 0;           ///< the wall clock at response_time
};
/// An entry of an origin's response if a shared cache may store it (RFC 9111 3, 4.2.3);
/// nullopt if not. `origin_fields` are the response's fields as received; `body` is moved
/// into the entry only when one is made (else it is left as it was).
[[nodiscard]] std::optional<Entry> storable(const RequestFacts& q, std::string key, int status,
                                            const Fields& origin_fields, std::string&& body, const FetchTimes& t,
                                            std::uint64_t max_object_size);
/// RFC 9111 4.3.4: `e` freshened by a 304's fields.
void freshen(Entry& e, const Fields& origin_fields, const FetchTimes& t);

/// RFC 9110 13.1.2, 13.1.3: the client's own If-None-Match / If-Modified-Since against a
/// stored response; true means 304.
[[nodiscard]] bool not_modified(std::string_view if_none_match, std::string_view if_modified_since, const Entry& e);

/// The disk form of an entry: a header line of numbers, the key, the validators, the fields,
/// the body. `wall_now`/`now` translate the steady response time into wall time and back.
[[nodiscard]] std::string serialize(const Entry& e, std::time_t wall_now, Clock::time_point now);
[[nodiscard]] std::optional<Entry> deserialize(const std::string& data, std::time_t wall_now, Clock::time_point now);
/// A file name per key (FNV-1a in hex; a collision is caught by the key kept inside).
[[nodiscard]] std::string file_of(const std::string& key);

}  // namespace httpd::cache
