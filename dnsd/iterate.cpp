#include "dnsd/iterate.hpp"

#include <algorithm>

#include "dns/zone_parser.hpp"

namespace dnsd {

namespace {

// IANA's named.root (addresses as of 2024).
constexpr std::string_view builtin_hints_text = R"(.  3600000  NS  A.ROOT-SERVERS.NET.
.  3600000  NS  B.ROOT-SERVERS.NET.
.  3600000  NS  C.ROOT-SERVERS.NET.
.  3600000  NS  D.ROOT-SERVERS.NET.
.  3600000  NS  E.ROOT-SERVERS.NET.
.  3600000  NS  F.ROOT-SERVERS.NET.
.  3600000  NS  G.ROOT-SERVERS.NET.
.  3600000  NS  H.ROOT-SERVERS.NET.
.  3600000  NS  I.ROOT-SERVERS.NET.
.  3600000  NS  J.ROOT-SERVERS.NET.
.  3600000  NS  K.ROOT-SERVERS.NET.
.  3600000  NS  L.ROOT-SERVERS.NET.
.  3600000  NS  M.ROOT-SERVERS.NET.
A.ROOT-SERVERS.NET.  3600000  A  198.41.0.4
B.ROOT-SERVERS.NET.  3600000  A  170.247.170.2
C.ROOT-SERVERS.NET.  3600000  A  192.33.4.12
D.ROOT-SERVERS.NET.  3600000  A  199.7.91.13
E.ROOT-SERVERS.NET.  3600000  A  192.203.230.10
F.ROOT-SERVERS.NET.  3600000  A  192.5.5.241
G.ROOT-SERVERS.NET.  3600000  A  192.112.36.4
H.ROOT-SERVERS.NET.  3600000  A  198.97.190.53
I.ROOT-SERVERS.NET.  3600000  A  192.36.148.17
J.ROOT-SERVERS.NET.  3600000  A  192.58.128.30
K.ROOT-SERVERS.NET.  3600000  A  193.0.14.129
L.ROOT-SERVERS.NET.  3600000  A  199.7.83.42
M.ROOT-SERVERS.NET.  3600000  A  202.12.27.33
)";

// The records of `section` at `owner` with `type`.
std::vector<dns::Rr> rrset(const std::vector<dns::Rr>& section, const dns::Name& owner, std::uint16_t type) {
    std::vector<dns::Rr> out;
    for (const auto& r : section)
        if (r.type == type && r.klass == dns::klass::IN && r.owner == owner) out.push_back(r);
    return out;
}

// Follows the CNAME chain of the answer section from `qname` while it stays inside `zone`.
void follow_chain(const dns::Message& m, const dns::Name& zone, std::uint16_t qtype, Classified& c) {
    for (std::size_t hops = 0; hops < 16 && c.target.is_subdomain_of(zone); ++hops) {
        c.answer = rrset(m.answer, c.target, qtype);
        if (!c.answer.empty() || qtype == dns::type::CNAME) return;
        auto cn = rrset(m.answer, c.target, dns::type::CNAME);
        if (cn.empty()) return;
        auto next = dns::rdata_target(dns::type::CNAME, cn.front().rdata);
        if (!next) return;
        c.chain.push_back(cn.front());
        c.target = *next;
    }
}

// The SOA of the authority section for a negative answer: at or below the server's zone,
// and an ancestor of the name (the zone the name would be in).
std::optional<dns::Rr> negative_soa(const dns::Message& m, const dns::Name& zone, const dns::Name& name) {
    for (const auto& r : m.authority)
        if (r.type == dns::type::SOA && r.owner.is_subdomain_of(zone) && name.is_subdomain_of(r.owner)) return r;
    return std::nullopt;
}

// A referral's NS RRset: below the server's zone, at or above the name asked.
bool find_delegation(const dns::Message& m, const dns::Name& zone, const dns::Name& name, Classified& c) {
    for (const auto& r : m.authority) {
        if (r.type != dns::type::NS || !name.is_subdomain_of(r.owner)) continue;
        if (!r.owner.is_subdomain_of(zone) || r.owner == zone) continue;  // sideways or upwards: lame
        c.child = r.owner;
        c.ns = rrset(m.authority, r.owner, dns::type::NS);
        for (const auto& ns : c.ns) {
            auto host = dns::rdata_target(dns::type::NS, ns.rdata);
            if (!host) continue;
            for (const auto& g : m.additional) {
                if ((g.type != dns::type::A && g.type != dns::type::AAAA) || !(g.owner == *host)) continue;
                // RFC 2181 5.4.1 and the bailiwick rule: glue for names outside the referring
                // server's zone could be anybody's; ignore it and resolve the name instead.
                if (g.owner.is_subdomain_of(zone)) c.glue.push_back(g);
                else ++c.out_of_bailiwick;
            }
        }
        return true;
    }
    return false;
}

std::size_t count_outside(const std::vector<dns::Rr>& section, const dns::Name& zone) {
    return static_cast<std::size_t>(std::count_if(section.begin(), section.end(),
                                                  [&](const dns::Rr& r) { return !r.owner.is_subdomain_of(zone); }));
}

}  // namespace

dns::Name minimised_name(const dns::Name& qname, const dns::Name& zone, std::size_t extra) {
    const std::size_t keep = zone.label_count() + extra;
    dns::Name n = qname;
    while (n.label_count() > keep) n = n.parent();
    return n;
}

std::string_view to_string(ReplyKind k) {
    switch (k) {
        case ReplyKind::answer: return "answer";
        case ReplyKind::cname: return "cname";
        case ReplyKind::nxdomain: return "nxdomain";
        case ReplyKind::nodata: return "nodata";
        case ReplyKind::referral: return "referral";
        case ReplyKind::lame: return "lame";
    }
    return "?";
}

Classified classify(const dns::Message& m, const dns::Name& zone, const dns::Name& qname, std::uint16_t qtype) {
    Classified c;
    c.target = qname;
    c.out_of_bailiwick = count_outside(m.answer, zone) + count_outside(m.authority, zone);
    const auto rc = m.header.rcode;
    if (rc != dns::rcode::NOERROR && rc != dns::rcode::NXDOMAIN) return c;
    if (!qname.is_subdomain_of(zone)) return c;
    follow_chain(m, zone, qtype, c);
    if (!c.answer.empty()) {
        c.kind = ReplyKind::answer;
        return c;
    }
    const bool in_zone = c.target.is_subdomain_of(zone);
    if (in_zone && rc == dns::rcode::NXDOMAIN) {
        c.soa = negative_soa(m, zone, c.target);
        c.kind = ReplyKind::nxdomain;
        return c;
    }
    if (!c.chain.empty() && !in_zone) {
        c.kind = ReplyKind::cname;
        return c;
    }
    if (!m.header.aa && find_delegation(m, zone, c.target, c)) {
        if (c.chain.empty()) {
            c.kind = ReplyKind::referral;
            return c;
        }
        // The chain's target is delegated elsewhere: resolve it afresh.
        c.ns.clear();
        c.glue.clear();
        c.kind = ReplyKind::cname;
        return c;
    }
    if (m.header.aa && rc == dns::rcode::NOERROR) {
        c.soa = negative_soa(m, zone, c.target);
        c.kind = ReplyKind::nodata;
        return c;
    }
    return c;  // not authoritative and no usable delegation: lame
}

std::optional<RootHints> parse_root_hints(std::string_view text, const std::string& file_name, std::string& error) {
    dns::ZoneParseOptions po;
    po.origin = dns::Name();
    po.allow_include = false;
    auto parsed = dns::parse_zone_text(text, file_name, po);
    if (!parsed.ok()) {
        error = parsed.error;
        return std::nullopt;
    }
    RootHints h;
    for (const auto& r : parsed.records)
        if (r.type == dns::type::NS && r.owner.is_root())
            if (auto t = dns::rdata_target(dns::type::NS, r.rdata)) h.names.push_back(*t);
    for (const auto& r : parsed.records) {
        if (std::find(h.names.begin(), h.names.end(), r.owner) == h.names.end()) continue;
        if (r.type == dns::type::A && r.rdata.size() == 4) {
            asio::ip::address_v4::bytes_type b;
            std::copy(r.rdata.begin(), r.rdata.end(), b.begin());
            h.addresses.emplace_back(asio::ip::address_v4(b));
        } else if (r.type == dns::type::AAAA && r.rdata.size() == 16) {
            asio::ip::address_v6::bytes_type b;
            std::copy(r.rdata.begin(), r.rdata.end(), b.begin());
            h.addresses.emplace_back(asio::ip::address_v6(b));
        }
    }
    if (h.addresses.empty()) {
        error = file_name + ": no address for any root server name (`. NS name` and `name A address`)";
        return std::nullopt;
    }
    return h;
}

const RootHints& builtin_root_hints() {
    static const RootHints hints = [] {
        std::string error;
        return *parse_root_hints(builtin_hints_text, "built-in root hints", error);
    }();
    return hints;
}

}  // namespace dnsd
