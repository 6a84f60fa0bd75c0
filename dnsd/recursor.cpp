#include "dnsd/recursor.hpp"

#include <algorithm>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <functional>
#include <map>
#include <memory>
#include <utility>

#include "dns/exchange.hpp"
#include "net/endpoint.hpp"
#include "net/trace.hpp"

namespace dnsd {

namespace {

constexpr auto tuple_awaitable = asio::as_tuple(asio::use_awaitable);

// "gaia.cs.umass.edu" (the transcript's form: no trailing dot, "." for the root).
std::string bare(const dns::Name& n) {
    std::string s = n.to_text();
    if (s.size() > 1 && s.back() == '.') s.pop_back();
    return s;
}

std::uint32_t min_ttl(const std::vector<dns::Rr>& rrs) {
    std::uint32_t t = rrs.empty() ? 0 : rrs.front().ttl;
    for (const auto& r : rrs) t = std::min(t, r.ttl);
    return t;
}

std::vector<asio::ip::address> addresses_of(const std::vector<dns::Rr>& rrs) {
    std::vector<asio::ip::address> out;
    for (const auto& r : rrs) {
        if (r.type == dns::type::A && r.rdata.size() == 4) {
            asio::ip::address_v4::bytes_type b;
            std::copy(r.rdata.begin(), r.rdata.end(), b.begin());
            out.emplace_back(asio::ip::address_v4(b));
        }
    }
    return out;
}

std::vector<dns::Name> ns_names(const std::vector<dns::Rr>& ns) {
    std::vector<dns::Name> out;
    for (const auto& r : ns)
        if (auto t = dns::rdata_target(dns::type::NS, r.rdata)) out.push_back(*t);
    return out;
}

// What an iterated query came to, for the transcript: "referral edu (1 NS)".
std::string outcome_text(const Classified& c) {
    std::string s(to_string(c.kind));
    switch (c.kind) {
        case ReplyKind::referral: s += " " + bare(c.child) + " (" + std::to_string(c.ns.size()) + " NS)"; break;
        case ReplyKind::answer:
            s += " " + std::to_string(c.answer.size()) + " " + dns::type_to_string(c.answer.front().type);
            break;
        case ReplyKind::cname: s += " to " + bare(c.target); break;
        default: break;
    }
    if (!c.chain.empty() && c.kind != ReplyKind::cname) s += " after " + std::to_string(c.chain.size()) + " CNAME";
    if (c.out_of_bailiwick > 0) s += ", " + std::to_string(c.out_of_bailiwick) + " out-of-bailiwick ignored";
    return s;
}

}  // namespace

/// One client query's budget.
struct Recursor::Work {
    CacheClock::time_point deadline;
    unsigned queries = 0;
    unsigned cnames = 0;
};

/// The servers of the closest zone we know for a name.
struct Recursor::Servers {
    dns::Name zone;
    std::vector<dns::Name> names;
    std::vector<asio::ip::address> addresses;
};

/// A resolution in progress that identical queries wait for (on any thread).
struct Recursor::Pending {
    std::mutex mu;
    bool done = false;
    Resolution result;
    std::vector<std::function<void()>> wake;
};

Recursor::Recursor(RecursorOptions opts, RootHints hints, Cache& cache)
    : opts_(opts), hints_(std::move(hints)), cache_(cache) {}

Recursor::CacheStep Recursor::step_from_cache(dns::Name& name, std::uint16_t qtype, Resolution& res) {
    const auto now = CacheClock::now();
    // Glue is never an answer (RFC 2181 5.4.1): only what an authoritative server answered.
    if (auto h = cache_.lookup(name, qtype, Trust::answer, now)) {
        if (h->kind == CacheKind::positive) {
            res.rcode = dns::rcode::NOERROR;
            res.answer.insert(res.answer.end(), h->rrs.begin(), h->rrs.end());
        } else {
            res.rcode = h->kind == CacheKind::nxdomain ? dns::rcode::NXDOMAIN : dns::rcode::NOERROR;
            res.authority = h->rrs;
        }
        return CacheStep::done;
    }
    if (qtype == dns::type::CNAME) return CacheStep::miss;
    auto c = cache_.get(name, dns::type::CNAME, Trust::answer, now);
    if (!c || c->kind != CacheKind::positive || c->rrs.empty()) return CacheStep::miss;
    auto target = dns::rdata_target(dns::type::CNAME, c->rrs.front().rdata);
    if (!target) return CacheStep::miss;
    res.answer.push_back(c->rrs.front());
    name = *target;
    return CacheStep::moved;
}

std::optional<Resolution> Recursor::from_cache(const dns::Name& qname, std::uint16_t qtype) {
    Resolution res;
    dns::Name name = qname;
    for (unsigned hops = 0; hops <= opts_.max_cname; ++hops) {
        switch (step_from_cache(name, qtype, res)) {
            case CacheStep::done: res.cached = true; return res;
            case CacheStep::moved: continue;
            case CacheStep::miss: return std::nullopt;
        }
    }
    return std::nullopt;
}

net::task<Resolution> Recursor::resolve(dns::Name qname, std::uint16_t qtype) {
    if (auto r = from_cache(qname, qtype)) co_return *r;
    co_return co_await resolve_collapsed(qname, qtype);
}

net::task<Resolution> Recursor::resolve_collapsed(const dns::Name& qname, std::uint16_t qtype) {
    std::string key(qname.lowered().wire());
    key += static_cast<char>(qtype >> 8);
    key += static_cast<char>(qtype & 0xFF);
    std::shared_ptr<Pending> p;
    bool leader = false;
    {
        std::lock_guard lock(pending_mu_);
        auto [it, inserted] = pending_.try_emplace(key);
        if (inserted) it->second = std::make_shared<Pending>();
        p = it->second;
        leader = inserted;
    }
    if (!leader) {
        // Wait for the leader's result on our own thread: it posts a cancel of our timer to
        // our executor when done; the timer's expiry bounds the wait.
        auto ex = co_await asio::this_coro::executor;
        auto timer = std::make_shared<asio::steady_timer>(ex, opts_.time_budget + std::chrono::seconds(1));
        bool wait = false;
        {
            std::lock_guard lock(p->mu);
            if (!p->done) {
                p->wake.emplace_back([ex, timer] { asio::post(ex, [timer] { timer->cancel(); }); });
                wait = true;
            }
        }
        if (wait) co_await timer->async_wait(tuple_awaitable);
        std::lock_guard lock(p->mu);
        Resolution r = p->done ? p->result : Resolution{};
        r.queries = 0;
        co_return r;
    }
    Work w{CacheClock::now() + opts_.time_budget};
    Resolution r = co_await resolve_name(qname, qtype, w, 0);
    r.queries = w.queries;
    std::vector<std::function<void()>> wake;
    {
        std::lock_guard lock(pending_mu_);
        pending_.erase(key);
    }
    {
        std::lock_guard lock(p->mu);
        p->done = true;
        p->result = r;
        wake.swap(p->wake);
    }
    for (auto& fn : wake) fn();
    co_return r;
}

net::task<Resolution> Recursor::resolve_name(dns::Name qname, std::uint16_t qtype, Work& w, unsigned depth) {
    Resolution res;
    dns::Name name = qname;
    for (unsigned hops = 0; hops <= opts_.max_cname; ++hops) {
        const CacheStep step = step_from_cache(name, qtype, res);
        if (step == CacheStep::done) co_return res;
        if (step == CacheStep::moved) continue;
        auto c = std::make_unique<Classified>();
        if (!co_await iterate(name, qtype, w, depth, *c)) break;
        res.answer.insert(res.answer.end(), c->chain.begin(), c->chain.end());
        switch (c->kind) {
            case ReplyKind::answer:
                res.rcode = dns::rcode::NOERROR;
                res.answer.insert(res.answer.end(), c->answer.begin(), c->answer.end());
                co_return res;
            case ReplyKind::nxdomain:
            case ReplyKind::nodata:
                res.rcode = c->kind == ReplyKind::nxdomain ? dns::rcode::NXDOMAIN : dns::rcode::NOERROR;
                if (c->soa) res.authority.push_back(*c->soa);
                co_return res;
            case ReplyKind::cname: name = c->target; continue;
            default: break;
        }
        break;
    }
    // Out of budget, of CNAME hops or of servers: RFC 1034 5.3.3 leaves it to us; SERVFAIL.
    Resolution fail;
    fail.rcode = dns::rcode::SERVFAIL;
    co_return fail;
}

Recursor::Servers Recursor::closest_servers(const dns::Name& qname) {
    const auto now = CacheClock::now();
    for (dns::Name n = qname; !n.is_root(); n = n.parent()) {
        auto h = cache_.get(n, dns::type::NS, Trust::glue, now);
        if (!h || h->kind != CacheKind::positive || h->rrs.empty()) continue;
        Servers s{n, ns_names(h->rrs), {}};
        add_cached_addresses(s);
        return s;
    }
    return Servers{dns::Name(), hints_.names, hints_.addresses};
}

void Recursor::add_cached_addresses(Servers& s) {
    const auto now = CacheClock::now();
    for (const auto& host : s.names) {
        auto a = cache_.get(host, dns::type::A, Trust::glue, now);
        if (!a || a->kind != CacheKind::positive) continue;
        for (const auto& addr : addresses_of(a->rrs))
            if (std::find(s.addresses.begin(), s.addresses.end(), addr) == s.addresses.end())
                s.addresses.push_back(addr);
    }
}

net::task<void> Recursor::find_addresses(Servers& zs, Work& w, unsigned depth) {
    if (depth + 1 > opts_.max_depth) co_return;
    for (const auto& host : zs.names) {
        // A server name inside the zone it serves, without glue, cannot be found through it.
        if (host.is_subdomain_of(zs.zone)) continue;
        dns::Name h = host;
        Resolution r = co_await resolve_name(h, dns::type::A, w, depth + 1);
        auto addrs = addresses_of(r.answer);
        zs.addresses.insert(zs.addresses.end(), addrs.begin(), addrs.end());
        if (!zs.addresses.empty()) co_return;
    }
}

void Recursor::learn(const Classified& c, std::uint16_t qtype) {
    const auto now = CacheClock::now();
    for (const auto& r : c.chain)
        cache_.put(r.owner, dns::type::CNAME, CacheKind::positive, {r}, r.ttl, Trust::answer, now);
    switch (c.kind) {
        case ReplyKind::answer:
            cache_.put(c.target, c.answer.front().type, CacheKind::positive, c.answer, min_ttl(c.answer), Trust::answer,
                       now);
            break;
        case ReplyKind::nxdomain:
        case ReplyKind::nodata:
            // RFC 2308 5: without an SOA a negative answer is not cached.
            if (c.soa)
                cache_.put(c.target, qtype, c.kind == ReplyKind::nxdomain ? CacheKind::nxdomain : CacheKind::nodata,
                           {*c.soa}, soa_negative_ttl(*c.soa), Trust::answer, now);
            break;
        case ReplyKind::referral: {
            cache_.put(c.child, dns::type::NS, CacheKind::positive, c.ns, min_ttl(c.ns), Trust::referral, now);
            std::map<std::pair<std::string, std::uint16_t>, std::vector<dns::Rr>> glue;
            for (const auto& g : c.glue) glue[{std::string(g.owner.lowered().wire()), g.type}].push_back(g);
            for (auto& [k, rrs] : glue)
                cache_.put(rrs.front().owner, k.second, CacheKind::positive, rrs, min_ttl(rrs), Trust::glue, now);
            break;
        }
        default: break;
    }
}

net::task<bool> Recursor::iterate(dns::Name qname, std::uint16_t qtype, Work& w, unsigned depth, Classified& out) {
    Servers zs = closest_servers(qname);
    const std::string question = dns::type_to_string(qtype) + " " + bare(qname);
    for (unsigned ref = 0; ref < opts_.max_referrals; ++ref) {
        if (zs.addresses.empty()) co_await find_addresses(zs, w, depth);
        if (zs.addresses.empty()) {
            net::trace_line("   -- no address for any server of " + bare(zs.zone));
            co_return false;
        }
        bool moved = false;
        for (const auto& addr : zs.addresses) {
            const auto now = CacheClock::now();
            if (w.queries >= opts_.max_queries || now >= w.deadline) {
                net::trace_line("   -- work budget exhausted for " + question);
                co_return false;
            }
            ++w.queries;
            dns::ExchangeOptions eo;
            eo.timeout = std::min(opts_.upstream_timeout,
                                  std::chrono::duration_cast<std::chrono::milliseconds>(w.deadline - now));
            eo.edns_size = opts_.edns_size;
            const net::udp::endpoint server(addr, opts_.upstream_port);
            dns::Name q = qname;
            dns::ExchangeResult r = co_await dns::exchange(server, q, qtype, eo);
            std::string line = "   -> " + net::to_string(addr) + " " + question + ": ";
            if (r.status != dns::ExchangeStatus::ok) {
                net::trace_line(line + (r.status == dns::ExchangeStatus::timeout ? "timeout" : "error"));
                continue;
            }
            Classified c = classify(r.message, zs.zone, qname, qtype);
            if (net::Trace::enabled()) {
                line += c.kind == ReplyKind::lame ? "lame (" + dns::rcode_to_string(r.message.header.rcode) + ")"
                                                  : outcome_text(c);
                if (r.tcp) line += ", over TCP";
                if (r.no_edns) line += ", without EDNS";
                if (r.case_fallback) line += ", case not echoed (0x20 off)";
                if (r.ignored > 0) line += ", " + std::to_string(r.ignored) + " stray datagrams ignored";
                net::trace_line(line);
            }
            if (c.kind == ReplyKind::lame) continue;
            learn(c, qtype);
            if (c.kind != ReplyKind::referral) {
                out = std::move(c);
                co_return true;
            }
            zs = Servers{c.child, ns_names(c.ns), addresses_of(c.glue)};
            add_cached_addresses(zs);
            moved = true;
            break;
        }
        if (!moved) co_return false;
    }
    co_return false;
}

}  // namespace dnsd
