#include "auth/throttle.hpp"

#include <algorithm>
#include <string_view>

namespace auth {

LoginThrottle::Key LoginThrottle::key_of(const asio::ip::address& a) {
    Key k{};
    // A dual-stack listener sees IPv4 clients as ::ffff:a.b.c.d: one client, one count.
    if (a.is_v6() && a.to_v6().is_v4_mapped()) return key_of(asio::ip::make_address_v4(asio::ip::v4_mapped, a.to_v6()));
    if (a.is_v4()) {
        k[0] = 4;
        const auto b = a.to_v4().to_bytes();
        std::copy(b.begin(), b.end(), k.begin() + 1);
    } else {
        k[0] = 6;
        const auto b = a.to_v6().to_bytes();
        std::copy(b.begin(), b.end(), k.begin() + 1);
    }
    return k;
}

std::size_t LoginThrottle::KeyHash::operator()(const Key& k) const {
    return std::hash<std::string_view>{}(std::string_view(reinterpret_cast<const char*>(k.data()), k.size()));
}

unsigned LoginThrottle::failures(const asio::ip::address& client, net::Clock::time_point now) {
    std::lock_guard lock(mutex_);
    auto it = index_.find(key_of(client));
    if (it == index_.end()) return 0;
    if (expired(*it->second, now)) {
        lru_.erase(it->second);
        index_.erase(it);
        return 0;
    }
    return it->second->failures;
}

bool LoginThrottle::blocked(const asio::ip::address& client, net::Clock::time_point now) {
    return failures(client, now) > opts_.max_failures;
}

std::chrono::milliseconds LoginThrottle::record_failure(const asio::ip::address& client, net::Clock::time_point now) {
    std::lock_guard lock(mutex_);
    const Key key = key_of(client);
    unsigned count = 1;
    if (auto it = index_.find(key); it != index_.end()) {
        if (!expired(*it->second, now)) count = it->second->failures + 1;
        lru_.erase(it->second);
        index_.erase(it);
    }
    // Bounded: expired entries sit at the front, and when none is, the least recent goes.
    while (!lru_.empty() && (lru_.size() >= opts_.max_addresses || expired(lru_.front(), now))) {
        index_.erase(lru_.front().key);
        lru_.pop_front();
    }
    if (opts_.max_addresses > 0) {
        lru_.push_back({key, count, now});
        index_[key] = std::prev(lru_.end());
    }
    const auto delay = opts_.failure_delay * static_cast<long>(std::min(count, 1000u));
    return std::min<std::chrono::milliseconds>(delay, opts_.max_delay);
}

void LoginThrottle::record_success(const asio::ip::address& client) {
    std::lock_guard lock(mutex_);
    if (auto it = index_.find(key_of(client)); it != index_.end()) {
        lru_.erase(it->second);
        index_.erase(it);
    }
}

std::size_t LoginThrottle::size() const {
    std::lock_guard lock(mutex_);
    return lru_.size();
}

}  // namespace auth
