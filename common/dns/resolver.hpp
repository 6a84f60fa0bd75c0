// A stub resolver (RFC 1035 7, RFC 5452): asks one recursive server over UDP with retries, a
// fresh random id and source port per query, TCP when the answer is truncated, and keeps
// answers for their TTL in a small cache. Plus the mail host lookup of RFC 5321 5.1.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "dns/message.hpp"
#include "net/asio.hpp"
#include "net/endpoint.hpp"

namespace dns {

struct ResolverOptions {
    net::HostPort server{};                   ///< the recursive server
    std::chrono::milliseconds timeout{2000};  ///< per attempt
    unsigned attempts = 3;                    ///< UDP tries before giving up
    std::size_t cache_entries = 1024;         ///< then expired entries go, then everything
    std::uint32_t max_ttl = 3600;             ///< cache no longer than this
    std::uint32_t negative_ttl = 60;          ///< NXDOMAIN/NODATA without an SOA
};

/// Outcome of a lookup.
enum class Status : std::uint8_t {
    ok,        ///< records of the type exist (in `records`)
    nodata,    ///< the name exists, without records of the type
    nxdomain,  ///< the name does not exist (RCODE 3)
    servfail,  ///< the server failed or refused (temporary)
    timeout,   ///< no answer after every attempt (temporary)
    error,     ///< a malformed or mismatched answer, a socket error (temporary)
};
[[nodiscard]] std::string_view to_string(Status s);

struct Answer {
    Status status = Status::error;
    std::vector<Rr> records{};  ///< the answer section's records of the asked type
    std::uint32_t ttl = 0;
};

/// One resolver, shareable between threads (the cache is locked; queries run on the caller's
/// executor).
class Resolver {
public:
    explicit Resolver(ResolverOptions opts) : opts_(std::move(opts)) {}
    /// Looks `name` up for `type` (class IN), from the cache when fresh. Never throws for
    /// network failures: they are Status values.
    [[nodiscard]] net::task<Answer> query(Name name, std::uint16_t type);
    /// Makes queries in progress give up after their current attempt, and later ones fail at
    /// once with Status::timeout (a daemon stopping).
    void stop() { stopped_ = true; }
    /// Entries in the cache (tests).
    [[nodiscard]] std::size_t cached() const;

private:
    net::task<Answer> ask(const Name& name, std::uint16_t type);
    void store(const Name& name, std::uint16_t type, const Answer& a);
    ResolverOptions opts_;
    std::atomic<bool> stopped_{false};
    mutable std::mutex mu_;
    std::map<std::pair<std::string, std::uint16_t>, std::pair<net::Clock::time_point, Answer>> cache_;
};

/// Reads a response to our query: checks id, QR, the question, and converts RCODE and the
/// answer section (CNAME chains followed inside the message) into an Answer. Pure.
[[nodiscard]] Answer read_response(std::span<const std::uint8_t> data, std::uint16_t id, const Name& name,
                                   std::uint16_t type, std::uint32_t negative_ttl, bool& truncated);
/// The Answer that `m`, a response to our question `name`/`type`, gives: RCODE, the answer
/// section's records (CNAME chains followed inside the message), the TTL to keep it. Pure.
[[nodiscard]] Answer read_answer(const Message& m, const Name& name, std::uint16_t type, std::uint32_t negative_ttl);

/// One host to try for a mail domain.
struct MailHost {
    std::string name{};  ///< "mail.hamburger.edu"
    std::uint16_t preference = 0;
    std::vector<asio::ip::address> addresses{};
};
struct MailHosts {
    Status status = Status::ok;  ///< ok, or why there is nothing to try (nxdomain: permanent)
    bool null_mx = false;        ///< RFC 7505: the domain accepts no mail (permanent)
    std::vector<MailHost> hosts{};
};
/// RFC 5321 5.1: the MX records in preference order, each host's A and AAAA addresses; with
/// no MX, the domain itself as the only host (implicit MX). Temporary failures are statuses.
[[nodiscard]] net::task<MailHosts> mail_hosts(Resolver& r, Name domain);

}  // namespace dns
