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

// "A gaia.cs.umass.edu", the question as trace lines show it; empty when nothing is traced
// (no text is built per upstream query then).
std::string traced(std::uint16_t type, const dns::Name& n) {
    return net::Trace::enabled() ? dns::type_to_string(type) + " " + bare(n) : std::string();
}

std::uint32_t min_ttl(const std::vector<dns::Rr>& rrs) {
    std::uint32_t t = rrs.empty() ? 0 : rrs.front().ttl;
    for (const auto& r : rrs) t = std::min(t, r.ttl);
    return t;
}

// The A (and with `v6`, AAAA) addresses of `rrs`, IPv4 first.
std::vector<asio::ip::address> addresses_of(const std::vector<dns::Rr>& rrs, bool v6) {
    std::vector<asio::ip::address> out;
    for (const auto& r : rrs) {
        if (r.type == dns::type::A && r.rdata.size() == 4) {
            asio::ip::address_v4::bytes_type b;
            std::copy(r.rdata.begin(), r.rdata.end(), b.begin());
            out.emplace_back(asio::ip::address_v4(b));
        }
    }
    if (!v6) return out;
    for (const auto& r : rrs) {
        if (r.type == dns::type::AAAA && r.rdata.size() == 16) {
            asio::ip::address_v6::bytes_type b;
            std::copy(r.rdata.begin(), r.rdata.end(), b.begin());
            out.emplace_back(asio::ip::address_v6(b));
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
    std::string key(qname.wire());
    dns::wire_lower(key);
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
    // RFC 8767 5: with stale data at hand, the client waits at most the client-response timer;
    // the resolution then stops and the stale answer goes (the next query tries afresh).
    if (opts_.serve_stale && cache_.lookup_stale(qname, qtype, Trust::answer, CacheClock::now()))
        w.deadline = CacheClock::now() + std::min(opts_.time_budget, opts_.stale_answer_timeout);
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
        // Out of the table no query can find `p` any more: the result is copied only when
        // a follower holds it (the common cold case has none).
        if (p.use_count() > 1) p->result = r;
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
        bool ok = false;
        if (opts_.forwarders.empty()) ok = co_await iterate(name, qtype, w, depth, *c);
        else ok = co_await forward(name, qtype, w, *c);
        if (!ok) {
            if (opts_.serve_stale && stale_from_cache(name, qtype, res)) co_return res;
            break;
        }
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

bool Recursor::stale_from_cache(dns::Name name, std::uint16_t qtype, Resolution& res) {
    const auto now = CacheClock::now();
    for (unsigned hops = 0; hops <= opts_.max_cname; ++hops) {
        if (auto h = cache_.lookup_stale(name, qtype, Trust::answer, now)) {
            if (h->kind == CacheKind::positive) {
                res.rcode = dns::rcode::NOERROR;
                res.answer.insert(res.answer.end(), h->rrs.begin(), h->rrs.end());
            } else {
                res.rcode = h->kind == CacheKind::nxdomain ? dns::rcode::NXDOMAIN : dns::rcode::NOERROR;
                res.authority = h->rrs;
            }
            res.stale = true;
            for (auto& r : res.answer) r.ttl = std::min(r.ttl, stale_ttl);
            net::trace_line("   -- no server answered: stale answer for " + bare(name));
            return true;
        }
        if (qtype == dns::type::CNAME) return false;
        auto c = cache_.lookup_stale(name, dns::type::CNAME, Trust::answer, now);
        if (!c || c->kind != CacheKind::positive || c->rrs.empty()) return false;
        auto target = dns::rdata_target(dns::type::CNAME, c->rrs.front().rdata);
        if (!target) return false;
        res.answer.push_back(c->rrs.front());
        name = *target;
    }
    return false;
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
    Servers root{dns::Name(), hints_.names, {}};
    for (const auto& a : hints_.addresses)
        if (a.is_v4() || opts_.upstream_ipv6) root.addresses.push_back(a);
    return root;
}

void Recursor::add_cached_addresses(Servers& s) {
    const auto now = CacheClock::now();
    for (const auto& host : s.names) {
        for (const std::uint16_t type : {dns::type::A, dns::type::AAAA}) {
            if (type == dns::type::AAAA && !opts_.upstream_ipv6) break;
            auto a = cache_.get(host, type, Trust::glue, now);
            if (!a || a->kind != CacheKind::positive) continue;
            for (const auto& addr : addresses_of(a->rrs, true))
                if (std::find(s.addresses.begin(), s.addresses.end(), addr) == s.addresses.end())
                    s.addresses.push_back(addr);
        }
    }
}

net::task<void> Recursor::find_addresses(Servers& zs, Work& w, unsigned depth) {
    if (depth + 1 > opts_.max_depth) co_return;
    for (const auto& host : zs.names) {
        // A server name inside the zone it serves, without glue, cannot be found through it.
        if (host.is_subdomain_of(zs.zone)) continue;
        dns::Name h = host;
        Resolution r = co_await resolve_name(h, dns::type::A, w, depth + 1);
        auto addrs = addresses_of(r.answer, false);
        zs.addresses.insert(zs.addresses.end(), addrs.begin(), addrs.end());
        if (opts_.upstream_ipv6) {
            dns::Name h6 = host;
            Resolution r6 = co_await resolve_name(h6, dns::type::AAAA, w, depth + 1);
            auto addrs6 = addresses_of(r6.answer, true);
            zs.addresses.insert(zs.addresses.end(), addrs6.begin(), addrs6.end());
        }
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

bool Recursor::spend_query(Work& w, const std::string& question, CacheClock::time_point now,
                           dns::ExchangeOptions& eo) const {
    if (w.queries >= opts_.max_queries || now >= w.deadline) {
        net::trace_line("   -- work budget exhausted for " + question);
        return false;
    }
    ++w.queries;
    eo.timeout =
        std::min(opts_.upstream_timeout, std::chrono::duration_cast<std::chrono::milliseconds>(w.deadline - now));
    eo.edns_size = opts_.edns_size;
    return true;
}

void Recursor::note_rtt(const asio::ip::address& addr, dns::ExchangeStatus status, CacheClock::time_point sent) {
    if (status == dns::ExchangeStatus::timeout) rtt_.timeout(addr);
    else rtt_.success(addr, std::chrono::duration_cast<std::chrono::microseconds>(CacheClock::now() - sent));
}

net::task<bool> Recursor::forward(dns::Name qname, std::uint16_t qtype, Work& w, Classified& out) {
    std::vector<asio::ip::address> addrs;
    for (const auto& f : opts_.forwarders)
        if (std::find(addrs.begin(), addrs.end(), f.address()) == addrs.end()) addrs.push_back(f.address());
    const auto order = rtt_.order(addrs, static_cast<std::uint32_t>(dns::random_id()) << 16 | dns::random_id());
    const std::string question = traced(qtype, qname);  // the text of trace lines only
    for (const auto& addr : order) {
        for (const auto& server : opts_.forwarders) {
            if (server.address() != addr) continue;
            const auto now = CacheClock::now();
            dns::ExchangeOptions eo;
            if (!spend_query(w, question, now, eo)) co_return false;
            eo.rd = true;
            dns::Name q = qname;
            dns::ExchangeResult r = co_await dns::exchange(server, q, qtype, eo);
            std::string line = net::Trace::enabled() ? "   => " + net::to_string(server) + " " + question + ": " : "";
            note_rtt(addr, r.status, now);
            if (r.status != dns::ExchangeStatus::ok) {
                net::trace_line(line + (r.status == dns::ExchangeStatus::timeout ? "timeout" : "error"));
                continue;
            }
            // A forwarder is trusted for the whole tree: its recursive answer (AA clear) is
            // read as an authoritative answer for the root's bailiwick.
            r.message.header.aa = true;
            Classified c = classify(r.message, dns::Name(), qname, qtype);
            if (c.kind == ReplyKind::referral) c.kind = ReplyKind::lame;
            if (net::Trace::enabled())
                net::trace_line(line + (c.kind == ReplyKind::lame
                                            ? "lame (" + dns::rcode_to_string(r.message.header.rcode) + ")"
                                            : outcome_text(c)));
            if (c.kind == ReplyKind::lame) continue;
            learn(c, qtype);
            out = std::move(c);
            co_return true;
        }
    }
    co_return false;
}

// g++ 12 at -O1 with the sanitizers reports the coroutine frame's own operator new/delete
// pair of this function as mismatched (a false positive of -Wmismatched-new-delete on the
// frame asio allocates and frees itself).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
net::task<bool> Recursor::iterate(dns::Name qname, std::uint16_t qtype, Work& w, unsigned depth, Classified& out) {
    Servers zs = closest_servers(qname);
    const std::string question = traced(qtype, qname);  // the text of trace lines only
    // RFC 9156: each zone's servers are asked about one more label than the zone has, type A,
    // until the name asked is the whole name; `extra` counts the labels below the zone.
    bool minimise = opts_.qname_minimisation;
    std::size_t extra = 1;
    unsigned minimise_steps = 0;
    for (unsigned step = 0; step < opts_.max_referrals + opts_.max_minimise_steps; ++step) {
        if (zs.addresses.empty()) co_await find_addresses(zs, w, depth);
        if (zs.addresses.empty()) {
            net::trace_line("   -- no address for any server of " + bare(zs.zone));
            co_return false;
        }
        if (minimise && minimise_steps >= opts_.max_minimise_steps) minimise = false;
        dns::Name asked = qname;
        std::uint16_t atype = qtype;
        if (minimise) {
            dns::Name m = minimised_name(qname, zs.zone, extra);
            if (m.label_count() < qname.label_count()) {
                asked = m;
                atype = dns::type::A;
            }
        }
        const bool minimised = asked.label_count() < qname.label_count();
        if (minimised) {
            // An empty non-terminal or a name with data already seen: no cut there, one label more.
            auto known = cache_.get(asked, dns::type::A, Trust::answer, CacheClock::now());
            if (known && known->kind != CacheKind::nxdomain) {
                ++extra;
                ++minimise_steps;
                continue;
            }
        }
        const std::string asked_text = minimised ? traced(atype, asked) : question;
        bool moved = false;
        const auto order =
            rtt_.order(zs.addresses, static_cast<std::uint32_t>(dns::random_id()) << 16 | dns::random_id());
        for (const auto& addr : order) {
            const auto now = CacheClock::now();
            dns::ExchangeOptions eo;
            if (!spend_query(w, question, now, eo)) co_return false;
            const net::udp::endpoint server(addr, opts_.upstream_port);
            dns::Name q = asked;
            dns::ExchangeResult r = co_await dns::exchange(server, q, atype, eo);
            note_rtt(addr, r.status, now);
            std::string line = net::Trace::enabled() ? "   -> " + net::to_string(addr) + " " + asked_text + ": " : "";
            if (r.status != dns::ExchangeStatus::ok) {
                net::trace_line(line + (r.status == dns::ExchangeStatus::timeout ? "timeout" : "error"));
                continue;
            }
            Classified c = classify(r.message, zs.zone, asked, atype);
            if (net::Trace::enabled()) {
                line += c.kind == ReplyKind::lame ? "lame (" + dns::rcode_to_string(r.message.header.rcode) + ")"
                                                  : outcome_text(c);
                if (r.tcp) line += ", over TCP";
                if (r.no_edns) line += ", without EDNS";
                if (r.case_fallback) line += ", case not echoed (0x20 off)";
                if (r.ignored > 0) line += ", " + std::to_string(r.ignored) + " stray datagrams ignored";
                net::trace_line(line);
            }
            if (minimised && c.kind != ReplyKind::referral && c.kind != ReplyKind::answer &&
                c.kind != ReplyKind::nodata) {
                // RFC 9156 2.3, the relaxed way: NXDOMAIN, an error or a CNAME for a part of
                // the name may be a server that gets empty non-terminals wrong; ask for the
                // full name from here on (nothing learnt from this reply).
                minimise = false;
                moved = true;
                break;
            }
            if (c.kind == ReplyKind::lame) continue;
            learn(c, atype);
            if (c.kind == ReplyKind::referral) {
                zs = Servers{c.child, ns_names(c.ns), addresses_of(c.glue, opts_.upstream_ipv6)};
                add_cached_addresses(zs);
                extra = 1;
            } else if (minimised) {
                ++extra;  // no zone cut at `asked`: the same servers, one label more
                ++minimise_steps;
            } else {
                out = std::move(c);
                co_return true;
            }
            moved = true;
            break;
        }
        if (!moved) co_return false;
    }
    co_return false;
}

#pragma GCC diagnostic pop

}  // namespace dnsd
