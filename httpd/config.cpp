#include "httpd/config.hpp"

namespace httpd {

void Config::bind(app::Daemon& d) {
    auto& o = d.options();
    o.add("--root", "httpd.root", root, "document root");
    o.add("", "httpd.index", index, "index file name for directories");
    o.add("--listing", "httpd.listing", listing, "generate directory listings");
    o.add("--mime-types", "httpd.mime_types", mime_types, "mime.types file");
    o.add("", "httpd.default_type", default_type, "Content-Type for unknown extensions");
    o.add("--type", "httpd.types", types, "extra media type line, e.g. \"text/html index\" (repeatable)");
    o.add("--writable", "httpd.writable", writable, "URL prefix where PUT and DELETE are allowed (repeatable)");
    o.add("--form", "httpd.forms", forms, "URL path answered by the form handler (repeatable)");
    o.add("--access-log", "httpd.access_log", access_log, "access log file (Combined Log Format), - for stdout");
    o.add("", "httpd.server_name", server_name, "Server header value");
    o.add("--max-body", "httpd.max_body", max_body, "maximum request body in bytes (413)");
    o.add("", "httpd.max_request_line", max_request_line, "maximum request line in bytes (414)");
    o.add("", "httpd.max_header_bytes", max_header_bytes, "maximum request head in bytes (431)");
    o.add("", "httpd.max_headers", max_headers, "maximum header fields (431)");
    o.add("--max-requests", "httpd.max_requests", max_requests, "requests per connection (0 = unlimited)");
    o.add("--idle-timeout-ms", "httpd.idle_timeout_ms", idle_timeout_ms, "keep-alive idle timeout");
    o.add("--header-timeout-ms", "httpd.header_timeout_ms", header_timeout_ms, "time to send a request head (408)");
    o.add("", "httpd.body_timeout_ms", body_timeout_ms, "time to send a request body (408)");
    o.add("", "httpd.send_timeout_ms", send_timeout_ms, "time for each 1 MiB of a response");
    o.add("", "httpd.cache_entries", cache_entries, "file metadata cache entries per thread");
    o.add("", "httpd.cache_file_max", cache_file_max, "files up to this size are cached in memory");
    o.add("", "httpd.cache_bytes", cache_bytes, "bytes of files held in memory per worker thread");
    o.add("", "httpd.cache_valid_ms", cache_valid_ms,
          "a file held in memory is served this long (ms) without checking it again on disk (0: check every hit)");
    o.add("", "httpd.max_connections", max_connections, "connection limit");
    o.add("", "httpd.max_per_address", max_per_address, "connection limit per client address");
    o.add("--listen-tls", "httpd.listen_tls", listen_tls, "HTTPS listen address HOST:PORT (repeatable)");
    o.add("", "httpd.tls_handshake_timeout_ms", tls_handshake_timeout_ms, "time to finish a TLS handshake");
    o.allow_key("httpd.vhost");
    o.add("--shop", "shop.enabled", shop.enabled, "serve the cookie shop demo");
    o.add("", "shop.path", shop.path, "URL path of the cookie shop");
    o.add("--shop-store", "shop.store", shop.store, "the cookie shop's back-end table (file)");
    o.add("", "shop.max_rows", shop.limits.max_rows, "visitors kept by the cookie shop");
    o.add("", "shop.max_cart", shop.limits.max_cart, "items in one cart");
    o.add("", "shop.max_cookie_bytes", shop.max_cookie_bytes, "largest Cookie field the shop reads (400)");
    o.add("", "shop.cookie_max_age", shop.cookie_max_age, "lifetime of the shop's cookie in seconds");
}

void Config::finish(app::Daemon& d) {
    const auto& file = d.common().config_file;
    // Paths in the file are relative to the file; paths given as flags to the working directory.
    root = d.config_path(root, "--root");
    if (access_log != "-") access_log = d.config_path(access_log, "--access-log");
    shop.store = d.config_path(shop.store, "--shop-store");
    if (shop.enabled && (shop.path.size() < 2 || shop.path[0] != '/' || shop.path.back() == '/'))
        throw app::ConfigError(file + ": shop.path: expected a path like \"/shop\"");
    if (shop.limits.max_rows == 0 || shop.limits.max_cart == 0)
        throw app::ConfigError(file + ": shop.max_rows and shop.max_cart must be at least 1");
    vhosts.clear();
    if (const auto* node = app::find_key(d.config(), "httpd.vhost")) {
        const auto* arr = node->as_array();
        if (!arr) throw app::ConfigError(file + ": httpd.vhost: expected [[httpd.vhost]] tables");
        for (const auto& e : *arr) {
            const auto* t = e.as_table();
            if (!t) throw app::ConfigError(file + ": httpd.vhost: expected a table");
            VirtualHost vh;
            auto r = (*t)["root"].value<std::string>();
            if (!r) throw app::ConfigError(file + ": httpd.vhost.root: expected a string");
            vh.root = app::path_in_file(file, *r);
            if (auto n = (*t)["names"].as_array()) {
                for (const auto& x : *n)
                    if (auto s = x.value<std::string>()) vh.names.push_back(*s);
            } else if (auto s = (*t)["names"].value<std::string>()) {
                vh.names.push_back(*s);
            }
            if (vh.names.empty()) throw app::ConfigError(file + ": httpd.vhost.names: expected host names");
            auto cert = (*t)["tls_cert"].value<std::string>();
            auto key = (*t)["tls_key"].value<std::string>();
            if (cert.has_value() != key.has_value())
                throw app::ConfigError(file + ": httpd.vhost: tls_cert and tls_key go together");
            if (cert) {
                vh.tls_cert = app::path_in_file(file, *cert);
                vh.tls_key = app::path_in_file(file, *key);
            }
            vhosts.push_back(std::move(vh));
        }
    }
}

}  // namespace httpd
