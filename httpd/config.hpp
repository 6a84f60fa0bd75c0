// httpd configuration: flags and TOML keys (section [httpd]), virtual hosts.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "app/daemon.hpp"
#include "httpd/shop_store.hpp"

namespace httpd {

/// One virtual host: requests whose Host (port stripped, case-insensitive) is in `names`.
struct VirtualHost {
    std::vector<std::string> names;
    std::string root;
    std::string tls_cert{};  ///< tls_cert = "...": this host's certificate chain (PEM), chosen by SNI
    std::string tls_key{};   ///< tls_key = "...": its private key (PEM)
};

/// The cookie shop ([shop]; see httpd/shop.hpp).
struct ShopConfig {
    bool enabled = false;                 ///< shop.enabled
    std::string path = "/shop";           ///< shop.path: the shop's page; /add and /remove below it
    std::string store = "shop.tsv";       ///< shop.store: the back-end table (file)
    ShopLimits limits{};                  ///< shop.max_rows, shop.max_cart
    std::size_t max_cookie_bytes = 4096;  ///< shop.max_cookie_bytes: a longer Cookie field is a 400
    unsigned cookie_max_age = 2592000;    ///< shop.cookie_max_age (seconds; 30 days)
};

struct Config {
    std::string root = ".";                                 ///< --root, httpd.root
    std::vector<VirtualHost> vhosts;                        ///< [[httpd.vhost]] names = [...], root = "..."
    std::string index = "index.html";                       ///< httpd.index
    bool listing = false;                                   ///< --listing, httpd.listing: directory listings
    std::string mime_types = "/etc/mime.types";             ///< httpd.mime_types
    std::string default_type = "application/octet-stream";  ///< httpd.default_type
    std::vector<std::string> types;                         ///< httpd.types: extra mime.types lines ("text/html index")
    std::vector<std::string> writable;                      ///< httpd.writable: URL prefixes open to PUT/DELETE
    std::vector<std::string> forms;                         ///< httpd.forms: URL paths answered by the form handler
    std::string access_log;                      ///< --access-log, httpd.access_log: file, "-" = stdout, "" = off
    std::string server_name = "netsuite-httpd";  ///< httpd.server_name (Server header)
    std::uint64_t max_body = 16 << 20;           ///< --max-body, httpd.max_body (413)
    std::size_t max_request_line = 8192;         ///< httpd.max_request_line (414)
    std::size_t max_header_bytes = 16384;        ///< httpd.max_header_bytes (431)
    std::size_t max_headers = 100;               ///< httpd.max_headers (431)
    std::size_t max_requests = 1000;             ///< httpd.max_requests per connection
    unsigned idle_timeout_ms = 15000;            ///< --idle-timeout-ms, httpd.idle_timeout_ms
    unsigned header_timeout_ms = 10000;          ///< --header-timeout-ms, httpd.header_timeout_ms (408)
    unsigned body_timeout_ms = 60000;            ///< httpd.body_timeout_ms (408)
    unsigned send_timeout_ms = 60000;            ///< httpd.send_timeout_ms
    std::size_t cache_entries = 4096;            ///< httpd.cache_entries: metadata cache per thread
    std::size_t cache_file_max = 64 * 1024;      ///< httpd.cache_file_max: files up to this are kept in memory
    std::size_t cache_bytes = 32u << 20;         ///< httpd.cache_bytes: bytes of files in memory per thread
    unsigned cache_valid_ms = 100;               ///< httpd.cache_valid_ms: a file in memory is trusted this long
    std::size_t max_connections = 10000;         ///< httpd.max_connections
    std::size_t max_per_address = 1024;          ///< httpd.max_per_address
    std::vector<std::string> listen_tls;         ///< --listen-tls HOST:PORT (repeatable), httpd.listen_tls
    unsigned tls_handshake_timeout_ms = 10000;   ///< httpd.tls_handshake_timeout_ms: then close
    ShopConfig shop;                             ///< [shop]

    /// Binds every scalar key to a flag and/or TOML key.
    void bind(app::Daemon& d);
    /// Reads [[httpd.vhost]] and resolves relative paths against the config file's directory.
    /// Throws app::ConfigError.
    void finish(app::Daemon& d);
};

}  // namespace httpd
