#include "dnsd/zone_store.hpp"

#include <spdlog/spdlog.h>

#include <chrono>

namespace dnsd {

void ZoneStore::set(std::shared_ptr<const ZoneSet> z) {
    std::lock_guard lock(mutex_);
    zones_ = std::move(z);
    generation_.fetch_add(1, std::memory_order_release);
}

std::shared_ptr<const ZoneSet> ZoneStore::get() const {
    std::lock_guard lock(mutex_);
    return zones_;
}

bool reload_zones(ZoneStore& store, const std::vector<ZoneSpec>& specs, const ResponderOptions& opts) {
    auto start = std::chrono::steady_clock::now();
    std::string error;
    auto set = load_zones(specs, error, [&](const ZoneSet& s, const std::vector<std::shared_ptr<Zone>>& zones) {
        prepare_answers(s, zones, opts);
    });
    if (!set) {
        spdlog::error("zones not loaded, {}: {}", store.get() ? "still serving the previous ones" : "nothing to serve",
                      error);
        return false;
    }
    std::size_t records = 0;
    for (const auto& z : set->zones()) {
        for (const auto& w : z->warnings()) spdlog::warn("{}", w);
        records += z->records().size() + 1;
        spdlog::info("zone {} serial {}: {} records from {}", z->origin().to_text(), z->serial(),
                     z->records().size() + 1, z->file);
    }
    store.set(std::move(set));
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count();
    spdlog::info("serving {} zones, {} records (loaded in {} ms)", specs.size(), records, ms);
    return true;
}

Worker& worker(const ZoneStore& store, const ResponderOptions& opts) {
    thread_local Worker w;
    if (w.store != &store) {
        w.store = &store;
        w.generation = ~std::uint64_t{0};
        w.zones.reset();
        w.responder = Responder(opts);
    }
    auto g = store.generation();
    if (g != w.generation) {
        w.zones = store.get();
        w.generation = g;
    }
    return w;
}

}  // namespace dnsd
