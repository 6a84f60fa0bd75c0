// httpd: an HTTP/1.1 origin server for static files (see httpd/README.md).
#include <spdlog/spdlog.h>

#include "app/daemon.hpp"
#include "http/server.hpp"
#include "httpd/config.hpp"
#include "httpd/https.hpp"
#include "httpd/proxy.hpp"
#include "httpd/site.hpp"

namespace {

// The session driver's options: the configured limits and the site's hooks.
http::ServerOptions server_options(const httpd::Config& cfg, const httpd::Site& site) {
    http::ServerOptions o;
    o.limits.parser = {cfg.max_request_line, cfg.max_header_bytes, cfg.max_headers};
    o.limits.max_body = cfg.max_body;
    o.limits.max_requests = cfg.max_requests;
    o.limits.idle_timeout = std::chrono::milliseconds(cfg.idle_timeout_ms);
    o.limits.header_timeout = std::chrono::milliseconds(cfg.header_timeout_ms);
    o.limits.body_timeout = std::chrono::milliseconds(cfg.body_timeout_ms);
    o.limits.send_timeout = std::chrono::milliseconds(cfg.send_timeout_ms);
    o.server_name = cfg.server_name;
    if (!cfg.access_log.empty()) o.log = [&site](const http::LogEntry& e) { site.log(e); };
    o.before_body = [&site](const http::ServerRequest& rq, http::Response& resp) {
        return site.refuse_early(rq, resp);
    };
    return o;
}

// The certificates of the HTTPS listener: --tls-cert/--tls-key (or the first virtual host's
// pair) by default, each virtual host's own pair for its names (SNI).
void load_certificates(const httpd::Config& cfg, app::Daemon& d, net::CertificateSet& certs) {
    std::vector<net::CertificatePair> named;
    for (const auto& vh : cfg.vhosts)
        if (!vh.tls_cert.empty()) named.push_back({vh.names, vh.tls_cert, vh.tls_key});
    net::CertificatePair fallback;
    const auto& c = d.common();
    if (!c.tls_cert.empty())
        fallback = {{}, d.config_path(c.tls_cert, "--tls-cert"), d.config_path(c.tls_key, "--tls-key")};
    else if (!named.empty()) fallback = {{}, named.front().cert_file, named.front().key_file};
    else throw app::ConfigError("--listen-tls needs a certificate: --tls-cert/--tls-key or a virtual host's tls_cert");
    try {
        certs.load(std::move(fallback), std::move(named));
    } catch (const std::runtime_error& e) {
        throw app::ConfigError(std::string("TLS: ") + e.what());
    }
}

std::vector<net::HostPort> parse_listen(const std::vector<std::string>& list) {
    std::vector<net::HostPort> out;
    for (const auto& l : list) {
        auto hp = net::parse_host_port(l);
        if (!hp) throw app::ConfigError("--listen-tls " + l + ": expected HOST:PORT, e.g. 127.0.0.1:8443");
        out.push_back(*hp);
    }
    return out;
}

}  // namespace

int main(int argc, char** argv) {
    app::Daemon d("httpd", "HTTP/1.1 origin server: static files, virtual hosts, PUT/DELETE, forms");
    httpd::Config cfg;
    cfg.bind(d);
    httpd::ProxyConfig proxy_cfg;
    proxy_cfg.bind(d);
    d.set_default_listen({"127.0.0.1:8080"});
    std::unique_ptr<httpd::Site> site;
    std::unique_ptr<httpd::Proxy> proxy;
    http::ServerOptions opts;
    http::ServerOptions tls_opts;
    http::Handler handler;
    net::CertificateSet certs;
    return d.main(argc, argv, [&](app::Daemon& daemon, net::Runtime& rt) {
        cfg.finish(daemon);
        site = std::make_unique<httpd::Site>(cfg);
        opts = server_options(cfg, *site);
        if (proxy_cfg.enabled || !proxy_cfg.upstream.empty()) proxy = std::make_unique<httpd::Proxy>(proxy_cfg);
        // The site answers at once (files from memory or disk, forms, the shop): the driver's
        // quick path, no coroutine. Only the proxy's requests wait on the network.
        opts.quick = [s = site.get(), p = proxy.get()](const http::ServerRequest& rq, http::Response& resp) {
            if (p != nullptr && p->wants(rq)) return false;
            s->handle(rq, resp);
            return true;
        };
        handler = [s = site.get(), p = proxy.get()](const http::ServerRequest& rq,
                                                    http::Response& resp) -> net::task<void> {
            if (p != nullptr && p->wants(rq)) {
                co_await p->handle(rq, resp);
                co_return;
            }
            s->handle(rq, resp);
        };
        auto eps = rt.add_tcp({.name = "http",
                               .listen = daemon.listen(),
                               .limits = {cfg.max_connections, cfg.max_per_address},
                               .busy_reply = std::string(http::kBusyReply)},
                              http::service(handler, opts));
        daemon.announce("http", eps);
        if (!cfg.listen_tls.empty()) {
            load_certificates(cfg, daemon, certs);
            tls_opts = opts;
            tls_opts.trace_label = "https";
            auto tls_eps = rt.add_tcp({.name = "https",
                                       .listen = parse_listen(cfg.listen_tls),
                                       .limits = {cfg.max_connections, cfg.max_per_address},
                                       .busy_reply = {}},
                                      httpd::https_session(certs, handler, tls_opts,
                                                           std::chrono::milliseconds(cfg.tls_handshake_timeout_ms)));
            daemon.announce("https", tls_eps);
        }
        daemon.on_reload([&](const toml::table&) {
            site->reopen_log();
            spdlog::info("access log reopened");
            if (certs.get()) {
                try {
                    certs.reload();
                } catch (const std::exception& e) {
                    spdlog::error("TLS reload failed, keeping the current certificates: {}", e.what());
                }
            }
        });
    });
}
