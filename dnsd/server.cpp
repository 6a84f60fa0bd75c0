#include "dnsd/server.hpp"

#include <spdlog/spdlog.h>

#include <chrono>

#include "dns/bytes.hpp"
#include "net/reader.hpp"
#include "net/trace.hpp"

namespace dnsd {

void bind_options(app::Daemon& d, Config& cfg) {
    auto& o = d.options();
    o.add("--zone", "dns.zone", cfg.zone_files, "zone file to serve (repeatable); origin from $ORIGIN or the SOA");
    o.add("--axfr-allow", "dns.axfr_allow", cfg.axfr_allow, "address allowed to AXFR every zone (repeatable)");
    o.add("--edns-size", "dns.edns_size", cfg.edns_size, "EDNS0 UDP payload size we advertise and send at most");
    o.add("--round-robin", "dns.round_robin", cfg.round_robin, "rotate multi-record RRsets per query");
    o.add("--minimal-responses", "dns.minimal_responses", cfg.minimal_responses,
          "leave the zone's NS out of positive answers");
    o.add("--tcp-idle-timeout-ms", "dns.tcp_idle_timeout_ms", cfg.tcp_idle_timeout_ms, "idle TCP connection timeout");
    o.add("--tcp-io-timeout-ms", "dns.tcp_io_timeout_ms", cfg.tcp_io_timeout_ms, "time to receive a started message");
    o.add("--max-connections", "dns.max_connections", cfg.max_connections, "TCP connection limit");
    o.add("--max-per-address", "dns.max_per_address", cfg.max_per_address, "TCP connections per client address");
    o.allow_key("zone");
    d.set_default_listen({"127.0.0.1:5353"});
}

namespace {

std::vector<std::string> strings(const toml::node* n, const std::string& where) {
    std::vector<std::string> out;
    if (n == nullptr) return out;
    if (auto s = n->value<std::string>()) return {*s};
    const auto* arr = n->as_array();
    if (arr == nullptr) throw app::ConfigError(where + ": expected a string or an array of strings");
    for (const auto& e : *arr) {
        auto s = e.value<std::string>();
        if (!s) throw app::ConfigError(where + ": expected an array of strings");
        out.push_back(*s);
    }
    return out;
}

net::CidrList access_list(const std::vector<std::string>& entries, const std::string& where) {
    std::string error;
    auto list = net::CidrList::parse(entries, error);
    if (!list) throw app::ConfigError(where + ": " + error);
    return *list;
}

}  // namespace

std::vector<ZoneSpec> zone_specs(const Config& cfg, const app::Daemon& d, const toml::table& file) {
    const net::CidrList axfr_allow = access_list(cfg.axfr_allow, "axfr_allow");
    const std::string& config_path = d.common().config_file;
    std::vector<ZoneSpec> specs;
    // --zone paths are relative to the working directory, dns.zone paths to the config file.
    for (const auto& f : cfg.zone_files) specs.push_back({d.config_path(f, "--zone"), std::nullopt, axfr_allow});
    const auto* zones = file["zone"].as_array();
    if (file.contains("zone") && zones == nullptr)
        throw app::ConfigError(config_path + ": zone: expected [[zone]] tables");
    if (zones == nullptr) return specs;
    for (std::size_t i = 0; i < zones->size(); ++i) {
        std::string where = config_path + ": zone[" + std::to_string(i) + "]";
        const auto* t = (*zones)[i].as_table();
        if (t == nullptr) throw app::ConfigError(where + ": expected a table");
        for (const auto& [k, v] : *t) {
            if (k != "file" && k != "name" && k != "axfr_allow")
                throw app::ConfigError(where + ": unknown key `" + std::string(k.str()) + "`");
        }
        auto f = (*t)["file"].value<std::string>();
        if (!f) throw app::ConfigError(where + ".file: expected a string");
        ZoneSpec spec{app::path_in_file(config_path, *f), std::nullopt, axfr_allow};
        if (auto name = (*t)["name"].value<std::string>()) {
            std::string text = *name;
            if (text.empty() || text.back() != '.') text += '.';
            dns::NameError err;
            spec.origin = dns::Name::from_text(text, nullptr, err);
            if (!spec.origin) throw app::ConfigError(where + ".name: " + std::string(dns::to_string(err)));
        }
        if (const auto* a = t->get("axfr_allow"))
            spec.axfr_allow = access_list(strings(a, where + ".axfr_allow"), where + ".axfr_allow");
        specs.push_back(std::move(spec));
    }
    return specs;
}

void ZoneStore::set(std::shared_ptr<const ZoneSet> z) {
    std::lock_guard lock(mutex_);
    zones_ = std::move(z);
    generation_.fetch_add(1, std::memory_order_release);
}

std::shared_ptr<const ZoneSet> ZoneStore::get() const {
    std::lock_guard lock(mutex_);
    return zones_;
}

ResponderOptions responder_options(const Config& cfg) {
    ResponderOptions o;
    o.edns_size = static_cast<std::uint16_t>(std::clamp(cfg.edns_size, 512u, 4096u));
    o.round_robin = cfg.round_robin;
    o.minimal_responses = cfg.minimal_responses;
    return o;
}

bool reload_zones(ZoneStore& store, const std::vector<ZoneSpec>& specs, const ResponderOptions& opts) {
    auto start = std::chrono::steady_clock::now();
    std::string error;
    auto set = load_zones(specs, error, [&](const ZoneSet& s, const std::vector<std::shared_ptr<Zone>>& zones) {
        prepare_answers(s, zones, opts);
    });
    if (!set) {
        spdlog::error("zones not loaded, {}: {}", store.get() ? "still serving the previous ones" : "nothing to serve",
                      error);
        return false;
    }
    std::size_t records = 0;
    for (const auto& z : set->zones()) {
        records += z->records().size() + 1;
        spdlog::info("zone {} serial {}: {} records from {}", z->origin().to_text(), z->serial(),
                     z->records().size() + 1, z->file);
    }
    store.set(std::move(set));
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count();
    spdlog::info("serving {} zones, {} records (loaded in {} ms)", specs.size(), records, ms);
    return true;
}

namespace {

/// Per-thread state: a snapshot of the zone set (refreshed when the store's generation
/// moves, so the hot path costs one atomic load) and a responder.
struct Worker {
    const ZoneStore* store = nullptr;
    std::uint64_t generation = ~std::uint64_t{0};
    std::shared_ptr<const ZoneSet> zones;
    Responder responder{};
};

Worker& worker(const ZoneStore& store, const ResponderOptions& opts) {
    thread_local Worker w;
    if (w.store != &store) {
        w.store = &store;
        w.generation = ~std::uint64_t{0};
        w.zones.reset();
        w.responder = Responder(opts);
    }
    auto g = store.generation();
    if (g != w.generation) {
        w.zones = store.get();
        w.generation = g;
    }
    return w;
}

/// "A www.hamburger.edu." for transcripts.
std::string question_text(const Outcome& oc) {
    return dns::type_to_string(oc.qtype) + " " + (oc.qname.empty() ? "?" : oc.qname);
}

/// "NOERROR 2 answers", "dropped", "AXFR".
std::string result_text(const Outcome& oc) {
    if (oc.action == Action::drop) return "dropped";
    if (oc.action == Action::axfr) return "AXFR";
    std::string s =
        rcode_name(oc.rcode) + " " + std::to_string(oc.answers) + (oc.answers == 1 ? " answer" : " answers");
    if (oc.truncated) s += " TC";
    return s;
}

std::string summary(const Outcome& oc) { return "Q: " + question_text(oc) + " -> " + result_text(oc); }

struct Shared {
    Config cfg;
    ResponderOptions opts;
    ZoneStore* store;
};

net::task<void> tcp_session(net::Stream& s, const Shared& sh) {
    net::SessionTrace t("dns-tcp", s.id(), net::to_string(s.peer()));
    t.note("connected");
    net::Reader rd(s, 2 + dns::max_message);
    const auto peer = s.peer().address();
    net::error_code ec;
    auto fill_to = [&](std::size_t n) -> net::task<net::ReadStatus> {
        while (rd.data().size() < n) {
            // Waiting for a length prefix on an empty buffer is between queries (RFC 7766 6.2.3).
            auto st = co_await rd.fill(/*between_messages=*/n == 2);
            if (st != net::ReadStatus::ok) co_return st;
        }
        co_return net::ReadStatus::ok;
    };
    while (!s.draining()) {
        // RFC 7766 6.2.3: idle connections are closed after a while; a started message must finish.
        s.expires_after(std::chrono::milliseconds(sh.cfg.tcp_idle_timeout_ms));
        if (auto st = co_await fill_to(2); st != net::ReadStatus::ok) {
            t.note(std::string("closed: ") + std::string(net::to_string(st)));
            break;
        }
        s.expires_after(std::chrono::milliseconds(sh.cfg.tcp_io_timeout_ms));
        std::size_t len = dns::load_u16(reinterpret_cast<const std::uint8_t*>(rd.data().data()));
        if (len < dns::header_size) {
            t.note("message shorter than a header, closing");
            break;
        }
        if (auto st = co_await fill_to(2 + len); st != net::ReadStatus::ok) {
            t.note(std::string("incomplete message: ") + std::string(net::to_string(st)));
            break;
        }
        // Uninitialised on purpose: a 64 KiB memset per query would cost more than the answer.
        auto out_buf = std::make_unique_for_overwrite<std::uint8_t[]>(2 + dns::max_message);
        std::span<std::uint8_t> out(out_buf.get(), 2 + dns::max_message);
        Worker& w = worker(*sh.store, sh.opts);
        auto zones = w.zones;  // kept alive across the writes below, even if a reload swaps it
        std::span<const std::uint8_t> query(reinterpret_cast<const std::uint8_t*>(rd.data().data()) + 2, len);
        QueryContext ctx{true, peer};
        Outcome oc = w.responder.respond(*zones, query, ctx, out.subspan(2), t.enabled());
        if (t.enabled()) {
            t.client(question_text(oc));
            t.server(result_text(oc));
        }
        rd.consume(2 + len);
        if (oc.action == Action::drop) continue;
        if (oc.action == Action::reply) {
            dns::store_u16(out.data(), static_cast<std::uint16_t>(oc.size));
            co_await s.write(std::string_view(reinterpret_cast<const char*>(out.data()), 2 + oc.size), ec);
            if (ec) break;
            continue;
        }
        // AXFR: a sequence of messages, each framed (RFC 5936 2.2).
        dns::ByteReader qr(query);
        dns::Header qh;
        (void)qh.read(qr);
        AxfrWriter axfr(*oc.zone, qh.id, oc.zone->apex().name);
        std::size_t messages = 0;
        for (;;) {
            std::size_t n = axfr.next(out.subspan(2));
            if (n == 0) break;
            dns::store_u16(out.data(), static_cast<std::uint16_t>(n));
            s.expires_after(std::chrono::milliseconds(sh.cfg.tcp_io_timeout_ms * 4));
            co_await s.write(std::string_view(reinterpret_cast<const char*>(out.data()), 2 + n), ec);
            if (ec) break;
            ++messages;
        }
        spdlog::info("AXFR {} to {}: {} records in {} messages{}", oc.zone->origin().to_text(), net::to_string(peer),
                     axfr.records_sent(), messages, ec ? " (interrupted)" : "");
        if (ec) break;
    }
    s.shutdown_send();
}

}  // namespace

void serve(app::Daemon& d, net::Runtime& rt, const Config& cfg, ZoneStore& store) {
    auto sh = std::make_shared<Shared>();
    sh->cfg = cfg;
    sh->opts = responder_options(cfg);
    sh->store = &store;
    // TCP first: with port 0 the kernel picks one, and UDP must then use the same port
    // (RFC 7766 5: a server answers over both transports on the same address).
    auto tep =
        rt.add_tcp({.name = "dns-tcp", .listen = d.listen(), .limits = {cfg.max_connections, cfg.max_per_address}},
                   [sh](net::Stream& s) { return tcp_session(s, *sh); });
    std::vector<net::HostPort> udp_listen;
    for (const auto& ep : tep) udp_listen.push_back({ep.address(), ep.port()});
    auto uep = rt.add_udp({.name = "dns-udp", .listen = udp_listen, .max_datagram = 4096, .max_reply = 4096},
                          [sh](std::span<const std::uint8_t> q, const net::udp::endpoint& from,
                               std::span<std::uint8_t> reply) -> std::size_t {
                              Worker& w = worker(*sh->store, sh->opts);
                              bool tracing = net::Trace::enabled();
                              Outcome oc = w.responder.respond(*w.zones, q, QueryContext{false, {}}, reply, tracing);
                              if (tracing) net::trace_datagram("dns", from, summary(oc));
                              return oc.action == Action::reply ? oc.size : 0;
                          });
    d.announce("udp", uep);
    d.announce("tcp", tep);
}

}  // namespace dnsd
