#include "dnsd/server.hpp"

#include <memory>

#include "dnsd/tcp_session.hpp"
#include "dnsd/transcript.hpp"
#include "net/trace.hpp"

namespace dnsd {

Bound serve(app::Daemon& d, net::Runtime& rt, const Config& cfg, ZoneStore& store) {
    auto ts = std::make_shared<TcpSettings>();
    ts->idle_timeout = std::chrono::milliseconds(cfg.tcp_idle_timeout_ms);
    ts->io_timeout = std::chrono::milliseconds(cfg.tcp_io_timeout_ms);
    ts->responder = responder_options(cfg);
    ts->store = &store;
    // TCP first: with port 0 the kernel picks one, and UDP must then use the same port
    // (RFC 7766 5: a server answers over both transports on the same address).
    auto tep =
        rt.add_tcp({.name = "dns-tcp", .listen = d.listen(), .limits = {cfg.max_connections, cfg.max_per_address}},
                   [ts](net::Stream& s) { return tcp_session(s, *ts); });
    std::vector<net::HostPort> udp_listen;
    for (const auto& ep : tep) udp_listen.push_back({ep.address(), ep.port()});
    auto uep = rt.add_udp({.name = "dns-udp", .listen = udp_listen, .max_datagram = 4096, .max_reply = 4096},
                          [ts](std::span<const std::uint8_t> q, const net::udp::endpoint& from,
                               std::span<std::uint8_t> reply) -> std::size_t {
                              Worker& w = worker(*ts->store, ts->responder);
                              bool tracing = net::Trace::enabled();
                              Outcome oc = w.responder.respond(*w.zones, q, QueryContext{false, {}}, reply, tracing);
                              if (tracing) net::trace_datagram("dns", from, summary(oc));
                              return oc.action == Action::reply ? oc.size : 0;
                          });
    d.announce("udp", uep);
    d.announce("tcp", tep);
    return {tep, uep};
}

}  // namespace dnsd
