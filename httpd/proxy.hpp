// httpd as a web cache: a forward proxy for absolute-form requests (and, with an upstream,
// a reverse proxy for origin-form ones), fetching through http::fetch and keeping cacheable
// responses in a shared in-memory cache (RFC 9110 7.6, RFC 9111). See httpd/README.md "Proxy".
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "app/daemon.hpp"
#include "http/exchange.hpp"
#include "net/asio.hpp"

namespace httpd {

struct ProxyConfig {
    bool enabled = false;                     ///< --proxy, proxy.enabled
    std::vector<std::string> allow;           ///< --proxy-allow CIDR (repeatable), proxy.allow; default loopback
    std::string resolver;                     ///< --resolver HOST:PORT, proxy.resolver: DNS server for origin names
    std::string upstream;                     ///< --upstream http://HOST:PORT, proxy.upstream: reverse proxy origin
    std::string via_name = "netsuite-httpd";  ///< proxy.via_name: pseudonym in Via
    std::vector<std::uint16_t> connect_ports{443};  ///< --connect-port, proxy.connect_ports: CONNECT targets
    unsigned tunnel_idle_ms = 300000;               ///< proxy.tunnel_idle_ms: a silent tunnel is closed
    unsigned connect_timeout_ms = 5000;             ///< proxy.connect_timeout_ms (502 after)
    unsigned origin_timeout_ms = 15000;             ///< proxy.origin_timeout_ms: to the response head (504 after)
    unsigned body_timeout_ms = 60000;               ///< proxy.body_timeout_ms: the whole origin body (504 after)
    std::uint64_t max_object_size = 8u << 20;       ///< proxy.max_object_size: larger responses are not stored
    std::uint64_t max_response = 64u << 20;         ///< proxy.max_response: larger origin bodies get 502
    std::string cache_dir;                          ///< --cache-dir, proxy.cache_dir: entries kept across restarts
    std::uint64_t cache_size = 64u << 20;           ///< --cache-size, proxy.cache_size: bytes held, LRU

    void bind(app::Daemon& d);
};

class ProxyCache;

/// The proxy policy. Shared by every worker thread (the cache is locked).
class Proxy {
public:
    /// Parses the allow list, the resolver and the upstream. Throws app::ConfigError.
    explicit Proxy(const ProxyConfig& cfg);
    ~Proxy();
    Proxy(const Proxy&) = delete;
    Proxy& operator=(const Proxy&) = delete;

    /// True if this request is the proxy's (absolute form, or any with an upstream).
    [[nodiscard]] bool wants(const http::ServerRequest& rq) const;
    /// Answers a request `wants` accepted: 403 for clients outside the allow list, the
    /// origin's response (from the cache when it may), 502 when the origin fails, 504 when it
    /// does not answer in time.
    [[nodiscard]] net::task<void> handle(const http::ServerRequest& rq, http::Response& resp);

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace httpd
