#include "dnsd/server.hpp"

#include <spdlog/spdlog.h>

#include <memory>

#include "dnsd/tcp_session.hpp"
#include "dnsd/transcript.hpp"
#include "net/trace.hpp"

namespace dnsd {

namespace {

// Answers a datagram: the resolver's from its cache at once or later from a coroutine
// (the socket sends the reply), the rest authoritatively.
std::size_t handle(const TcpSettings& ts, std::span<const std::uint8_t> q, const net::udp::endpoint& from,
                   std::span<std::uint8_t> reply, net::udp::socket& sock) {
    Worker& w = worker(*ts.store, ts.responder);
    const bool tracing = net::Trace::enabled();
    if (const RecursiveService* rec = ts.recursive) {
        if (auto m = recursive_query(q, from.address(), *w.zones, rec->allow)) {
            const auto& question = m->questions.front();
            if (auto res = rec->recursor->from_cache(question.name, question.type)) {
                if (tracing) net::trace_datagram("dns", from, recursive_summary(*m, *res));
                return write_reply(*m, *res, reply, false, rec->edns_size);
            }
            // Each resolution holds a coroutine for up to resolve_timeout_ms: a client sending
            // names faster than they resolve must not grow memory without bound.
            if (rec->resolving.load(std::memory_order_relaxed) >= rec->max_resolutions) {
                Resolution busy;  // SERVFAIL, as Unbound's answer when its query list is full
                if (tracing) net::trace_datagram("dns", from, recursive_summary(*m, busy) + " [busy]");
                return write_reply(*m, busy, reply, false, rec->edns_size);
            }
            rec->resolving.fetch_add(1, std::memory_order_relaxed);  // answer_later counts it out
            asio::co_spawn(sock.get_executor(), answer_later(*rec, std::move(*m), from, sock),
                           [](const std::exception_ptr& e) {
                               if (!e) return;
                               try {
                                   std::rethrow_exception(e);
                               } catch (const std::exception& ex) {
                                   spdlog::warn("dns resolver: {}", ex.what());
                               }
                           });
            return 0;
        }
    }
    Outcome oc = w.responder.respond(*w.zones, q, QueryContext{false, {}}, reply, tracing);
    if (tracing) net::trace_datagram("dns", from, summary(oc));
    return oc.action == Action::reply ? oc.size : 0;
}

}  // namespace

Bound serve(app::Daemon& d, net::Runtime& rt, const Config& cfg, ZoneStore& store, const RecursiveService* recursive) {
    auto ts = std::make_shared<TcpSettings>();
    ts->idle_timeout = std::chrono::milliseconds(cfg.tcp_idle_timeout_ms);
    ts->io_timeout = std::chrono::milliseconds(cfg.tcp_io_timeout_ms);
    ts->responder = responder_options(cfg);
    ts->store = &store;
    ts->recursive = recursive;
    // TCP first: with port 0 the kernel picks one, and UDP must then use the same port
    // (RFC 7766 5: a server answers over both transports on the same address).
    auto tep =
        rt.add_tcp({.name = "dns-tcp", .listen = d.listen(), .limits = {cfg.max_connections, cfg.max_per_address}},
                   [ts](net::Stream& s) { return tcp_session(s, *ts); });
    std::vector<net::HostPort> udp_listen;
    for (const auto& ep : tep) udp_listen.push_back({ep.address(), ep.port()});
    auto uep = rt.add_udp(
        {.name = "dns-udp", .listen = udp_listen, .max_datagram = 4096, .max_reply = 4096},
        net::DeferringDatagramHandler(
            [ts](std::span<const std::uint8_t> q, const net::udp::endpoint& from, std::span<std::uint8_t> reply,
                 net::udp::socket& sock) -> std::size_t { return handle(*ts, q, from, reply, sock); }));
    d.announce("udp", uep);
    d.announce("tcp", tep);
    return {tep, uep};
}

}  // namespace dnsd
