#include "httpd/proxy.hpp"

// g++ 12 inlines asio's coroutine frame allocator into large frames and then mistakes its
// aligned_alloc/delete pair for a mismatch (a false positive).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

#include <spdlog/spdlog.h>

#include <boost/asio/experimental/awaitable_operators.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <list>
#include <mutex>
#include <optional>
#include <unordered_map>

#include "dns/resolver.hpp"
#include "dns/types.hpp"
#include "http/client.hpp"
#include "http/date.hpp"
#include "http/message.hpp"
#include "http/server.hpp"
#include "http/text.hpp"
#include "httpd/cache_policy.hpp"
#include "net/blocking.hpp"
#include "net/cidr.hpp"
#include "net/endpoint.hpp"

namespace httpd {

void ProxyConfig::bind(app::Daemon& d) {
    auto& o = d.options();
    o.add("--proxy", "proxy.enabled", enabled, "act as a forward proxy and web cache for absolute-form requests");
    o.add("--proxy-allow", "proxy.allow", allow,
          "client range allowed to use the proxy (repeatable; default loopback)");
    o.add("--resolver", "proxy.resolver", resolver, "DNS server HOST:PORT for origin names (default: the system's)");
    o.add("--upstream", "proxy.upstream", upstream, "reverse proxy: send origin-form requests to http://HOST:PORT");
    o.add("", "proxy.via_name", via_name, "pseudonym in the Via field");
    o.add("--connect-port", "proxy.connect_ports", connect_ports,
          "port CONNECT may tunnel to (repeatable; default 443)");
    o.add("", "proxy.tunnel_idle_ms", tunnel_idle_ms,
          "a CONNECT tunnel with no bytes either way for this long is closed");
    o.add("", "proxy.connect_timeout_ms", connect_timeout_ms, "origin connect timeout (502)");
    o.add("", "proxy.origin_timeout_ms", origin_timeout_ms, "origin response head timeout (504)");
    o.add("", "proxy.body_timeout_ms", body_timeout_ms, "origin response body timeout (504)");
    o.add("", "proxy.max_object_size", max_object_size, "largest response stored in the cache");
    o.add("", "proxy.max_response", max_response, "largest origin body relayed (502 above)");
    o.add("--cache-dir", "proxy.cache_dir", cache_dir, "directory where cache entries are kept across restarts");
    o.add("--cache-size", "proxy.cache_size", cache_size, "bytes of responses held in the cache (LRU)");
}

namespace {

using namespace asio::experimental::awaitable_operators;
using cache::Entry;
using cache::Fields;
using cache::Target;
using EntryPtr = std::shared_ptr<const Entry>;
constexpr std::size_t kTunnelChunk = 16 * 1024;

// A CONNECT tunnel (RFC 9110 9.3.6): bytes both ways until both sides are done, or one
// fails, or nothing moves for `idle`.
class Tunnel final : public http::Takeover {
public:
    Tunnel(net::Stream origin, std::chrono::milliseconds idle) : origin_(std::move(origin)), idle_(idle) {}

    net::task<void> run(net::Stream& client, std::string_view early) override {
        net::error_code ec;
        origin_.expires_after(idle_);
        client.expires_after(idle_);
        if (!early.empty()) co_await origin_.write(early, ec);
        if (!ec) co_await (pump(client, origin_, client) && pump(origin_, client, client));
        origin_.close();
    }

private:
    // One direction. An end of stream is passed on as a half-close; a failure (reset, the
    // idle deadline) closes both sides, which ends the other direction too.
    net::task<void> pump(net::Stream& from, net::Stream& to, net::Stream& client) {
        auto buf = std::make_unique<char[]>(kTunnelChunk);
        for (;;) {
            net::error_code ec;
            const std::size_t n = co_await from.read_some(asio::buffer(buf.get(), kTunnelChunk), ec);
            if (ec == asio::error::eof || ec == asio::ssl::error::stream_truncated) {
                to.shutdown_send();
                co_return;
            }
            if (!ec) {
                origin_.expires_after(idle_);
                client.expires_after(idle_);
                co_await to.write(std::string_view(buf.get(), n), ec);
            }
            if (ec) {
                from.close();
                to.close();
                co_return;
            }
        }
    }

    net::Stream origin_;
    std::chrono::milliseconds idle_;
};

}  // namespace

// The shared cache: entries by key, most recently used first, bytes capped; the Vary field
// names last seen for each URI; fetches in progress, so that concurrent misses wait for one.
// Entries are immutable once stored and shared: a hit sends the stored body without a copy.
class ProxyCache {
public:
    explicit ProxyCache(std::uint64_t cap, std::string dir = {}) : cap_(cap), dir_(std::move(dir)) {}

    // Loads every entry file of the cache directory (at start, before serving).
    void load() {
        if (dir_.empty()) return;
        std::error_code ec;
        std::filesystem::create_directories(dir_, ec);
        for (const auto& f : std::filesystem::directory_iterator(dir_, ec)) {
            const auto path = f.path();
            if (path.extension() == ".tmp") {
                std::filesystem::remove(path, ec);
                continue;
            }
            std::ifstream in(path, std::ios::binary);
            std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
            auto e = cache::deserialize(data, std::time(nullptr), net::Clock::now());
            if (!e || cache::file_of(e->key) != path.filename().string()) {
                std::filesystem::remove(path, ec);
                continue;
            }
            insert(std::make_shared<Entry>(std::move(*e)), false);
        }
        if (!index_.empty()) spdlog::info("proxy cache: {} entries loaded from {}", index_.size(), dir_);
    }

    EntryPtr find(const std::string& key) {
        std::lock_guard lock(mu_);
        auto it = index_.find(key);
        if (it == index_.end()) return nullptr;
        lru_.splice(lru_.begin(), lru_, it->second);
        return *it->second;
    }
    EntryPtr store(Entry e) {
        auto p = std::make_shared<Entry>(std::move(e));
        std::lock_guard lock(mu_);
        insert(p, true);
        return p;
    }
    void remove(const std::string& key) {
        std::lock_guard lock(mu_);
        if (auto it = index_.find(key); it != index_.end()) erase(it);
    }
    // Every variant stored for a URI key; returns how many went.
    std::size_t purge(const std::string& base) {
        std::lock_guard lock(mu_);
        std::size_t n = 0;
        for (auto it = index_.begin(); it != index_.end();) {
            const auto& k = it->first;
            if (k == base ||
                (k.size() > base.size() && k.compare(0, base.size(), base) == 0 && k[base.size()] == '\n')) {
                auto next = std::next(it);
                erase(it);
                it = next;
                ++n;
            } else {
                ++it;
            }
        }
        return n;
    }
    std::string vary(const std::string& uri) {
        std::lock_guard lock(mu_);
        auto it = vary_.find(uri);
        return it == vary_.end() ? std::string() : it->second;
    }
    void set_vary(const std::string& uri, std::string names) {
        std::lock_guard lock(mu_);
        if (names.empty()) vary_.erase(uri);
        else if (vary_.size() < 65536 || vary_.count(uri)) vary_[uri] = std::move(names);
    }

    // A fetch in progress for one key: waiters park on a timer the leader cancels.
    struct Flight {
        std::vector<std::shared_ptr<asio::steady_timer>> waiters;
    };
    // nullptr: the caller leads the fetch (call land() after); else a timer to wait on.
    std::shared_ptr<asio::steady_timer> join(const std::string& key, const asio::any_io_executor& ex,
                                             std::chrono::milliseconds bound) {
        std::lock_guard lock(mu_);
        auto it = flights_.find(key);
        if (it == flights_.end()) {
            flights_.emplace(key, Flight{});
            return nullptr;
        }
        auto t = std::make_shared<asio::steady_timer>(ex);
        t->expires_after(bound);
        it->second.waiters.push_back(t);
        return t;
    }
    // True if no fetch for `key` is in progress, and then the caller's is (call land() after).
    bool lead(const std::string& key) {
        std::lock_guard lock(mu_);
        return flights_.emplace(key, Flight{}).second;
    }
    void land(const std::string& key) {
        std::vector<std::shared_ptr<asio::steady_timer>> w;
        {
            std::lock_guard lock(mu_);
            auto it = flights_.find(key);
            if (it == flights_.end()) return;
            w = std::move(it->second.waiters);
            flights_.erase(it);
        }
        for (auto& t : w) asio::post(t->get_executor(), [t] { t->cancel(); });
    }

private:
    using Index = std::unordered_map<std::string, std::list<EntryPtr>::iterator>;

    void insert(std::shared_ptr<Entry> e, bool write) {
        e->bytes = e->body.size() + e->key.size() + 256;
        for (const auto& [n, v] : e->fields) e->bytes += n.size() + v.size();
        // A replaced entry's file is overwritten by the rename below, not removed (the pool's
        // jobs may run in any order).
        if (e->bytes > cap_) write = false;
        if (auto it = index_.find(e->key); it != index_.end()) erase(it, !write);
        if (e->bytes > cap_) return;
        if (write && !dir_.empty()) {
            // tmp + rename on the blocking pool: a reader never sees half a file.
            auto job = [path = dir_ + "/" + cache::file_of(e->key),
                        data = cache::serialize(*e, std::time(nullptr), net::Clock::now())] {
                const std::string tmp = path + ".tmp";
                {
                    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
                    out.write(data.data(), static_cast<std::streamsize>(data.size()));
                    if (!out.flush()) return;
                }
                std::error_code ec;
                std::filesystem::rename(tmp, path, ec);
            };
            asio::post(net::detail::blocking_pool(), std::move(job));
        }
        used_ += e->bytes;
        lru_.push_front(std::move(e));
        index_[lru_.front()->key] = lru_.begin();
        while (used_ > cap_ && !lru_.empty()) erase(index_.find(lru_.back()->key));
    }
    void erase(Index::iterator it, bool unlink = true) {
        if (unlink && !dir_.empty()) {
            auto job = [path = dir_ + "/" + cache::file_of(it->first)] {
                std::error_code ec;
                std::filesystem::remove(path, ec);
            };
            asio::post(net::detail::blocking_pool(), std::move(job));
        }
        used_ -= (*it->second)->bytes;
        lru_.erase(it->second);
        index_.erase(it);
    }

    std::mutex mu_;
    std::uint64_t cap_;
    std::string dir_;
    std::uint64_t used_ = 0;
    std::list<EntryPtr> lru_;
    Index index_;
    std::unordered_map<std::string, std::string> vary_;
    std::unordered_map<std::string, Flight> flights_;
};

struct Proxy::Impl {
    ProxyConfig cfg;
    net::CidrList allow;
    std::unique_ptr<dns::Resolver> resolver;
    std::optional<Target> upstream;
    http::ClientLimits limits;
    ProxyCache cache;

    explicit Impl(const ProxyConfig& c) : cfg(c), cache(c.cache_size, c.cache_dir) {
        cache.load();
        std::string err;
        auto list =
            net::CidrList::parse(cfg.allow.empty() ? std::vector<std::string>{"127.0.0.0/8", "::1"} : cfg.allow, err);
        if (!list) throw app::ConfigError("proxy.allow: " + err);
        allow = std::move(*list);
        if (!cfg.resolver.empty()) {
            auto hp = net::parse_host_port(cfg.resolver);
            if (!hp) throw app::ConfigError("proxy.resolver: expected HOST:PORT, got `" + cfg.resolver + "`");
            resolver = std::make_unique<dns::Resolver>(dns::ResolverOptions{.server = *hp});
        }
        if (!cfg.upstream.empty()) {
            upstream = cache::parse_absolute(cfg.upstream);
            if (!upstream)
                throw app::ConfigError("proxy.upstream: expected http://HOST:PORT, got `" + cfg.upstream + "`");
        }
        if (std::find(cfg.connect_ports.begin(), cfg.connect_ports.end(), 0) != cfg.connect_ports.end())
            throw app::ConfigError("proxy.connect_ports: 0 is not a port");
        limits.connect_timeout = std::chrono::milliseconds(cfg.connect_timeout_ms);
        limits.head_timeout = std::chrono::milliseconds(cfg.origin_timeout_ms);
        limits.body_timeout = std::chrono::milliseconds(cfg.body_timeout_ms);
        limits.send_timeout = std::chrono::milliseconds(cfg.origin_timeout_ms);
        limits.max_body = cfg.max_response;
    }

    net::task<std::vector<net::tcp::endpoint>> resolve(const Target& t) {
        std::vector<net::tcp::endpoint> out;
        if (auto a = net::parse_address(t.host); a && t.host != "localhost") {
            out.emplace_back(*a, t.port);
            co_return out;
        }
        if (resolver) {
            dns::NameError ne{};
            // A host name is absolute: without its trailing dot it would be relative to nothing.
            const std::string fqdn = t.host.ends_with('.') ? t.host : t.host + ".";
            auto name = dns::Name::from_text(fqdn, nullptr, ne);
            if (!name) co_return out;
            for (const std::uint16_t type : {dns::type::A, dns::type::AAAA}) {
                const dns::Answer a = co_await resolver->query(*name, type);
                for (const auto& rr : a.records) {
                    if (type == dns::type::A && rr.rdata.size() == 4) {
                        asio::ip::address_v4::bytes_type b;
                        std::copy(rr.rdata.begin(), rr.rdata.end(), b.begin());
                        out.emplace_back(asio::ip::address_v4(b), t.port);
                    } else if (type == dns::type::AAAA && rr.rdata.size() == 16) {
                        asio::ip::address_v6::bytes_type b;
                        std::copy(rr.rdata.begin(), rr.rdata.end(), b.begin());
                        out.emplace_back(asio::ip::address_v6(b), t.port);
                    }
                }
                if (!out.empty()) break;
            }
            co_return out;
        }
        auto ex = co_await asio::this_coro::executor;
        net::tcp::resolver r(ex);
        auto [ec, results] =
            co_await r.async_resolve(t.host, std::to_string(t.port), asio::as_tuple(asio::use_awaitable));
        if (!ec)
            for (const auto& e : results) out.push_back(e.endpoint());
        co_return out;
    }

    // The request to the origin: origin-form target, Host, end-to-end fields, Via.
    std::string outgoing(const http::ServerRequest& rq, const Target& t, const Fields& extra, bool drop_conditionals,
                         std::optional<std::uint64_t> max_forwards) const {
        std::vector<std::string> named;
        for (const auto& h : rq.head.headers)
            if (http::iequals(h.name, "connection"))
                for (auto tok : cache::split_list(h.value)) named.emplace_back(tok);
        std::string out;
        out.reserve(512);
        out.append(rq.head.method_token).append(" ").append(t.path).append(" HTTP/1.1\r\nHost: ");
        out.append(t.authority).append("\r\n");
        std::string via;
        for (const auto& h : rq.head.headers) {
            if (cache::is_hop_by_hop(h.name, named) || http::iequals(h.name, "host") ||
                http::iequals(h.name, "content-length"))
                continue;
            if (http::iequals(h.name, "via")) {
                via.append(h.value).append(", ");
                continue;
            }
            if (max_forwards && http::iequals(h.name, "max-forwards")) continue;
            if (drop_conditionals &&
                (http::iequals(h.name, "if-none-match") || http::iequals(h.name, "if-modified-since") ||
                 http::iequals(h.name, "if-match") || http::iequals(h.name, "if-unmodified-since") ||
                 http::iequals(h.name, "if-range") || http::iequals(h.name, "range")))
                continue;
            out.append(h.name).append(": ").append(h.value).append("\r\n");
        }
        for (const auto& [n, v] : extra) out.append(n).append(": ").append(v).append("\r\n");
        if (max_forwards) out.append("Max-Forwards: ").append(std::to_string(*max_forwards)).append("\r\n");
        // RFC 9110 7.6.3: Via: 1.1 <pseudonym>, after what earlier hops wrote.
        out.append("Via: ").append(via).append(rq.head.version_minor == 0 ? "1.0 " : "1.1 ").append(cfg.via_name);
        out.append("\r\n");
        if (!rq.body.empty() || rq.head.body != http::BodyKind::none)
            out.append("Content-Length: ").append(std::to_string(rq.body.size())).append("\r\n");
        out.append("\r\n");
        out.append(rq.body);
        return out;
    }

    void answer_head(http::Response& resp, int status, const Fields& fields, std::string_view x_cache,
                     std::optional<std::uint64_t> age) const {
        resp.status = status;
        for (const auto& [n, v] : fields) resp.add_header(n, v);
        if (age) resp.add_header("Age", *age);
        resp.add_header("Via", std::string("1.1 ") + cfg.via_name);
        if (!x_cache.empty()) resp.add_header("X-Cache", x_cache);
    }
    void answer(http::Response& resp, http::ClientResponse& r, std::string_view x_cache) const {
        answer_head(resp, r.status, cache::relayable(r.headers), x_cache, std::nullopt);
        resp.body = std::move(r.body);
    }

    static void fail(http::Response& resp, http::ClientError e) {
        const int status = e == http::ClientError::timed_out ? 504 : 502;
        http::set_error(resp, status, http::to_string(e));
    }

    // The cache key of a request: method and URI, plus the request's values of the Vary fields.
    static std::string key_for(const http::ServerRequest& rq, const std::string& uri, const std::string& vary) {
        std::string key = uri;
        for (auto n : cache::split_list(vary)) {
            key.append("\n").append(http::ascii_lower(n)).append(":");
            key.append(rq.head.header(n));
        }
        return key;
    }

    static cache::RequestFacts facts_of(const http::ServerRequest& rq) {
        return {rq.head.method == http::Method::get,
                cache::cache_control(rq.head.header("cache-control")).count("no-store") > 0,
                rq.head.has_header("authorization")};
    }
    static cache::FetchTimes times_since(net::Clock::time_point sent) {
        return {sent, net::Clock::now(), std::time(nullptr)};
    }

    // A stored response as the answer (its body shared, not copied), or 304 for a client's
    // own conditional that it satisfies.
    void serve_entry(const http::ServerRequest& rq, http::Response& resp, const EntryPtr& e,
                     std::string_view x_cache) const {
        const auto age = e->age(net::Clock::now());
        if ((rq.head.method == http::Method::get || rq.head.method == http::Method::head) && e->status == 200 &&
            cache::not_modified(rq.head.header("if-none-match"), rq.head.header("if-modified-since"), *e)) {
            Fields f;
            for (const auto& [n, v] : e->fields)
                if (http::iequals(n, "etag") || http::iequals(n, "cache-control") || http::iequals(n, "expires") ||
                    http::iequals(n, "vary") || http::iequals(n, "last-modified"))
                    f.emplace_back(n, v);
            answer_head(resp, 304, f, x_cache, age);
            return;
        }
        answer_head(resp, e->status, e->fields, x_cache, age);
        resp.set_shared(e, e->body);
    }

    net::task<void> handle(const http::ServerRequest& rq, http::Response& resp) {
        auto addr = net::parse_address(rq.peer.address);
        if (!addr || !allow.contains(*addr)) {
            http::set_error(resp, 403, "not a client of this proxy");
            co_return;
        }
        if (rq.head.method == http::Method::connect) {
            co_await open_tunnel(rq, resp);
            co_return;
        }
        std::optional<Target> target;
        const bool origin_form = !rq.head.target.empty() && rq.head.target.front() == '/';
        if (upstream && (origin_form || !cfg.enabled)) {
            // A reverse proxy sends everything to its origin; an absolute-form request (RFC
            // 9112 3.2.2) keeps only its path there, so that it never becomes a forward proxy.
            target = *upstream;
            if (origin_form) {
                target->path = std::string(rq.head.target);
            } else if (auto abs = cache::parse_absolute(rq.head.target)) {
                target->path = abs->path;
            } else {
                http::set_error(resp, 400, "not an http URL");
                co_return;
            }
        } else {
            target = cache::parse_absolute(rq.head.target);
            if (!target) {
                http::set_error(resp, 400, "not an http URL");
                co_return;
            }
        }
        const std::string uri = "http://" + target->host + ":" + std::to_string(target->port) + target->path;
        // PURGE (Squid, Varnish, nginx): drops the stored variants of a URI; allowed clients only.
        if (rq.head.method_token == "PURGE") {
            const auto n = cache.purge("GET " + uri);
            if (n == 0) {
                http::set_error(resp, 404, "not in the cache");
            } else {
                resp.add_header("Content-Type", "text/plain");
                resp.body = "purged " + std::to_string(n) + "\n";
            }
            co_return;
        }
        // RFC 9110 7.6.2: Max-Forwards on TRACE and OPTIONS; 0 means we answer.
        std::optional<std::uint64_t> max_forwards;
        if (rq.head.method == http::Method::trace || rq.head.method == http::Method::options) {
            if (auto mf = rq.head.header("max-forwards"); !mf.empty()) {
                std::uint64_t v = 0;
                if (!http::parse_decimal(cache::trim(mf), v)) {
                    http::set_error(resp, 400, "bad Max-Forwards");
                    co_return;
                }
                if (v == 0) {
                    answer_here(rq, resp);
                    co_return;
                }
                max_forwards = v - 1;
            }
        }
        const bool cacheable_method = rq.head.method == http::Method::get || rq.head.method == http::Method::head;
        const auto qcc = cache::cache_control(rq.head.header("cache-control"));
        if (!cacheable_method || qcc.count("no-store")) {
            co_await relay(rq, resp, *target, max_forwards);
            co_return;
        }
        // The GET entry answers HEAD too; a HEAD never fills the cache.
        const std::string base = "GET " + uri;
        auto ex = co_await asio::this_coro::executor;
        bool waited = false;
        for (;;) {
            const std::string key = key_for(rq, base, cache.vary(base));
            EntryPtr hit = cache.find(key);
            const auto now = net::Clock::now();
            const bool may_use = hit && !qcc.count("no-cache");
            if (may_use && hit->fresh(now)) {
                serve_entry(rq, resp, hit, "HIT");
                co_return;
            }
            // RFC 5861 3: stale-while-revalidate: answer with the stale entry now, refresh it
            // in the background (one refresh per key at a time).
            if (may_use && !hit->no_cache && hit->stale_allowed(now, "stale-while-revalidate")) {
                serve_entry(rq, resp, hit, "STALE");
                if (cache.lead(key)) {
                    Fields extra = validators(*hit);
                    asio::co_spawn(ex, refresh(*target, outgoing(rq, *target, extra, true, std::nullopt), hit, key),
                                   asio::detached);
                }
                co_return;
            }
            if (rq.head.method == http::Method::head) {
                co_await relay(rq, resp, *target, max_forwards);
                co_return;
            }
            // One fetch per key at a time: later misses wait for it, then look again.
            if (!waited) {
                const auto bound = limits.connect_timeout + limits.head_timeout + limits.body_timeout;
                if (auto t = cache.join(key, ex, bound)) {
                    waited = true;
                    (void)co_await t->async_wait(asio::as_tuple(asio::use_awaitable));
                    continue;
                }
            }
            co_await fetch_and_store(rq, resp, *target, key, base, hit);
            if (!waited) cache.land(key);
            co_return;
        }
    }

    // OPTIONS or TRACE with Max-Forwards: 0, answered by the proxy itself.
    static void answer_here(const http::ServerRequest& rq, http::Response& resp) {
        if (rq.head.method == http::Method::options) {
            resp.add_header("Allow", "GET, HEAD, POST, PUT, DELETE, OPTIONS, TRACE, CONNECT");
            resp.add_header("Content-Type", "text/plain");
            return;
        }
        resp.add_header("Content-Type", "message/http");
        resp.body.append(rq.head.method_token).append(" ").append(rq.head.target);
        resp.body.append(" HTTP/1.1\r\n");
        for (const auto& h : rq.head.headers)
            if (!http::iequals(h.name, "authorization") && !http::iequals(h.name, "cookie"))
                resp.body.append(h.name).append(": ").append(h.value).append("\r\n");
        resp.body.append("\r\n");
    }

    // RFC 9110 9.3.6: CONNECT host:port opens a tunnel, to the allowed ports only; the 200
    // goes out once the far end accepted the connection.
    net::task<void> open_tunnel(const http::ServerRequest& rq, http::Response& resp) {
        if (!cfg.enabled) {
            http::set_error(resp, 405, "CONNECT is for a forward proxy");
            resp.add_header("Allow", "GET, HEAD, POST, PUT, DELETE, OPTIONS, TRACE");
            co_return;
        }
        auto t = cache::parse_authority(rq.head.target);
        if (!t) {
            http::set_error(resp, 400, "CONNECT needs host:port");
            co_return;
        }
        if (std::find(cfg.connect_ports.begin(), cfg.connect_ports.end(), t->port) == cfg.connect_ports.end()) {
            http::set_error(resp, 403, "CONNECT to this port is not allowed");
            co_return;
        }
        auto eps = co_await resolve(*t);
        if (eps.empty()) {
            http::set_error(resp, 502, "origin name not resolved");
            co_return;
        }
        const http::Origin far{t->authority, std::move(eps)};  // named: no temporary beside co_await (g++ 12)
        auto s = co_await http::connect(far, limits.connect_timeout);
        if (!s) {
            spdlog::info("proxy: CONNECT {}: connect failed", rq.head.target);
            http::set_error(resp, 502, "the origin did not accept the connection");
            co_return;
        }
        resp.status = 200;
        resp.add_header("Via", std::string("1.1 ") + cfg.via_name);
        resp.takeover = std::make_shared<Tunnel>(std::move(*s), std::chrono::milliseconds(cfg.tunnel_idle_ms));
        resp.note = "tunnel to " + t->authority;
    }

    // A request the cache does not answer: straight to the origin and back.
    net::task<void> relay(const http::ServerRequest& rq, http::Response& resp, const Target& t,
                          std::optional<std::uint64_t> max_forwards) {
        auto eps = co_await resolve(t);
        if (eps.empty()) {
            http::set_error(resp, 502, "origin name not resolved");
            co_return;
        }
        const http::Origin origin{t.host + ":" + std::to_string(t.port), std::move(eps)};
        const std::string req = outgoing(rq, t, {}, false, max_forwards);
        http::ClientResponse r;
        const bool idempotent = rq.head.method != http::Method::post && rq.head.method != http::Method::patch;
        const auto e = co_await http::fetch(origin, req, rq.head.method == http::Method::head, idempotent, limits, r);
        if (e != http::ClientError::none) {
            spdlog::info("proxy: {} {}: {}", rq.head.method_token, rq.head.target, http::to_string(e));
            fail(resp, e);
            co_return;
        }
        answer(resp, r, {});
    }

    // RFC 9111 4.3.1: the validators of a stored response, for its conditional request.
    static Fields validators(const Entry& e) {
        Fields extra;
        if (!e.etag.empty()) extra.emplace_back("If-None-Match", e.etag);
        if (!e.last_modified.empty()) extra.emplace_back("If-Modified-Since", e.last_modified);
        return extra;
    }

    // A stale entry refreshed in the background (stale-while-revalidate): a 304 freshens
    // it, a new cacheable response replaces it, anything else leaves it as it was. `key`'s
    // flight (cache.lead) ends here.
    net::task<void> refresh(Target t, std::string req, EntryPtr stale, std::string key) {
        auto eps = co_await resolve(t);
        if (!eps.empty()) {
            const http::Origin origin{t.host + ":" + std::to_string(t.port), std::move(eps)};
            const auto sent = net::Clock::now();
            http::ClientResponse r;
            const auto e = co_await http::fetch(origin, req, false, true, limits, r);
            if (e != http::ClientError::none) {
                spdlog::info("proxy: refreshing {}: {}", key, http::to_string(e));
            } else if (r.status == 304) {
                Entry fresh = *stale;
                cache::freshen(fresh, r.headers, times_since(sent));
                (void)cache.store(std::move(fresh));
            } else if (r.status < 500) {
                // The stale entry's key holds the request's Vary values; a changed Vary
                // leaves the next request to fetch anew.
                const std::string base = key.substr(0, key.find('\n'));
                const std::string vary = r.joined("vary");
                if (cache::trim(vary) == "*" || vary != cache.vary(base)) {
                    cache.set_vary(base, cache::trim(vary) == "*" ? std::string() : vary);
                    cache.remove(key);
                } else if (auto entry = cache::storable({}, key, r.status, r.headers, std::move(r.body),
                                                        times_since(sent), cfg.max_object_size)) {
                    (void)cache.store(std::move(*entry));
                } else {
                    cache.remove(key);
                }
            }
        }
        cache.land(key);
    }

    net::task<void> fetch_and_store(const http::ServerRequest& rq, http::Response& resp, const Target& t,
                                    const std::string& key, const std::string& base, EntryPtr stale) {
        auto eps = co_await resolve(t);
        if (eps.empty()) {
            http::set_error(resp, 502, "origin name not resolved");
            co_return;
        }
        const http::Origin origin{t.host + ":" + std::to_string(t.port), std::move(eps)};
        // RFC 9111 4.3.1: validate a stored response with its validators; the client's own
        // conditionals are answered from what we end up holding.
        const std::string req = outgoing(rq, t, stale ? validators(*stale) : Fields{}, true, std::nullopt);
        const auto sent = net::Clock::now();
        http::ClientResponse r;
        const auto e = co_await http::fetch(origin, req, false, true, limits, r);
        // RFC 5861 4: stale-if-error lets a stale entry stand in for a failed origin (not
        // with must-revalidate), for the 5xx answers as for the failures.
        if (stale && (e != http::ClientError::none || r.status >= 500) &&
            stale->stale_allowed(net::Clock::now(), "stale-if-error")) {
            serve_entry(rq, resp, stale, "STALE");
            co_return;
        }
        if (e != http::ClientError::none) {
            spdlog::info("proxy: GET {}: {}", rq.head.target, http::to_string(e));
            fail(resp, e);
            co_return;
        }
        if (stale && r.status == 304) {
            // RFC 9111 4.3.4: freshen the stored response with the 304's fields.
            Entry fresh = *stale;
            cache::freshen(fresh, r.headers, times_since(sent));
            serve_entry(rq, resp, cache.store(std::move(fresh)), "REVALIDATED");
            co_return;
        }
        if (r.status != 206) {
            const std::string vary = r.joined("vary");
            const bool any = cache::trim(vary) == "*";
            cache.set_vary(base, any ? std::string() : vary);
            const std::string real_key = key_for(rq, base, any ? std::string() : vary);
            if (real_key != key) cache.remove(key);
            // storable() takes the body only when it makes an entry of it.
            if (auto entry = cache::storable(facts_of(rq), real_key, r.status, r.headers, std::move(r.body),
                                             times_since(sent), cfg.max_object_size)) {
                serve_entry(rq, resp, cache.store(std::move(*entry)), "MISS");
                co_return;
            }
            cache.remove(real_key);
        }
        answer(resp, r, "MISS");
    }
};

Proxy::Proxy(const ProxyConfig& cfg) : impl_(std::make_unique<Impl>(cfg)) {}
Proxy::~Proxy() = default;

bool Proxy::wants(const http::ServerRequest& rq) const {
    if (impl_->upstream) return true;
    const auto t = rq.head.target;
    return rq.head.method == http::Method::connect || (t.size() > 7 && http::iequals(t.substr(0, 7), "http://")) ||
           (t.size() > 8 && http::iequals(t.substr(0, 8), "https://"));
}

net::task<void> Proxy::handle(const http::ServerRequest& rq, http::Response& resp) { return impl_->handle(rq, resp); }

}  // namespace httpd
