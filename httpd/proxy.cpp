#include "httpd/proxy.hpp"

// g++ 12 inlines asio's coroutine frame allocator into large frames and then mistakes its
// aligned_alloc/delete pair for a mismatch (a false positive).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <list>
#include <map>
#include <mutex>
#include <optional>
#include <sstream>
#include <unordered_map>

#include "dns/resolver.hpp"
#include "dns/types.hpp"
#include "http/client.hpp"
#include "http/date.hpp"
#include "http/message.hpp"
#include "http/text.hpp"
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
    o.add("", "proxy.connect_timeout_ms", connect_timeout_ms, "origin connect timeout (502)");
    o.add("", "proxy.origin_timeout_ms", origin_timeout_ms, "origin response head timeout (504)");
    o.add("", "proxy.body_timeout_ms", body_timeout_ms, "origin response body timeout (504)");
    o.add("", "proxy.max_object_size", max_object_size, "largest response stored in the cache");
    o.add("", "proxy.max_response", max_response, "largest origin body relayed (502 above)");
    o.add("--cache-dir", "proxy.cache_dir", cache_dir, "directory where cache entries are kept across restarts");
    o.add("--cache-size", "proxy.cache_size", cache_size, "bytes of responses held in the cache (LRU)");
}

namespace {

using Fields = std::vector<std::pair<std::string, std::string>>;

// RFC 9110 7.6.1: fields that belong to one connection, never forwarded.
bool is_hop_by_hop(std::string_view name, const std::vector<std::string>& connection_named) {
    static constexpr std::string_view kFixed[] = {"connection",       "keep-alive",          "te",
                                                  "trailer",          "transfer-encoding",   "upgrade",
                                                  "proxy-connection", "proxy-authorization", "proxy-authenticate"};
    for (auto f : kFixed)
        if (http::iequals(name, f)) return true;
    if (name.size() > 6 && http::iequals(name.substr(0, 6), "proxy-")) return true;
    for (const auto& n : connection_named)
        if (http::iequals(name, n)) return true;
    return false;
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

// Splits a comma-separated list into trimmed, non-empty elements.
std::vector<std::string_view> split_list(std::string_view v) {
    std::vector<std::string_view> out;
    while (!v.empty()) {
        const auto c = v.find(',');
        const auto e = trim(v.substr(0, c));
        if (!e.empty()) out.push_back(e);
        if (c == std::string_view::npos) break;
        v.remove_prefix(c + 1);
    }
    return out;
}

// Field names listed in Connection values.
std::vector<std::string> connection_tokens(const auto& headers) {
    std::vector<std::string> out;
    for (const auto& h : headers) {
        const auto& [n, v] = h;
        if (http::iequals(n, "connection"))
            for (auto t : split_list(v)) out.emplace_back(t);
    }
    return out;
}

// Cache-Control directives (RFC 9111 5.2): name (lower case) -> argument ("" if none).
std::map<std::string, std::string> cache_control(std::string_view value) {
    std::map<std::string, std::string> out;
    for (auto d : split_list(value)) {
        const auto eq = d.find('=');
        std::string name = http::ascii_lower(trim(d.substr(0, eq)));
        std::string arg;
        if (eq != std::string_view::npos) {
            auto a = trim(d.substr(eq + 1));
            if (a.size() >= 2 && a.front() == '"' && a.back() == '"') a = a.substr(1, a.size() - 2);
            arg = std::string(a);
        }
        out.emplace(std::move(name), std::move(arg));
    }
    return out;
}

std::optional<std::uint64_t> seconds(const std::map<std::string, std::string>& cc, const std::string& name) {
    auto it = cc.find(name);
    if (it == cc.end()) return std::nullopt;
    std::uint64_t v = 0;
    if (!http::parse_decimal(it->second, v)) return 0;  // RFC 9111 4.2.1: invalid -> stale
    return v;
}

// An absolute-form target split up: http://host[:port]/path?query (RFC 9112 3.2.2).
struct Target {
    std::string host;  // lower case, IPv6 without brackets
    std::uint16_t port = 80;
    std::string authority;  // as for Host
    std::string path;       // origin form, "/" at least
};

std::optional<Target> parse_absolute(std::string_view t) {
    if (t.size() < 8 || !http::iequals(t.substr(0, 7), "http://")) return std::nullopt;
    t.remove_prefix(7);
    const auto end = t.find_first_of("/?#");
    std::string_view auth = t.substr(0, end);
    Target out;
    std::string_view rest = end == std::string_view::npos ? std::string_view{} : t.substr(end);
    if (const auto hash = rest.find('#'); hash != std::string_view::npos) rest = rest.substr(0, hash);
    out.path = rest.empty() || rest.front() != '/' ? "/" + std::string(rest) : std::string(rest);
    if (auth.empty() || auth.find('@') != std::string_view::npos) return std::nullopt;
    out.authority = std::string(auth);
    std::string_view host = auth, port;
    if (auth.front() == '[') {
        const auto rb = auth.find(']');
        if (rb == std::string_view::npos) return std::nullopt;
        host = auth.substr(1, rb - 1);
        if (rb + 1 < auth.size()) {
            if (auth[rb + 1] != ':') return std::nullopt;
            port = auth.substr(rb + 2);
        }
    } else if (const auto colon = auth.rfind(':'); colon != std::string_view::npos) {
        host = auth.substr(0, colon);
        port = auth.substr(colon + 1);
    }
    if (host.empty()) return std::nullopt;
    if (!port.empty()) {
        std::uint64_t p = 0;
        if (!http::parse_decimal(port, p) || p == 0 || p > 65535) return std::nullopt;
        out.port = static_cast<std::uint16_t>(p);
    }
    out.host = http::ascii_lower(host);
    return out;
}

// One stored response (RFC 9111 3).
struct Entry {
    std::string key;
    int status = 200;
    Fields fields;  // end-to-end fields, as received (no Date, Age, hop-by-hop)
    std::string body;
    net::Clock::time_point stored{};  // response_time
    std::uint64_t initial_age = 0;    // RFC 9111 4.2.3 corrected_initial_age
    std::uint64_t lifetime = 0;       // freshness lifetime, seconds
    bool no_cache = false;            // no-cache: always revalidate
    bool must_revalidate = false;     // must-revalidate / proxy-revalidate: never served stale
    std::string etag, last_modified;
    std::size_t bytes = 0;

    [[nodiscard]] std::uint64_t age(net::Clock::time_point now) const {
        return initial_age +
               static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::seconds>(now - stored).count());
    }
    [[nodiscard]] bool fresh(net::Clock::time_point now) const { return !no_cache && age(now) < lifetime; }
};

std::string_view field(const Fields& f, std::string_view name) {
    for (const auto& [n, v] : f)
        if (http::iequals(n, name)) return v;
    return {};
}

// Freshness lifetime (RFC 9111 4.2.1, 4.2.2) from a response's fields; `date` is its Date.
std::uint64_t freshness(const Fields& f, const std::map<std::string, std::string>& cc, int status, std::time_t date) {
    if (auto s = seconds(cc, "s-maxage")) return *s;
    if (auto s = seconds(cc, "max-age")) return *s;
    if (auto ex = field(f, "expires"); !ex.empty()) {
        auto e = http::parse_http_date(ex);
        return e && *e > date ? static_cast<std::uint64_t>(*e - date) : 0;
    }
    // Heuristic: 10% of the time since Last-Modified, for heuristically cacheable codes.
    static constexpr int kHeuristic[] = {200, 203, 204, 300, 301, 308, 404, 405, 410, 414, 501};
    if (std::find(std::begin(kHeuristic), std::end(kHeuristic), status) == std::end(kHeuristic)) return 0;
    if (auto lm = http::parse_http_date(field(f, "last-modified")); lm && *lm < date)
        return static_cast<std::uint64_t>(date - *lm) / 10;
    return 0;
}

}  // namespace

// The disk form of an entry: a header line of numbers, the key, the fields, the body.
std::string serialize(const Entry& e) {
    const auto wall =
        std::time(nullptr) - std::chrono::duration_cast<std::chrono::seconds>(net::Clock::now() - e.stored).count();
    std::ostringstream o;
    o << "NSCACHE1 " << e.status << ' ' << e.lifetime << ' ' << e.initial_age << ' ' << wall << ' ' << e.no_cache << ' '
      << e.must_revalidate << ' ' << e.fields.size() << ' ' << e.key.size() << ' ' << e.etag.size() << ' '
      << e.last_modified.size() << ' ' << e.body.size() << '\n'
      << e.key << e.etag << e.last_modified;
    for (const auto& [n, v] : e.fields) o << n.size() << ' ' << v.size() << '\n' << n << v;
    o << e.body;
    return o.str();
}

std::optional<Entry> deserialize(const std::string& data) {
    std::istringstream in(data);
    std::string magic;
    Entry e;
    long long wall = 0;
    std::size_t nfields = 0, klen = 0, elen = 0, llen = 0, blen = 0;
    in >> magic >> e.status >> e.lifetime >> e.initial_age >> wall >> e.no_cache >> e.must_revalidate >> nfields >>
        klen >> elen >> llen >> blen;
    if (!in || magic != "NSCACHE1" || in.get() != '\n' || nfields > 1000) return std::nullopt;
    auto take = [&](std::size_t n, std::string& out) {
        out.resize(n);
        return static_cast<bool>(in.read(out.data(), static_cast<std::streamsize>(n)));
    };
    if (!take(klen, e.key) || !take(elen, e.etag) || !take(llen, e.last_modified)) return std::nullopt;
    for (std::size_t i = 0; i < nfields; ++i) {
        std::size_t nl = 0, vl = 0;
        in >> nl >> vl;
        if (!in || in.get() != '\n' || nl > 65536 || vl > 65536) return std::nullopt;
        std::string n, v;
        if (!take(nl, n) || !take(vl, v)) return std::nullopt;
        e.fields.emplace_back(std::move(n), std::move(v));
    }
    if (!take(blen, e.body) || in.peek() != std::char_traits<char>::eof()) return std::nullopt;
    const auto ago = std::max<long long>(0, static_cast<long long>(std::time(nullptr)) - wall);
    e.stored = net::Clock::now() - std::chrono::seconds(ago);
    return e;
}

// A file name per key: FNV-1a of the key in hex (collisions: the key inside is checked).
std::string file_of(const std::string& key) {
    std::uint64_t h = 1469598103934665603ull;
    for (unsigned char c : key) h = (h ^ c) * 1099511628211ull;
    char buf[17];
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
    return buf;
}

// The shared cache: entries by key, most recently used first, bytes capped; the Vary field
// names last seen for each URI; fetches in progress, so that concurrent misses wait for one.
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
            auto e = deserialize(data);
            if (!e || file_of(e->key) != path.filename().string()) {
                std::filesystem::remove(path, ec);
                continue;
            }
            insert(std::move(*e), false);
        }
        if (!index_.empty()) spdlog::info("proxy cache: {} entries loaded from {}", index_.size(), dir_);
    }

    std::optional<Entry> find(const std::string& key) {
        std::lock_guard lock(mu_);
        auto it = index_.find(key);
        if (it == index_.end()) return std::nullopt;
        lru_.splice(lru_.begin(), lru_, it->second);
        return *it->second;
    }
    void store(Entry e) {
        std::lock_guard lock(mu_);
        insert(std::move(e), true);
    }
    void insert(Entry e, bool write) {
        e.bytes = e.body.size() + e.key.size() + 256;
        for (const auto& [n, v] : e.fields) e.bytes += n.size() + v.size();
        // A replaced entry's file is overwritten by the rename below, not removed (the pool's
        // jobs may run in any order).
        if (e.bytes > cap_) write = false;
        if (auto it = index_.find(e.key); it != index_.end()) erase(it, !write);
        if (e.bytes > cap_) return;
        if (write && !dir_.empty()) {
            // tmp + rename on the blocking pool: a reader never sees half a file.
            auto job = [path = dir_ + "/" + file_of(e.key), data = serialize(e)] {
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
        lru_.push_front(std::move(e));
        index_[lru_.front().key] = lru_.begin();
        used_ += lru_.front().bytes;
        while (used_ > cap_ && !lru_.empty()) erase(index_.find(lru_.back().key));
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
    void erase(std::unordered_map<std::string, std::list<Entry>::iterator>::iterator it, bool unlink = true) {
        if (unlink && !dir_.empty()) {
            auto job = [path = dir_ + "/" + file_of(it->first)] {
                std::error_code ec;
                std::filesystem::remove(path, ec);
            };
            asio::post(net::detail::blocking_pool(), std::move(job));
        }
        used_ -= it->second->bytes;
        lru_.erase(it->second);
        index_.erase(it);
    }
    std::mutex mu_;
    std::uint64_t cap_;
    std::string dir_;
    std::uint64_t used_ = 0;
    std::list<Entry> lru_;
    std::unordered_map<std::string, std::list<Entry>::iterator> index_;
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
            upstream = parse_absolute(cfg.upstream);
            if (!upstream)
                throw app::ConfigError("proxy.upstream: expected http://HOST:PORT, got `" + cfg.upstream + "`");
        }
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
            auto name = dns::Name::from_text(t.host, nullptr, ne);
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
        const auto named = connection_tokens(rq.head.headers);
        std::string out;
        out.reserve(512);
        out.append(rq.head.method_token).append(" ").append(t.path).append(" HTTP/1.1\r\nHost: ");
        out.append(t.authority).append("\r\n");
        std::string via;
        for (const auto& h : rq.head.headers) {
            if (is_hop_by_hop(h.name, named) || http::iequals(h.name, "host") ||
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

    // The origin's fields fit to relay: no hop-by-hop, none the driver writes itself.
    static Fields relayable(const http::ClientResponse& r) {
        const auto named = connection_tokens(r.headers);
        Fields out;
        for (const auto& [n, v] : r.headers) {
            if (is_hop_by_hop(n, named) || http::iequals(n, "content-length") || http::iequals(n, "date") ||
                http::iequals(n, "server") || http::iequals(n, "age") || http::iequals(n, "x-cache"))
                continue;
            out.emplace_back(n, v);
        }
        return out;
    }

    void answer(http::Response& resp, int status, const Fields& fields, std::string body, std::string_view x_cache,
                std::optional<std::uint64_t> age) const {
        resp.status = status;
        for (const auto& [n, v] : fields) resp.add_header(n, v);
        if (age) resp.add_header("Age", *age);
        std::string via = std::string("1.1 ") + cfg.via_name;
        resp.add_header("Via", via);
        if (!x_cache.empty()) resp.add_header("X-Cache", x_cache);
        resp.body = std::move(body);
    }

    static void fail(http::Response& resp, http::ClientError e) {
        const int status = e == http::ClientError::timed_out ? 504 : 502;
        http::set_error(resp, status, http::to_string(e));
    }

    // The cache key of a request: method and URI, plus the request's values of the Vary fields.
    std::string key_for(const http::ServerRequest& rq, const std::string& uri, const std::string& vary) const {
        std::string key = uri;
        for (auto n : split_list(vary)) {
            key.append("\n").append(http::ascii_lower(n)).append(":");
            key.append(rq.head.header(n));
        }
        return key;
    }

    // RFC 9110 13.1: the client's own conditional against a stored response.
    static bool client_not_modified(const http::ServerRequest& rq, const Entry& e) {
        if (auto inm = rq.head.header("if-none-match"); !inm.empty()) {
            if (e.etag.empty()) return false;
            if (trim(inm) == "*") return true;
            auto weak = [](std::string_view t) { return t.substr(0, 2) == "W/" ? t.substr(2) : t; };
            for (auto t : split_list(inm))
                if (weak(t) == weak(e.etag)) return true;
            return false;
        }
        if (auto ims = rq.head.header("if-modified-since"); !ims.empty() && !e.last_modified.empty()) {
            auto a = http::parse_http_date(ims);
            auto b = http::parse_http_date(e.last_modified);
            return a && b && *b <= *a;
        }
        return false;
    }

    void serve_entry(const http::ServerRequest& rq, http::Response& resp, const Entry& e, std::string_view x_cache) {
        const auto age = e.age(net::Clock::now());
        if ((rq.head.method == http::Method::get || rq.head.method == http::Method::head) && e.status == 200 &&
            client_not_modified(rq, e)) {
            Fields f;
            for (const auto& [n, v] : e.fields)
                if (http::iequals(n, "etag") || http::iequals(n, "cache-control") || http::iequals(n, "expires") ||
                    http::iequals(n, "vary") || http::iequals(n, "last-modified"))
                    f.emplace_back(n, v);
            answer(resp, 304, f, {}, x_cache, age);
            return;
        }
        answer(resp, e.status, e.fields, e.body, x_cache, age);
    }

    // Makes an entry of an origin response if it may be stored (RFC 9111 3); nullopt if not.
    std::optional<Entry> storable(const http::ServerRequest& rq, const std::string& key, const http::ClientResponse& r,
                                  net::Clock::time_point sent) const {
        if (rq.head.method != http::Method::get) return std::nullopt;
        if (r.body.size() > cfg.max_object_size) return std::nullopt;
        const auto rcc = cache_control(r.joined("cache-control"));
        const auto qcc = cache_control(rq.head.header("cache-control"));
        if (rcc.count("no-store") || qcc.count("no-store") || rcc.count("private")) return std::nullopt;
        if (trim(r.joined("vary")) == "*") return std::nullopt;
        if (rq.head.has_header("authorization") && !rcc.count("public") && !rcc.count("s-maxage") &&
            !rcc.count("must-revalidate"))
            return std::nullopt;
        const auto now_sys = std::time(nullptr);
        const auto date = http::parse_http_date(r.header("date")).value_or(now_sys);
        Entry e;
        e.key = key;
        e.status = r.status;
        e.fields = relayable(r);
        e.body = r.body;
        e.stored = net::Clock::now();
        // RFC 9111 4.2.3: corrected initial age.
        std::uint64_t age_value = 0;
        (void)http::parse_decimal(trim(r.header("age")), age_value);
        const std::uint64_t apparent = now_sys > date ? static_cast<std::uint64_t>(now_sys - date) : 0;
        const auto delay =
            static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::seconds>(e.stored - sent).count());
        e.initial_age = std::max(apparent, age_value + delay);
        e.lifetime = freshness(e.fields, rcc, r.status, date);
        e.no_cache = rcc.count("no-cache") > 0;
        e.must_revalidate = rcc.count("must-revalidate") || rcc.count("proxy-revalidate") || rcc.count("s-maxage");
        e.etag = std::string(r.header("etag"));
        e.last_modified = std::string(r.header("last-modified"));
        const bool explicit_fresh =
            rcc.count("max-age") || rcc.count("s-maxage") || !r.header("expires").empty() || rcc.count("public");
        static constexpr int kDefault[] = {200, 203, 204, 300, 301, 308, 404, 405, 410, 414, 501};
        const bool default_ok = std::find(std::begin(kDefault), std::end(kDefault), r.status) != std::end(kDefault);
        if (!default_ok && !explicit_fresh) return std::nullopt;
        if (e.lifetime == 0 && e.etag.empty() && e.last_modified.empty()) return std::nullopt;
        return e;
    }

    net::task<void> handle(const http::ServerRequest& rq, http::Response& resp) {
        auto addr = net::parse_address(rq.peer.address);
        if (!addr || !allow.contains(*addr)) {
            http::set_error(resp, 403, "not a client of this proxy");
            co_return;
        }
        std::optional<Target> target;
        std::string uri;
        if (upstream && !rq.head.target.empty() && rq.head.target.front() == '/') {
            target = *upstream;
            target->path = std::string(rq.head.target);
            uri = "http://" + upstream->authority + target->path;
        } else {
            target = parse_absolute(rq.head.target);
            if (!target) {
                http::set_error(resp, rq.head.method == http::Method::connect ? 501 : 400, "not an http URL");
                co_return;
            }
            uri = "http://" + target->host + ":" + std::to_string(target->port) + target->path;
        }
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
                if (!http::parse_decimal(trim(mf), v)) {
                    http::set_error(resp, 400, "bad Max-Forwards");
                    co_return;
                }
                if (v == 0) {
                    if (rq.head.method == http::Method::options) {
                        resp.add_header("Allow", "GET, HEAD, POST, PUT, DELETE, OPTIONS, TRACE");
                        resp.add_header("Content-Type", "text/plain");
                    } else {
                        resp.add_header("Content-Type", "message/http");
                        resp.body.append(rq.head.method_token).append(" ").append(rq.head.target);
                        resp.body.append(" HTTP/1.1\r\n");
                        for (const auto& h : rq.head.headers)
                            if (!http::iequals(h.name, "authorization") && !http::iequals(h.name, "cookie"))
                                resp.body.append(h.name).append(": ").append(h.value).append("\r\n");
                        resp.body.append("\r\n");
                    }
                    co_return;
                }
                max_forwards = v - 1;
            }
        }
        const bool cacheable_method = rq.head.method == http::Method::get || rq.head.method == http::Method::head;
        const auto qcc = cache_control(rq.head.header("cache-control"));
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
            std::optional<Entry> hit = cache.find(key);
            const auto now = net::Clock::now();
            if (hit && hit->fresh(now) && !qcc.count("no-cache")) {
                serve_entry(rq, resp, *hit, "HIT");
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
        answer(resp, r.status, relayable(r), std::move(r.body), {}, std::nullopt);
    }

    net::task<void> fetch_and_store(const http::ServerRequest& rq, http::Response& resp, const Target& t,
                                    const std::string& key, const std::string& base, std::optional<Entry> stale) {
        auto eps = co_await resolve(t);
        if (eps.empty()) {
            http::set_error(resp, 502, "origin name not resolved");
            co_return;
        }
        const http::Origin origin{t.host + ":" + std::to_string(t.port), std::move(eps)};
        // RFC 9111 4.3.1: validate a stored response with its validators; the client's own
        // conditionals are answered from what we end up holding.
        Fields extra;
        if (stale) {
            if (!stale->etag.empty()) extra.emplace_back("If-None-Match", stale->etag);
            if (!stale->last_modified.empty()) extra.emplace_back("If-Modified-Since", stale->last_modified);
        }
        const std::string req = outgoing(rq, t, extra, true, std::nullopt);
        const auto sent = net::Clock::now();
        http::ClientResponse r;
        const auto e = co_await http::fetch(origin, req, false, true, limits, r);
        // RFC 5861 4: stale-if-error lets a stale entry stand in for a failed origin (not
        // with must-revalidate), for the 5xx answers as for the failures.
        if (stale && (e != http::ClientError::none || r.status >= 500) && !stale->must_revalidate) {
            const auto cc = cache_control(field(stale->fields, "cache-control"));
            if (auto sie = seconds(cc, "stale-if-error");
                sie && stale->age(net::Clock::now()) < stale->lifetime + *sie) {
                serve_entry(rq, resp, *stale, "STALE");
                co_return;
            }
        }
        if (e != http::ClientError::none) {
            spdlog::info("proxy: GET {}: {}", rq.head.target, http::to_string(e));
            fail(resp, e);
            co_return;
        }
        if (stale && r.status == 304) {
            // RFC 9111 4.3.4: freshen the stored response with the 304's fields.
            Entry fresh = std::move(*stale);
            for (const auto& [n, v] : relayable(r)) {
                bool replaced = false;
                for (auto& [fn, fv] : fresh.fields)
                    if (http::iequals(fn, n)) {
                        fv = v;
                        replaced = true;
                    }
                if (!replaced) fresh.fields.emplace_back(n, v);
            }
            const auto cc = cache_control(field(fresh.fields, "cache-control"));
            const auto now_sys = std::time(nullptr);
            const auto date = http::parse_http_date(r.header("date")).value_or(now_sys);
            fresh.stored = net::Clock::now();
            fresh.initial_age = 0;
            fresh.lifetime = freshness(fresh.fields, cc, fresh.status, date);
            fresh.no_cache = cc.count("no-cache") > 0;
            cache.store(fresh);
            serve_entry(rq, resp, fresh, "REVALIDATED");
            co_return;
        }
        const std::string vary = r.joined("vary");
        std::optional<Entry> entry;
        if (r.status != 206) {
            cache.set_vary(base, trim(vary) == "*" ? std::string() : vary);
            const std::string real_key = key_for(rq, base, trim(vary) == "*" ? std::string() : vary);
            entry = storable(rq, real_key, r, sent);
            if (entry) cache.store(*entry);
            else cache.remove(real_key);
            if (real_key != key) cache.remove(key);
        }
        if (entry) {
            serve_entry(rq, resp, *entry, "MISS");
            co_return;
        }
        answer(resp, r.status, relayable(r), std::move(r.body), "MISS", std::nullopt);
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
