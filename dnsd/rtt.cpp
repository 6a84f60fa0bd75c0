#include "dnsd/rtt.hpp"

#include <algorithm>
#include <utility>

namespace dnsd {

namespace {

std::string key_of(const asio::ip::address& a) {
    if (a.is_v4()) {
        const auto b = a.to_v4().to_bytes();
        return std::string(b.begin(), b.end());
    }
    const auto b = a.to_v6().to_bytes();
    return std::string(b.begin(), b.end());
}

}  // namespace

void RttTable::success(const asio::ip::address& addr, std::chrono::microseconds rtt) {
    const double sample = static_cast<double>(std::max<std::int64_t>(rtt.count(), 1));
    std::lock_guard lock(mu_);
    if (srtt_.size() >= opts_.max_servers) srtt_.clear();
    auto [it, fresh] = srtt_.try_emplace(key_of(addr), sample);
    if (!fresh) it->second = 0.7 * it->second + 0.3 * sample;
}

void RttTable::timeout(const asio::ip::address& addr) {
    const double cap = static_cast<double>(std::chrono::microseconds(opts_.max).count());
    std::lock_guard lock(mu_);
    if (srtt_.size() >= opts_.max_servers) srtt_.clear();
    // Unbound's back-off: each timeout doubles what the server is believed to take.
    auto [it, fresh] = srtt_.try_emplace(key_of(addr), 400000.0);
    if (!fresh) it->second = std::min(std::max(it->second, 1000.0) * 2, cap);
}

std::int64_t RttTable::srtt_us(const asio::ip::address& addr) const {
    std::lock_guard lock(mu_);
    auto it = srtt_.find(key_of(addr));
    return it == srtt_.end() ? -1 : static_cast<std::int64_t>(it->second);
}

std::vector<asio::ip::address> RttTable::order(std::vector<asio::ip::address> addrs, std::uint32_t random) {
    if (addrs.size() < 2) return addrs;
    std::vector<std::pair<double, asio::ip::address>> ranked;
    {
        std::lock_guard lock(mu_);
        for (std::size_t i = 0; i < addrs.size(); ++i) {
            auto it = srtt_.find(key_of(addrs[i]));
            // Unknown: a small estimate (0-31 us, from the random bits), so it is tried soon
            // and the measured ones are not preferred forever over a server never asked.
            const double est = it == srtt_.end() ? static_cast<double>((random >> (i % 27)) & 31) : it->second;
            ranked.emplace_back(est, addrs[i]);
        }
        std::stable_sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
        // The servers not chosen decay towards 0 so that one slow (or timed-out) a while ago
        // is measured again (BIND's decay).
        for (std::size_t i = 1; i < ranked.size(); ++i)
            if (auto it = srtt_.find(key_of(ranked[i].second)); it != srtt_.end()) it->second *= 0.98;
    }
    // Exploration: now and then a random other server goes first.
    if (opts_.explore_one_in > 0 && (random >> 27) % opts_.explore_one_in == 0) {
        const std::size_t pick = 1 + (random % (ranked.size() - 1));
        std::swap(ranked[0], ranked[pick]);
    }
    std::vector<asio::ip::address> out;
    out.reserve(ranked.size());
    for (auto& [est, a] : ranked) out.push_back(a);
    return out;
}

}  // namespace dnsd
