#include "dnsd/zone.hpp"

#include <algorithm>

namespace dnsd {

const RRset* Node::find(std::uint16_t type) const {
    for (const auto& s : rrsets)
        if (s.type == type) return &s;
    return nullptr;
}

const Prepared* Node::prepared_for(std::uint16_t qtype) const {
    const Prepared* fallback = nullptr;
    for (const auto& p : prepared) {
        if (p.qtype == qtype) return &p;
        if (p.qtype == 0) fallback = &p;
    }
    return fallback;
}

namespace {

std::string lower_key(const dns::Name& n) {
    std::string k(n.wire());
    dns::wire_lower(k);
    return k;
}

std::uint32_t read_u32(std::string_view s, std::size_t at) {
    return (std::uint32_t{static_cast<std::uint8_t>(s[at])} << 24) |
           (std::uint32_t{static_cast<std::uint8_t>(s[at + 1])} << 16) |
           (std::uint32_t{static_cast<std::uint8_t>(s[at + 2])} << 8) |
           std::uint32_t{static_cast<std::uint8_t>(s[at + 3])};
}

}  // namespace

std::string Zone::add(const dns::ZoneParseResult& parsed, std::size_t i) {
    const dns::Rr& rr = parsed.records[i];
    if (!rr.owner.is_subdomain_of(origin_)) return rr.owner.to_text() + " is outside the zone " + origin_.to_text();
    auto [it, fresh] = nodes_.try_emplace(lower_key(rr.owner));
    Node& node = it->second;
    if (fresh) node.name = rr.owner;
    // RFC 2181 10.1: a CNAME cannot coexist with other data (DNSSEC types aside).
    bool has_cname = node.find(dns::type::CNAME) != nullptr;
    if (rr.type == dns::type::CNAME && !node.rrsets.empty() && !has_cname)
        return "CNAME at " + rr.owner.to_text() + " beside other data";
    if (rr.type != dns::type::CNAME && has_cname) return rr.owner.to_text() + " has a CNAME and other data";
    auto* set = const_cast<RRset*>(node.find(rr.type));
    if (set == nullptr) {
        node.rrsets.push_back(RRset{rr.type, rr.ttl, {}});
        set = &node.rrsets.back();
    } else if (rr.ttl != set->ttl) {
        // RFC 2181 5.2: one TTL per RRset; the first one wins (as BIND does), in answers and
        // in AXFR alike, so that secondaries serve what we serve.
        warn(parsed.where(i) + ": " + rr.owner.to_text() + " TTL " + std::to_string(rr.ttl) +
             " does not match the TTL " + std::to_string(set->ttl) + " of the " + dns::type_to_string(rr.type) +
             " RRset; using " + std::to_string(set->ttl));
    }
    // RFC 2181 5: no duplicates in an RRset; RFC 4343: names in rdata compare case-insensitively.
    auto same = [&](const std::string& rd) { return dns::rdata_equal(rr.type, rd, rr.rdata); };
    if (std::any_of(set->rdatas.begin(), set->rdatas.end(), same)) return {};
    if (rr.type == dns::type::CNAME && !set->rdatas.empty()) return "two CNAME records at " + rr.owner.to_text();
    if (rr.type == dns::type::SOA) {
        if (!(rr.owner == origin_)) return "SOA at " + rr.owner.to_text() + ", not at the zone apex";
        if (!set->rdatas.empty()) return "more than one SOA record";
    }
    set->rdatas.push_back(rr.rdata);
    if (rr.type != dns::type::SOA) {
        records_.push_back(rr);
        records_.back().ttl = set->ttl;
    }
    if (rr.owner.is_wildcard()) has_wildcards_ = true;
    return {};
}

void Zone::warn(std::string message) {
    if (warnings_.size() < max_warnings) warnings_.push_back(std::move(message));
    else ++unshown_warnings_;
}

void Zone::add_empty_non_terminals() {
    // RFC 4592 2.2.2: the names between an owner and the apex exist, with no data.
    std::vector<dns::Name> owners;
    owners.reserve(nodes_.size());
    for (const auto& [k, n] : nodes_) owners.push_back(n.name);
    for (const auto& o : owners) {
        for (auto p = o.parent(); p.size() > origin_.size(); p = p.parent()) {
            auto [it, fresh] = nodes_.try_emplace(lower_key(p));
            if (!fresh) break;
            it->second.name = p;
        }
    }
}

void Zone::index() {
    for (auto& [k, n] : nodes_) {
        n.delegation = k != origin_key_ && n.find(dns::type::NS) != nullptr;  // RFC 1034 4.2.1: a zone cut
        if (n.delegation) has_delegations_ = true;
    }
    apex_ = &nodes_.find(origin_key_)->second;
    soa_ = apex_->find(dns::type::SOA);
    const auto& soa_rd = soa_->rdatas.front();
    negative_ttl_ = std::min(soa_->ttl, read_u32(soa_rd, soa_rd.size() - 4));
}

std::shared_ptr<Zone> Zone::build(const dns::Name& origin, const dns::ZoneParseResult& parsed, std::string& error) {
    auto z = std::make_shared<Zone>();
    z->origin_ = origin;
    z->origin_key_ = lower_key(origin);
    for (std::size_t i = 0; i < parsed.records.size(); ++i) {
        if (auto problem = z->add(parsed, i); !problem.empty()) {
            error = parsed.where(i) + ": " + problem;
            return nullptr;
        }
    }
    std::string file = parsed.files.empty() ? std::string("?") : parsed.files[0];
    if (z->unshown_warnings_ > 0)
        z->warnings_.push_back(file + ": " + std::to_string(z->unshown_warnings_) + " more warnings like these");
    const auto apex = z->nodes_.find(z->origin_key_);
    if (apex == z->nodes_.end() || apex->second.find(dns::type::SOA) == nullptr) {
        error = file + ":0: zone " + origin.to_text() + " has no SOA record at its apex";
        return nullptr;
    }
    if (apex->second.find(dns::type::NS) == nullptr) {
        error = file + ":0: zone " + origin.to_text() + " has no NS records at its apex";
        return nullptr;
    }
    z->add_empty_non_terminals();
    z->index();
    return z;
}

const Node* Zone::find(std::string_view lower_wire) const {
    auto it = nodes_.find(lower_wire);
    return it == nodes_.end() ? nullptr : &it->second;
}

std::uint32_t Zone::serial() const {
    const auto& rd = soa_->rdatas.front();
    return read_u32(rd, rd.size() - 20);
}

bool ZoneSet::add(std::shared_ptr<const Zone> z) {
    if (by_origin_.contains(z->origin_key())) return false;
    zones_.push_back(std::move(z));
    by_origin_.emplace(std::string(zones_.back()->origin_key()), zones_.back().get());
    return true;
}

const Zone* ZoneSet::find_zone(std::string_view w) const {
    // Walk the suffixes from the longest: the first hit is the closest enclosing zone.
    for (std::size_t i = 0; i < w.size();) {
        auto it = by_origin_.find(w.substr(i));
        if (it != by_origin_.end()) return it->second;
        if (w[i] == 0) break;
        i += 1 + static_cast<std::uint8_t>(w[i]);
    }
    return nullptr;
}

const Zone* ZoneSet::zone_by_origin(std::string_view w) const {
    auto it = by_origin_.find(w);
    return it == by_origin_.end() ? nullptr : it->second;
}

std::shared_ptr<const ZoneSet> load_zones(const std::vector<ZoneSpec>& specs, std::string& error,
                                          const ZonePrepare& prepare) {
    auto set = std::make_shared<ZoneSet>();
    std::vector<std::shared_ptr<Zone>> built;
    for (const auto& spec : specs) {
        dns::ZoneParseOptions opts;
        opts.origin = spec.origin;
        auto parsed = dns::parse_zone_file(spec.file, opts);
        if (!parsed.ok()) {
            error = parsed.error;
            return nullptr;
        }
        // The configured origin, else the SOA owner (found by index: assigning into an empty
        // optional here trips a g++ 12 maybe-uninitialized false positive under ASan).
        const dns::Name* found = spec.origin ? &*spec.origin : nullptr;
        for (std::size_t i = 0; !found && i < parsed.records.size(); ++i)
            if (parsed.records[i].type == dns::type::SOA) found = &parsed.records[i].owner;
        std::optional<dns::Name> origin;
        if (found) origin.emplace(*found);
        if (!origin) origin = parsed.origin;
        if (!origin) {
            error = spec.file + ":0: no SOA record and no $ORIGIN: cannot tell the zone's name";
            return nullptr;
        }
        auto z = Zone::build(*origin, parsed, error);
        if (!z) return nullptr;
        z->axfr_allow = spec.axfr_allow;
        z->file = spec.file;
        built.push_back(z);
        if (!set->add(std::move(z))) {
            error = spec.file + ":0: zone " + origin->to_text() + " is configured twice";
            return nullptr;
        }
    }
    if (prepare) prepare(*set, built);
    return set;
}

}  // namespace dnsd
