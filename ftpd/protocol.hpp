// FTP command arguments and reply texts (RFC 959, RFC 2428, RFC 3659): the pure part of ftpd,
// testable and fuzzed without sockets. Paths here are the session's virtual paths ("/pub/a"),
// never file-system paths.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <boost/asio/ip/address.hpp>

namespace ftpd {

/// Longest virtual path a command may name (bytes after resolution).
inline constexpr std::size_t kMaxPath = 4096;

/// Where the client wants the server to connect (PORT, EPRT).
struct ActiveTarget {
    boost::asio::ip::address address;
    std::uint16_t port = 0;
};

/// "h1,h2,h3,h4,p1,p2" (RFC 959 4.1.2), or nullopt when malformed (501).
[[nodiscard]] std::optional<ActiveTarget> parse_port(std::string_view arg);

/// EPRT's argument, or why not.
enum class EprtError : std::uint8_t { none, syntax, protocol };
/// "|1|132.235.1.2|6275|" or "|2|::1|6275|" (RFC 2428 2); `error` says syntax (501) or an
/// unknown protocol number (522).
[[nodiscard]] std::optional<ActiveTarget> parse_eprt(std::string_view arg, EprtError& error);

/// EPSV's argument (RFC 2428 3).
enum class EpsvArg : std::uint8_t { any, all, ipv4, ipv6, unknown_protocol, syntax };
[[nodiscard]] EpsvArg parse_epsv(std::string_view arg);

/// REST's byte offset: decimal digits only, at most 2^63 - 1; nullopt otherwise (501).
[[nodiscard]] std::optional<std::uint64_t> parse_rest(std::string_view arg);

/// Representation type (RFC 959 3.1.1).
enum class Type : std::uint8_t { ascii, image };
/// Why TYPE refused an argument.
enum class TypeError : std::uint8_t { none, syntax, unsupported };
/// "A", "A N", "I", "L 8" (any case); EBCDIC, Telnet/ASA format and other byte sizes are
/// unsupported (504), anything else a syntax error (501).
[[nodiscard]] std::optional<Type> parse_type(std::string_view arg, TypeError& error);

/// The 227 reply for `address` (IPv4) and `port`: "227 Entering Passive Mode (h1,h2,h3,h4,p1,p2)."
[[nodiscard]] std::string pasv_reply(const boost::asio::ip::address_v4& address, std::uint16_t port);
/// The 229 reply: "229 Entering Extended Passive Mode (|||port|)".
[[nodiscard]] std::string epsv_reply(std::uint16_t port);

/// An IPv4-mapped IPv6 address as IPv4; others unchanged.
[[nodiscard]] boost::asio::ip::address unmapped(const boost::asio::ip::address& a);

/// The virtual absolute path of `arg` typed in `cwd` (itself absolute and normalized): an
/// absolute `arg` starts at the session's root, "." and empty components vanish, ".." stops at
/// "/" as in a chroot. nullopt for a NUL byte or a result over kMaxPath.
[[nodiscard]] std::optional<std::string> resolve_path(std::string_view cwd, std::string_view arg);
/// The path below the root for open_beneath: "a/b" for "/a/b", "" for "/".
[[nodiscard]] std::string beneath(std::string_view vpath);
/// The parent of a virtual path ("/a" for "/a/b", "/" for "/a" and "/").
[[nodiscard]] std::string parent_path(std::string_view vpath);
/// The last component ("b" for "/a/b", "" for "/").
[[nodiscard]] std::string_view base_name(std::string_view vpath);

/// A path inside a 257 reply: quotes doubled (RFC 959 Appendix II).
[[nodiscard]] std::string quote_path(std::string_view vpath);

/// LIST/NLST arguments: leading "-la"-style options (which clients send, as to ls) skipped;
/// what remains is the path ("" = the current directory). `long_all` is set for an "a" option.
[[nodiscard]] std::string_view list_path(std::string_view arg, bool* all = nullptr);

/// RFC 3659 2.3 time value, "YYYYMMDDHHMMSS" in UTC.
[[nodiscard]] std::string ftp_time(std::int64_t unix_seconds);

}  // namespace ftpd
