// The tracker's HTTP side: any request line ("METHOD target", or a bare target for GET)
// through the routes over a small, bounded swarm store, and the query's parameters through
// the announce and scrape validators directly. A 200 text/plain reply must be valid bencode.
#include <cstdlib>
#include <memory>
#include <string_view>

#include "http/url.hpp"
#include "tracker/announce.hpp"
#include "tracker/bencode.hpp"
#include "tracker/http_routes.hpp"
#include "tracker/memory_swarm.hpp"

namespace {

tracker::Tracker& the_tracker() {
    static tracker::Tracker t = [] {
        tracker::MemoryStoreOptions store;
        store.max_peers = 4096;  // bounded however many announces the fuzzer makes
        store.max_torrents = 512;
        return tracker::Tracker(tracker::TrackerOptions{}, std::make_shared<tracker::MemorySwarmStore>(store));
    }();
    return t;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view in(reinterpret_cast<const char*>(data), size);
    const auto sp = in.find(' ');
    const std::string_view method = sp == std::string_view::npos ? std::string_view("GET") : in.substr(0, sp);
    const std::string_view target = sp == std::string_view::npos ? in : in.substr(sp + 1);

    static std::uint64_t now_ms = 1'000'000;
    now_ms += 250;  // time passes: peers expire, the tick samples
    auto& t = the_tracker();
    if (now_ms % 4000 == 0) t.tick(now_ms);
    const auto source = tracker::PeerEndpoint::v4_from({192, 0, 2, static_cast<std::uint8_t>(size)}, 40000);
    std::string summary;
    const tracker::HttpReply r = tracker::route(t, method, target, source, now_ms, &summary);
    if (r.status == 200 && r.content_type == "text/plain" && !tracker::bencode::decode(r.body)) std::abort();

    static http::QueryParams params;
    if (http::parse_query(http::target_query(target), params, http::QueryMode::raw, tracker::kMaxQueryParams) ==
        http::QueryError::none) {
        (void)tracker::parse_announce(params.all(), {});
        (void)tracker::parse_scrape(params.all(), 64);
    }
    return 0;
}
