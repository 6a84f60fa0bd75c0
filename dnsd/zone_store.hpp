// The zone set being served: loaded and swapped in whole (at start and on SIGHUP), read by
// every worker thread through its own snapshot.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "dnsd/query.hpp"
#include "dnsd/zone.hpp"

namespace dnsd {

/// The zone set being served; replaced whole on reload, read by every worker.
class ZoneStore {
public:
    void set(std::shared_ptr<const ZoneSet> z);
    [[nodiscard]] std::shared_ptr<const ZoneSet> get() const;
    /// Bumped by every set(); workers re-fetch their snapshot when it changes.
    [[nodiscard]] std::uint64_t generation() const { return generation_.load(std::memory_order_acquire); }

private:
    mutable std::mutex mutex_;
    std::shared_ptr<const ZoneSet> zones_;
    std::atomic<std::uint64_t> generation_{0};
};

/// Loads the configured zones and precomputes their answers; on success swaps them in and
/// returns true, else logs "file:line: message" and keeps the old ones (first load: false).
bool reload_zones(ZoneStore& store, const std::vector<ZoneSpec>& specs, const ResponderOptions& opts);

/// Per-thread state: a snapshot of the zone set (refreshed when the store's generation
/// moves, so the hot path costs one atomic load) and a responder.
struct Worker {
    const ZoneStore* store = nullptr;
    std::uint64_t generation = ~std::uint64_t{0};
    std::shared_ptr<const ZoneSet> zones;
    Responder responder{};
};

/// This thread's worker for `store`, its snapshot brought up to date. The snapshot may be
/// null only before the store's first set().
[[nodiscard]] Worker& worker(const ZoneStore& store, const ResponderOptions& opts);

}  // namespace dnsd
