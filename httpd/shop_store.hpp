// The cookie shop's back-end table: one row per visitor id (visits, cart, what was added),
// kept in memory and written whole to a file after every change (tmp + fsync + rename).
#pragma once

#include <cstddef>
#include <cstdint>
#include <ctime>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace httpd {

/// One visitor, as the back end knows it (the textbook's "cookie-specific action").
struct ShopRow {
    std::uint64_t visits = 0;
    std::time_t first_seen = 0;
    std::time_t last_seen = 0;
    std::vector<std::string> cart;     ///< item ids, in the order added (duplicates: quantity)
    std::vector<std::string> history;  ///< the last items ever added, oldest first (bounded)
};

/// Limits of the table; every one has a config key (shop.*).
struct ShopLimits {
    std::size_t max_rows = 10000;  ///< visitors kept; the least recently seen is dropped beyond
    std::size_t max_cart = 20;     ///< items in one cart
    std::size_t max_history = 16;  ///< items remembered for recommendations
};

/// Thread-safe (one mutex; every worker thread serves the shop).
class ShopStore {
public:
    /// Opens `file` (a missing file is an empty table; malformed lines are skipped).
    /// Throws std::runtime_error if the file exists but cannot be read.
    ShopStore(std::string file, ShopLimits limits);

    /// A new visitor with a fresh random id (32 hex digits, 128 bits from RAND_bytes); the
    /// least recently seen row is dropped when the table is full. Returns the id.
    std::string create(std::time_t now);
    /// Counts a visit of `id`; nullopt if unknown. Returns the row after the visit.
    std::optional<ShopRow> visit(const std::string& id, std::time_t now);
    /// The row of `id` as it is; nullopt if unknown.
    [[nodiscard]] std::optional<ShopRow> get(const std::string& id) const;
    enum class Change { ok, unknown_id, cart_full, not_in_cart };
    /// Adds one `item` to the cart (and the history). Errors: unknown_id, cart_full.
    Change add(const std::string& id, const std::string& item, std::time_t now);
    /// Removes one `item` from the cart. Errors: unknown_id, not_in_cart.
    Change remove(const std::string& id, const std::string& item, std::time_t now);
    [[nodiscard]] std::size_t size() const;

private:
    void save_locked() const;  // the whole table, atomically; logs (does not throw) on failure
    void load();

    const std::string file_;
    const ShopLimits limits_;
    mutable std::mutex mu_;
    std::unordered_map<std::string, ShopRow> rows_;
};

/// True for a well-formed visitor id (32 lower-case hex digits): anything else in a cookie is
/// ignored, so a client can neither pick its id nor grow a key without bound.
[[nodiscard]] bool valid_shop_id(std::string_view id);

}  // namespace httpd
