// BEP 15 connection ids without per-client state: a keyed hash (SipHash-2-4) of the client
// address and a one-minute time window, under a random per-process key.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace tracker {

/// SipHash-2-4 (Aumasson and Bernstein, 2012) of `data` under a 16-byte key.
[[nodiscard]] std::uint64_t siphash24(const std::array<std::uint8_t, 16>& key, std::string_view data);

class ConnectionIds {
public:
    static constexpr std::uint32_t kWindowSeconds = 60;

    /// Random 16-byte key from the OS (getrandom). Throws std::runtime_error if that fails.
    ConnectionIds();
    explicit ConnectionIds(const std::array<std::uint8_t, 16>& key);

    /// The id for `address` (raw 4 or 16 bytes) issued at `now` (seconds).
    [[nodiscard]] std::uint64_t issue(std::string_view address, std::uint64_t now) const;
    /// True if `id` was issued to `address` in the current or the previous window, i.e. at
    /// most two minutes ago (and at least one); anything else is forged or expired.
    [[nodiscard]] bool valid(std::uint64_t id, std::string_view address, std::uint64_t now) const;

private:
    [[nodiscard]] std::uint64_t mac(std::string_view address, std::uint64_t window) const;
    std::array<std::uint8_t, 16> key_{};
};

}  // namespace tracker
