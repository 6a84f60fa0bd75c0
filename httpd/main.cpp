// httpd: an HTTP/1.1 origin server for static files (see httpd/README.md).
#include <spdlog/spdlog.h>

#include "app/daemon.hpp"
#include "http/server.hpp"
#include "httpd/config.hpp"
#include "httpd/site.hpp"

int main(int argc, char** argv) {
    app::Daemon d("httpd", "HTTP/1.1 origin server: static files, virtual hosts, PUT/DELETE, forms");
    httpd::Config cfg;
    cfg.bind(d);
    d.set_default_listen({"127.0.0.1:8080"});
    std::unique_ptr<httpd::Site> site;
    http::ServerOptions opts;
    http::Handler handler;
    return d.main(argc, argv, [&](app::Daemon& daemon, net::Runtime& rt) {
        cfg.finish(daemon);
        site = std::make_unique<httpd::Site>(cfg);
        opts = site->server_options();
        handler = [s = site.get()](const http::ServerRequest& rq, http::Response& resp) -> net::task<void> {
            s->handle(rq, resp);
            co_return;
        };
        auto eps = rt.add_tcp({.name = "http",
                               .listen = daemon.listen(),
                               .limits = {cfg.max_connections, cfg.max_per_address},
                               .busy_reply = "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n"
                                             "Connection: close\r\n\r\n"},
                              [&](net::Stream& s) { return http::serve(s, handler, opts); });
        daemon.announce("http", eps);
        daemon.on_reload([&](const toml::table&) {
            site->reopen_log();
            spdlog::info("access log reopened");
        });
    });
}
