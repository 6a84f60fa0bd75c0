// tracker: a BitTorrent tracker over HTTP (BEP 3, 23, 7, 48) and UDP (BEP 15).
#include "app/daemon.hpp"
#include "tracker/service.hpp"

int main(int argc, char** argv) {
    app::Daemon d("tracker", "BitTorrent tracker: HTTP announce/scrape, UDP (BEP 15), /stats");
    tracker::ServiceConfig cfg;
    tracker::Service svc;
    tracker::add_options(d, cfg);
    d.set_default_listen({"127.0.0.1:6969"});
    return d.main(argc, argv, [&](app::Daemon& daemon, net::Runtime& rt) { tracker::setup(daemon, rt, cfg, svc); });
}
