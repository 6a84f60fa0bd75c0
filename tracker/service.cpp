#include "tracker/service.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "http/server.hpp"
#include "net/endpoint.hpp"
#include "net/trace.hpp"
#include "tracker/http_routes.hpp"

namespace tracker {

void add_options(app::Daemon& d, ServiceConfig& c) {
    auto& o = d.options();
    o.add("--listen-udp", "tracker.listen_udp", c.listen_udp, "UDP tracker (BEP 15) address HOST:PORT (repeatable)");
    o.add("--udp-reuseport", "tracker.udp_reuseport", c.udp_reuseport,
          "one UDP socket per worker (the kernel hashes each client to one); default: one shared socket");
    o.add("--whitelist", "tracker.whitelist", c.whitelist,
          "whitelist mode: file of hex info_hashes, reloaded on SIGHUP (in the config file: relative to it)");
    o.add("--interval", "tracker.interval", c.interval, "seconds between announces");
    o.add("--min-interval", "tracker.min_interval", c.min_interval, "minimum seconds between announces");
    o.add("--numwant", "tracker.default_numwant", c.default_numwant, "peers handed out when the client asks none");
    o.add("--max-numwant", "tracker.max_numwant", c.max_numwant, "cap on peers handed out per announce");
    o.add("--trust-ip", "tracker.trust_ip", c.trust_ip, "honour the announce's ip parameter (spoofable)");
    o.add("--peer-timeout", "tracker.peer_timeout", c.peer_timeout,
          "seconds without an announce before a peer expires");
    o.add("--max-peers", "tracker.max_peers", c.max_peers, "peers across all torrents");
    o.add("--max-torrents", "tracker.max_torrents", c.max_torrents, "torrents tracked at once");
    o.add("--max-scrape", "tracker.max_scrape", c.max_scrape, "info_hashes per HTTP scrape");
    o.add("--rate-limit", "tracker.rate_limit", c.rate_limit, "requests per second per address (0 = off)");
    o.add("--rate-burst", "tracker.rate_burst", c.rate_burst, "burst allowed above the rate (0 = 4 s worth)");
    o.add("--max-connections", "http.max_connections", c.max_connections, "HTTP connections at once");
    o.add("--max-per-address", "http.max_per_address", c.max_per_address, "HTTP connections per client address");
    o.add("--idle-timeout-ms", "http.idle_timeout_ms", c.idle_timeout_ms, "HTTP keep-alive idle timeout");
    o.add("--max-requests", "http.max_requests", c.max_requests, "HTTP requests per connection");
}

std::uint64_t now_ms() {
    using namespace std::chrono;
    return static_cast<std::uint64_t>(duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count());
}

namespace {

PeerEndpoint to_peer(const asio::ip::address& a, std::uint16_t port) {
    if (a.is_v4()) return PeerEndpoint::v4_from(a.to_v4().to_bytes(), port);
    const auto v6 = a.to_v6();
    if (v6.is_v4_mapped())
        return PeerEndpoint::v4_from(asio::ip::make_address_v4(asio::ip::v4_mapped, v6).to_bytes(), port);
    return PeerEndpoint::v6_from(v6.to_bytes(), port);
}

HashSet read_whitelist(const std::string& path) {
    try {
        return load_whitelist(path);
    } catch (const std::runtime_error& e) {
        throw app::ConfigError(e.what());
    }
}

// The tick: expiry and the announce-rate sample, once a second on worker 0.
void schedule_tick(std::shared_ptr<asio::steady_timer> timer, std::shared_ptr<Tracker> t) {
    timer->expires_after(std::chrono::seconds(1));
    timer->async_wait([timer, t](net::error_code ec) {
        if (ec) return;
        t->tick(now_ms());
        schedule_tick(timer, t);
    });
}

TrackerOptions tracker_options(const ServiceConfig& cfg, bool whitelist_mode) {
    TrackerOptions opts;
    opts.interval = cfg.interval;
    opts.min_interval = std::min(cfg.min_interval, cfg.interval);
    opts.numwant = {cfg.default_numwant, cfg.max_numwant};
    opts.trust_ip_param = cfg.trust_ip;
    opts.max_scrape = cfg.max_scrape;
    opts.rate = {.per_second = cfg.rate_limit, .burst = cfg.rate_burst};
    // Sweep twice per timeout (at most every 30 s): a silent peer lingers at most 1.5 timeouts.
    opts.expire_every_ms =
        static_cast<std::uint32_t>(std::clamp<std::uint64_t>(std::uint64_t{cfg.peer_timeout} * 500, 1000, 30000));
    opts.whitelist_mode = whitelist_mode;
    return opts;
}

// The tracker over an in-memory store, with its whitelist loaded (whitelist mode).
std::shared_ptr<Tracker> make_tracker(const ServiceConfig& cfg, const std::string& whitelist_path) {
    const TrackerOptions opts = tracker_options(cfg, !whitelist_path.empty());
    MemoryStoreOptions store_opts;
    store_opts.peer_timeout = cfg.peer_timeout;
    store_opts.max_peers = cfg.max_peers;
    store_opts.max_torrents = cfg.max_torrents;
    store_opts.keep_empty_torrents = opts.whitelist_mode;
    auto tracker = std::make_shared<Tracker>(opts, std::make_shared<MemorySwarmStore>(store_opts));
    if (opts.whitelist_mode) {
        tracker->whitelist().replace(read_whitelist(whitelist_path));
        spdlog::info("whitelist mode: {} info_hash(es) from {}", tracker->whitelist().size(), whitelist_path);
    }
    return tracker;
}

// HTTP: the shared session driver; the routes are pure.
void add_http(app::Daemon& d, net::Runtime& rt, const ServiceConfig& cfg, const std::shared_ptr<Tracker>& tracker) {
    auto opts = std::make_shared<http::ServerOptions>();
    opts->limits.idle_timeout = std::chrono::milliseconds(cfg.idle_timeout_ms);
    opts->limits.max_requests = cfg.max_requests;
    opts->limits.max_body = 0;  // announces and scrapes are GETs
    opts->server_name = "netsuite-tracker";
    opts->trace_label = "tracker-http";  // beside "tracker-udp", distinct from httpd's "http"
    // Every route answers at once: the driver's quick path, no coroutine per announce.
    opts->quick = [tracker](const http::ServerRequest& req, http::Response& resp) {
        respond(*tracker, req, now_ms(), resp);
        return true;
    };
    auto handler = std::make_shared<http::Handler>(
        [tracker](const http::ServerRequest& req, http::Response& resp) -> net::task<void> {
            respond(*tracker, req, now_ms(), resp);
            co_return;
        });
    auto eps = rt.add_tcp({.name = "tracker-http",
                           .listen = d.listen(),
                           .limits = {cfg.max_connections, cfg.max_per_address},
                           .busy_reply = std::string(http::kBusyReply)},
                          // The factory refers to *handler and *opts: it keeps them alive.
                          [handler, opts, make = http::service(*handler, *opts)](net::Stream& s) { return make(s); });
    d.announce("tcp", eps);
}

// UDP (BEP 15): one datagram in, at most one out, on whichever worker received it.
void add_udp(app::Daemon& d, net::Runtime& rt, const ServiceConfig& cfg, const std::shared_ptr<Tracker>& tracker) {
    std::vector<net::HostPort> listen;
    for (const auto& text : cfg.listen_udp) {
        auto hp = net::parse_host_port(text);
        if (!hp) throw app::ConfigError("tracker.listen_udp: not HOST:PORT: " + text);
        listen.push_back(*hp);
    }
    if (listen.empty()) return;
    auto eps = rt.add_udp({.name = "tracker-udp",
                           .listen = listen,
                           .max_datagram = 2048,
                           .max_reply = 4096,
                           .spread = cfg.udp_reuseport ? net::UdpServiceConfig::Spread::per_worker
                                                       : net::UdpServiceConfig::Spread::shared},
                          [tracker](std::span<const std::uint8_t> q, const net::udp::endpoint& from,
                                    std::span<std::uint8_t> reply) -> std::size_t {
                              const bool tracing = net::Trace::enabled();
                              std::string summary;
                              std::size_t n = tracker->datagram(q, to_peer(from.address(), from.port()), now_ms(),
                                                                reply, tracing ? &summary : nullptr);
                              if (tracing) net::trace_datagram("tracker-udp", from, summary);
                              return n;
                          });
    d.announce("udp", eps);
}

// The once-a-second tick on worker 0, cancelled when the runtime stops.
void start_tick(net::Runtime& rt, const std::shared_ptr<Tracker>& tracker) {
    auto timer = std::make_shared<asio::steady_timer>(rt.context(0));
    tracker->tick(now_ms());
    schedule_tick(timer, tracker);
    // Only a weak reference here: the stop hooks outlive the io_contexts, the timer must not.
    std::weak_ptr<asio::steady_timer> weak_timer = timer;
    rt.on_stop([weak_timer, &rt] {
        asio::post(rt.context(0), [weak_timer] {
            if (auto t = weak_timer.lock()) t->cancel();
        });
    });
}

}  // namespace

void setup(app::Daemon& d, net::Runtime& rt, const ServiceConfig& cfg, Service& svc) {
    svc.whitelist_path = d.config_path(cfg.whitelist, "--whitelist");
    svc.tracker = make_tracker(cfg, svc.whitelist_path);
    add_http(d, rt, cfg, svc.tracker);
    add_udp(d, rt, cfg, svc.tracker);
    start_tick(rt, svc.tracker);
    d.on_reload([&svc](const toml::table&) {
        if (svc.whitelist_path.empty()) return;
        // A bad file keeps the old list (ConfigError is logged by the daemon).
        svc.tracker->whitelist().replace(read_whitelist(svc.whitelist_path));
        spdlog::info("whitelist reloaded: {} info_hash(es)", svc.tracker->whitelist().size());
    });
}

}  // namespace tracker
