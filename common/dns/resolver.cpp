#include "dns/resolver.hpp"

#include <algorithm>

#include "dns/exchange.hpp"

namespace dns {

namespace {

// The lowest TTL of `rrs`, or `fallback` when empty.
std::uint32_t min_ttl(const std::vector<Rr>& rrs, std::uint32_t fallback) {
    if (rrs.empty()) return fallback;
    std::uint32_t t = rrs.front().ttl;
    for (const auto& r : rrs) t = std::min(t, r.ttl);
    return t;
}

// RFC 2308 5: a negative answer is cached for the SOA's MINIMUM (capped by the SOA's TTL).
std::uint32_t negative_ttl(const Message& m, std::uint32_t fallback) {
    for (const auto& r : m.authority) {
        if (r.type != type::SOA || r.rdata.size() < 20) continue;
        const auto* p = reinterpret_cast<const std::uint8_t*>(r.rdata.data()) + r.rdata.size() - 4;
        const std::uint32_t minimum =
            (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | p[3];
        return std::min(minimum, r.ttl);
    }
    return fallback;
}

}  // namespace

std::string_view to_string(Status s) {
    switch (s) {
        case Status::ok: return "ok";
        case Status::nodata: return "no data";
        case Status::nxdomain: return "no such domain";
        case Status::servfail: return "server failure";
        case Status::timeout: return "timeout";
        case Status::error: return "error";
    }
    return "?";
}

Answer read_response(std::span<const std::uint8_t> data, std::uint16_t id, const Name& name, std::uint16_t qtype,
                     std::uint32_t neg_ttl, bool& truncated) {
    truncated = false;
    Message m;
    if (parse_message(data, m) != ParseError::ok) {
        // A truncated UDP answer may cut a record in half: the header alone says TC.
        Header h;
        ByteReader r(data);
        if (h.read(r) && h.id == id && h.qr && h.tc) truncated = true;
        return Answer{};
    }
    // RFC 5452 4: the id and the question must be ours, or it is somebody else's answer.
    if (!matches_query(m, id, name, qtype)) return Answer{};
    if (m.header.tc) {
        truncated = true;
        return Answer{};
    }
    return read_answer(m, name, qtype, neg_ttl);
}

Answer read_answer(const Message& m, const Name& name, std::uint16_t qtype, std::uint32_t neg_ttl) {
    Answer a;
    if (m.header.rcode == rcode::NXDOMAIN) {
        a.status = Status::nxdomain;
        a.ttl = negative_ttl(m, neg_ttl);
        return a;
    }
    if (m.header.rcode != rcode::NOERROR) {
        a.status = Status::servfail;
        return a;
    }
    // Follow a CNAME chain within the answer section (RFC 1034 3.6.2).
    Name target = name;
    for (int hops = 0; hops < 8; ++hops) {
        bool moved = false;
        for (const auto& r : m.answer) {
            if (r.owner == target && r.type == type::CNAME && qtype != type::CNAME) {
                if (auto t = rdata_target(type::CNAME, r.rdata)) {
                    target = *t;
                    moved = true;
                    break;
                }
            }
        }
        if (!moved) break;
    }
    for (const auto& r : m.answer)
        if (r.owner == target && r.type == qtype && r.klass == klass::IN) a.records.push_back(r);
    a.status = a.records.empty() ? Status::nodata : Status::ok;
    a.ttl = a.records.empty() ? negative_ttl(m, neg_ttl) : min_ttl(a.records, neg_ttl);
    return a;
}

std::size_t Resolver::cached() const {
    std::lock_guard lock(mu_);
    return cache_.size();
}

void Resolver::store(const Name& name, std::uint16_t type, const Answer& a) {
    if (a.status != Status::ok && a.status != Status::nodata && a.status != Status::nxdomain) return;
    const auto now = net::Clock::now();
    std::lock_guard lock(mu_);
    if (cache_.size() >= opts_.cache_entries) {
        std::erase_if(cache_, [now](const auto& e) { return e.second.first <= now; });
        if (cache_.size() >= opts_.cache_entries) cache_.clear();
    }
    const auto ttl = std::min(a.ttl, opts_.max_ttl);
    cache_[{std::string(name.lowered().wire()), type}] = {now + std::chrono::seconds(ttl), a};
}

net::task<Answer> Resolver::query(Name name, std::uint16_t type) {
    {
        std::lock_guard lock(mu_);
        auto it = cache_.find({std::string(name.lowered().wire()), type});
        if (it != cache_.end() && it->second.first > net::Clock::now()) co_return it->second.second;
    }
    Answer a = co_await ask(name, type);
    store(name, type, a);
    co_return a;
}

net::task<Answer> Resolver::ask(const Name& name, std::uint16_t qtype) {
    const net::udp::endpoint server(opts_.server.address, opts_.server.port);
    // A fresh id and a fresh socket (a new random source port from the kernel) per attempt,
    // so that an off-path attacker must guess both (RFC 5452 9.2, 9.3); TCP on truncation.
    ExchangeOptions eo;
    eo.timeout = opts_.timeout;
    eo.rd = true;
    eo.randomize_case = false;  // 0x20 is for the recursive server's own queries
    Answer last;
    last.status = Status::timeout;
    for (unsigned attempt = 0; attempt < opts_.attempts && !stopped_; ++attempt) {
        ExchangeResult r = co_await exchange(server, name, qtype, eo);
        if (r.status == ExchangeStatus::ok) co_return read_answer(r.message, name, qtype, opts_.negative_ttl);
        if (r.tcp) co_return Answer{};  // the TCP answer failed: no use asking over UDP again
        if (r.status == ExchangeStatus::error) last.status = Status::error;
    }
    co_return last;
}

net::task<MailHosts> mail_hosts(Resolver& r, Name domain) {
    MailHosts out;
    const Answer mx = co_await r.query(domain, type::MX);
    if (mx.status == Status::nxdomain || (mx.status != Status::ok && mx.status != Status::nodata)) {
        out.status = mx.status;
        co_return out;
    }
    std::vector<std::pair<std::uint16_t, Name>> targets;
    for (const auto& rr : mx.records) {
        if (rr.rdata.size() < 3) continue;
        const auto pref = static_cast<std::uint16_t>(static_cast<std::uint8_t>(rr.rdata[0]) << 8 |
                                                     static_cast<std::uint8_t>(rr.rdata[1]));
        auto t = rdata_target(type::MX, rr.rdata);
        if (!t) continue;
        // RFC 7505 3: a single "0 ." MX says the domain takes no mail.
        if (t->is_root()) {
            out.null_mx = true;
            co_return out;
        }
        targets.emplace_back(pref, *t);
    }
    // RFC 5321 5.1: no MX at all means the domain itself is the mail host (implicit MX).
    if (targets.empty()) targets.emplace_back(0, domain);
    std::stable_sort(targets.begin(), targets.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    Status first_failure = Status::ok;
    for (auto& [pref, host] : targets) {
        MailHost h{host.to_text(), pref, {}};
        if (!h.name.empty() && h.name.back() == '.') h.name.pop_back();
        for (const std::uint16_t t : {type::A, type::AAAA}) {
            const Answer a = co_await r.query(host, t);
            if (a.status != Status::ok && a.status != Status::nodata && first_failure == Status::ok)
                first_failure = a.status;
            for (const auto& rr : a.records) {
                if (t == type::A && rr.rdata.size() == 4) {
                    asio::ip::address_v4::bytes_type b;
                    std::copy(rr.rdata.begin(), rr.rdata.end(), b.begin());
                    h.addresses.emplace_back(asio::ip::address_v4(b));
                } else if (t == type::AAAA && rr.rdata.size() == 16) {
                    asio::ip::address_v6::bytes_type b;
                    std::copy(rr.rdata.begin(), rr.rdata.end(), b.begin());
                    h.addresses.emplace_back(asio::ip::address_v6(b));
                }
            }
        }
        if (!h.addresses.empty()) out.hosts.push_back(std::move(h));
    }
    if (out.hosts.empty()) out.status = first_failure == Status::ok ? Status::nodata : first_failure;
    co_return out;
}

}  // namespace dns
