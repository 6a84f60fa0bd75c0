// Failed logins counted per client address: growing delays, then a block.
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <list>
#include <mutex>
#include <string>
#include <unordered_map>

#include "net/asio.hpp"

namespace auth {

/// Policy of a LoginThrottle.
struct ThrottleOptions {
    std::chrono::milliseconds failure_delay{1000};  ///< delay per recent failure
    std::chrono::milliseconds max_delay{8000};      ///< cap on the delay
    unsigned max_failures = 10;                     ///< more than this many recent failures blocks
    std::chrono::seconds window{300};               ///< a failure is recent for this long after the last one
    std::size_t max_addresses = 10000;              ///< tracked addresses (the least recent evicted)
};

/// Failure counts per client address, bounded in size; thread-safe. An IPv4-mapped IPv6
/// address counts as its IPv4 address.
class LoginThrottle {
public:
    explicit LoginThrottle(ThrottleOptions opts) : opts_(opts) {}

    /// True when `client` has more than max_failures recent failures.
    [[nodiscard]] bool blocked(const asio::ip::address& client, net::Clock::time_point now);
    /// Recent failures of `client` (0 when unknown or expired).
    [[nodiscard]] unsigned failures(const asio::ip::address& client, net::Clock::time_point now);
    /// Counts a failure; returns how long to wait before answering (failure_delay times the
    /// recent failures, capped at max_delay).
    std::chrono::milliseconds record_failure(const asio::ip::address& client, net::Clock::time_point now);
    /// A successful login: forgets the address's failures.
    void record_success(const asio::ip::address& client);
    /// Addresses tracked now.
    [[nodiscard]] std::size_t size() const;
    [[nodiscard]] const ThrottleOptions& options() const { return opts_; }

private:
    using Key = std::array<unsigned char, 17>;  // family byte + address bytes
    struct KeyHash {
        std::size_t operator()(const Key& k) const;
    };
    struct Entry {
        Key key;
        unsigned failures;
        net::Clock::time_point last;
    };
    [[nodiscard]] static Key key_of(const asio::ip::address& a);
    [[nodiscard]] bool expired(const Entry& e, net::Clock::time_point now) const { return now - e.last > opts_.window; }
    ThrottleOptions opts_;
    mutable std::mutex mutex_;
    std::list<Entry> lru_;  // least recently failed first
    std::unordered_map<Key, std::list<Entry>::iterator, KeyHash> index_;
};

}  // namespace auth
