#include "dnsd/query.hpp"

#include <algorithm>
#include <array>
#include <cstring>
#include <optional>

namespace dnsd {

using dns::Name;
using dns::Section;
namespace type = dns::type;
namespace rcode = dns::rcode;

namespace {

constexpr std::size_t opt_size = 11;                 // root owner, type, class, ttl, rdlength: an OPT without options
constexpr int max_chain = 8;                         // CNAME hops followed inside our zones
constexpr std::uint32_t max_variants = 8;            // rotations prepared per reply
constexpr std::size_t max_prepared_nodes = 250'000;  // beyond this, answers are computed per query

/// The parts of a query the responder needs. The question name lives in fixed buffers so
/// that the common path allocates nothing; a dns::Name is built only when needed.
struct ParsedQuery {
    dns::Header h;
    std::array<char, dns::max_name_length> wire_buf;   // uninitialised: only [0, qlen) is used
    std::array<char, dns::max_name_length> lower_buf;  // the same, lower-cased
    std::size_t qlen = 0;
    std::uint16_t qtype = 0;
    std::uint16_t qclass = 0;
    bool has_question = false;
    std::size_t question_end = 0;  // offset after the question
    bool has_edns = false;
    dns::Edns edns;
    mutable std::optional<Name> name_cache;

    [[nodiscard]] std::string_view wire() const { return {wire_buf.data(), qlen}; }
    [[nodiscard]] std::string_view lower() const { return {lower_buf.data(), qlen}; }
    [[nodiscard]] const Name& qname() const {
        if (!name_cache) name_cache = Name::from_wire(wire());
        return *name_cache;
    }
    void set_name(std::string_view w) {
        qlen = w.size();
        std::memcpy(wire_buf.data(), w.data(), qlen);
        for (std::size_t i = 0; i < qlen; ++i)
            lower_buf[i] = static_cast<char>(dns::ascii_lower(static_cast<std::uint8_t>(w[i])));
        name_cache.reset();
    }
};

/// Reads the question name; the usual uncompressed form is copied straight from the packet,
/// anything with a pointer goes through the general (safe) decompressor.
bool read_qname(dns::ByteReader& r, ParsedQuery& q) {
    auto msg = r.whole();
    std::size_t start = r.position(), pos = start;
    for (;;) {
        if (pos >= msg.size()) return false;
        std::uint8_t l = msg[pos];
        if ((l & 0xC0) != 0) {
            Name n;
            if (!r.seek(start) || Name::read(r, n) != dns::NameError::ok) return false;
            q.set_name(n.wire());
            return true;
        }
        if (pos - start + 1 + l > dns::max_name_length || pos + 1 + l > msg.size()) return false;
        pos += 1 + l;
        if (l == 0) break;
    }
    q.set_name({reinterpret_cast<const char*>(msg.data()) + start, pos - start});
    return r.seek(pos);
}

/// Skips an owner name of a record we do not look at; sets `root` for the root name.
bool skip_name(dns::ByteReader& r, bool& root) {
    std::uint8_t first = 0;
    if (!r.available(1)) return false;
    first = r.whole()[r.position()];
    root = first == 0;
    if (root) return r.skip(1);
    Name ignored;
    return Name::read(r, ignored) == dns::NameError::ok;
}

enum class Parse { ok, drop, formerr, notimp };

Parse parse_query(std::span<const std::uint8_t> data, ParsedQuery& q) {
    dns::ByteReader r(data);
    if (!q.h.read(r)) return Parse::drop;  // nothing to answer to without an id
    if (q.h.qr) return Parse::drop;        // a response sent to us: never answer (reflection loops)
    // RFC 1035 4.1.2: a query carries exactly one question in practice (RFC 9619).
    if (q.h.qdcount == 1) {
        if (!read_qname(r, q) || !r.u16(q.qtype) || !r.u16(q.qclass)) return Parse::formerr;
        q.has_question = true;
        q.question_end = r.position();
    }
    if (q.h.opcode != dns::opcode::QUERY) return Parse::notimp;
    if (q.h.qdcount != 1) return Parse::formerr;
    // Skip answer and authority records; look for one OPT in the additional section.
    unsigned total = unsigned{q.h.ancount} + q.h.nscount + q.h.arcount;
    for (unsigned i = 0; i < total; ++i) {
        bool root = false;
        std::uint16_t t = 0, cls = 0, rdlen = 0;
        std::uint32_t ttl = 0;
        if (!skip_name(r, root) || !r.u16(t) || !r.u16(cls) || !r.u32(ttl) || !r.u16(rdlen)) return Parse::formerr;
        std::span<const std::uint8_t> rd;
        if (!r.bytes(rdlen, rd)) return Parse::formerr;
        if (t != type::OPT) continue;
        // RFC 6891 6.1.1: one OPT, owner root, in the additional section; 6.1.2: its rdata is
        // whole options (NSD answers FORMERR to an option that runs past it).
        if (i < unsigned{q.h.ancount} + q.h.nscount || !root || q.has_edns) return Parse::formerr;
        if (!dns::edns_options_valid(rd)) return Parse::formerr;
        q.has_edns = true;
        q.edns.udp_size = cls;
        q.edns.ext_rcode = static_cast<std::uint8_t>(ttl >> 24);
        q.edns.version = static_cast<std::uint8_t>(ttl >> 16);
        q.edns.do_bit = (ttl & 0x8000) != 0;
    }
    return Parse::ok;
}

std::string_view rd_view(const std::string& s) { return s; }

/// Builds one reply. Keeps the writer, the header and the names for additional processing.
class Reply {
public:
    Reply(std::span<std::uint8_t> out, std::size_t limit, const ParsedQuery& q, const ResponderOptions& opts)
        : out_(out), w_(out, limit), q_(q), opts_(opts) {
        h_.id = q.h.id;
        h_.qr = true;
        h_.opcode = q.h.opcode;
        h_.rd = q.h.rd;  // RFC 1035 4.1.1: copied
        h_.cd = q.h.cd;
        if (q.has_edns) w_.reserve(opt_size);
    }

    bool start(bool with_question) {
        if (!w_.header(h_)) return false;
        if (with_question && q_.has_question && !w_.question(q_.qname(), q_.qtype, q_.qclass)) return false;
        after_question_ = w_.mark();
        return true;
    }

    /// Writes an RRset whole or not at all (RFC 2181 9). Remembers NS/MX/SRV targets.
    bool rrset(Section s, std::string_view owner, const RRset& set, bool rotate) {
        auto m = w_.mark();
        std::size_t n = set.rdatas.size();
        std::size_t first = rotate && n > 1 ? rotation_ % n : 0;
        for (std::size_t k = 0; k < n; ++k) {
            const auto& rd = set.rdatas[(first + k) % n];
            if (!w_.rr(s, owner, set.type, dns::klass::IN, set.ttl, rd)) {
                w_.rollback(m);
                return false;
            }
        }
        if (s != Section::additional) note_targets(set);
        return true;
    }

    bool record(Section s, std::string_view owner, std::uint16_t t, std::uint32_t ttl, std::string_view rd) {
        return w_.rr(s, owner, t, dns::klass::IN, ttl, rd);
    }

    /// Required data did not fit: keep header and question only, with TC (RFC 2181 9).
    void truncate() {
        w_.rollback(after_question_);
        h_.tc = true;
        truncated_ = true;
    }

    /// A and AAAA for the targets noted so far, from `zone` only (glue included) and not
    /// repeating an answer RRset, as NSD does; stops quietly at the first that does not fit
    /// (RFC 2181 9: additional data is optional).
    void additional(const Zone& zone) {
        std::array<std::string_view, 16> seen{};
        std::size_t nseen = 0;
        for (std::size_t i = 0; i < ntargets_; ++i) {
            bool dup = false;
            for (std::size_t k = 0; k < nseen; ++k) dup = dup || dns::wire_equal(seen[k], targets_[i]);
            if (dup) continue;
            if (nseen < seen.size()) seen[nseen++] = targets_[i];
            std::string key(targets_[i]);
            dns::wire_lower(key);
            if (key.size() < zone.origin_key().size() ||
                key.compare(key.size() - zone.origin_key().size(), std::string_view::npos, zone.origin_key()) != 0)
                continue;
            const Node* n = zone.find(key);
            if (n == nullptr) continue;
            for (auto t : {type::A, type::AAAA}) {
                const RRset* s = n->find(t);
                if (s == nullptr || in_answer(n, t)) continue;
                if (!rrset(Section::additional, n->name.wire(), *s, false)) return;
            }
        }
    }

    /// Remembers that `node`'s RRset of `t` is in the answer section.
    void answered(const Node* node, std::uint16_t t) {
        if (nanswered_ < answered_.size()) answered_[nanswered_++] = {node, t};
    }

    std::size_t finish(std::uint16_t rc) {
        h_.rcode = static_cast<std::uint8_t>(rc & 0xF);
        if (q_.has_edns) {
            dns::Edns e;
            e.udp_size = opts_.edns_size;
            e.ext_rcode = static_cast<std::uint8_t>(rc >> 4);
            e.do_bit = q_.edns.do_bit;  // RFC 3225 3: DO is copied into the response
            (void)w_.opt(e);
        }
        std::size_t n = w_.finish();
        if (n >= dns::header_size) dns::store_u16(out_.data() + 2, h_.flags());
        return n;
    }

    dns::Header& header() { return h_; }
    [[nodiscard]] bool truncated() const { return truncated_; }
    [[nodiscard]] std::uint16_t answers() const { return w_.count(Section::answer); }
    void set_rotation(std::uint32_t r) { rotation_ = r; }

private:
    void note_targets(const RRset& set) {
        if (set.type != type::NS && set.type != type::MX && set.type != type::SRV) return;
        std::size_t off = set.type == type::NS ? 0 : set.type == type::MX ? 2 : 6;
        for (const auto& rd : set.rdatas) {
            if (ntargets_ < targets_.size() && rd.size() > off) targets_[ntargets_++] = rd_view(rd).substr(off);
        }
    }

    std::span<std::uint8_t> out_;
    dns::MessageWriter w_;
    const ParsedQuery& q_;
    const ResponderOptions& opts_;
    dns::Header h_;
    dns::MessageWriter::Mark after_question_;
    bool truncated_ = false;
    std::uint32_t rotation_ = 0;
    [[nodiscard]] bool in_answer(const Node* n, std::uint16_t t) const {
        for (std::size_t i = 0; i < nanswered_; ++i)
            if (answered_[i].first == n && answered_[i].second == t) return true;
        return false;
    }

    std::array<std::string_view, 32> targets_{};
    std::size_t ntargets_ = 0;
    std::array<std::pair<const Node*, std::uint16_t>, 16> answered_{};
    std::size_t nanswered_ = 0;
};

enum class Found { exact, wildcard, delegation, nxdomain };

struct Lookup {
    Found kind = Found::nxdomain;
    const Node* node = nullptr;
};

/// RFC 1034 4.3.2 step 3 inside one zone: walk from the apex towards `lower`, stopping at a
/// zone cut (referral), the name itself, or the closest encloser (then RFC 4592 wildcards).
Lookup lookup(const Zone& z, std::string_view lower, std::uint16_t qtype) {
    if (!z.has_delegations()) {
        if (const Node* n = z.find(lower)) return {Found::exact, n};
    }
    std::array<std::size_t, 128> offs{};
    std::size_t k = 0;
    std::size_t origin_off = lower.size() - z.origin_key().size();
    for (std::size_t p = 0; p < origin_off && k < offs.size(); p += 1 + static_cast<std::uint8_t>(lower[p]))
        offs[k++] = p;
    const Node* encloser = &z.apex();
    std::size_t encloser_off = origin_off;
    for (std::size_t j = k; j-- > 0;) {
        const Node* n = z.find(lower.substr(offs[j]));
        if (n == nullptr) break;
        // The parent side of a cut is authoritative for DS only (RFC 4035 3.1.4.1).
        if (n->delegation && !(j == 0 && qtype == type::DS)) return {Found::delegation, n};
        encloser = n;
        encloser_off = offs[j];
        if (j == 0) return {Found::exact, n};
    }
    if (k == 0) return {Found::exact, encloser};
    if (z.has_wildcards()) {
        std::string wc("\1*", 2);
        wc.append(lower.substr(encloser_off));
        if (wc.size() <= dns::max_name_length) {
            if (const Node* n = z.find(wc)) return {Found::wildcard, n};
        }
    }
    return {Found::nxdomain, nullptr};
}

/// The name being answered along a CNAME chain inside our zones.
struct Cursor {
    std::string lower;       // lower-cased wire form, for lookups
    std::string_view owner;  // the owner written in the reply: the query's name, then each CNAME target
    std::string target;      // keeps the current CNAME target alive while it is the owner
    const Zone* zone = nullptr;
};

/// What the answer section turned out to be, for the sections after it.
struct Answered {
    std::uint16_t rcode = rcode::NOERROR;
    bool positive = false;       // the RRset asked for is in the answer
    const Node* node = nullptr;  // the node it came from
    bool any = false;            // an ANY query: no authority, no additional (RFC 8482 4.1)
};

/// RFC 2308 3: a negative answer carries the zone's SOA with the negative TTL.
bool negative_soa(Reply& r, const Zone& z) {
    return r.record(Section::authority, z.apex().name.wire(), type::SOA, z.negative_ttl(), z.soa().rdatas.front());
}

/// Writes the CNAME at the cursor and moves the cursor to its target; false when the chain
/// ends here (truncated, leaves our zones, loops or is too long).
bool follow_cname(Reply& r, const ZoneSet& zones, const ParsedQuery& q, const RRset& cname, Cursor& c, int hop) {
    if (!r.rrset(Section::answer, c.owner, cname, false)) {
        r.truncate();
        return false;
    }
    std::string next = cname.rdatas.front();
    dns::wire_lower(next);
    const Zone* nz = zones.find_zone(next);
    // Leaving our zones (or looping), the resolver goes on from here; NSD then adds no
    // authority either.
    if (nz == nullptr || hop + 1 >= max_chain || next == c.lower || next == q.lower()) return false;
    c.target = cname.rdatas.front();
    c.owner = c.target;
    c.lower = std::move(next);
    c.zone = nz;
    return true;
}

/// RFC 1034 4.3.2 step 3 for the cursor's name: a referral, NXDOMAIN, the answer, NODATA, or a
/// CNAME to follow (then true: answer the cursor's new name).
bool answer_name(Reply& r, const ZoneSet& zones, const ParsedQuery& q, Cursor& c, int hop, Answered& a) {
    const Zone& z = *c.zone;
    Lookup lk = lookup(z, c.lower, q.qtype);
    if (lk.kind == Found::delegation) {
        // RFC 1034 4.3.2 3b: a referral; AA only if an earlier CNAME was ours.
        if (hop == 0) r.header().aa = false;
        if (!r.rrset(Section::authority, lk.node->name.wire(), *lk.node->find(type::NS), false)) r.truncate();
        return false;
    }
    if (lk.kind == Found::nxdomain) {
        // RFC 6604 3: the rcode describes the last name of a CNAME chain.
        a.rcode = rcode::NXDOMAIN;
        if (!negative_soa(r, z)) r.truncate();
        return false;
    }
    // A wildcard's answer takes the query name as owner (RFC 4592 2.1.1): c.owner, as for exact matches.
    const Node* node = lk.node;
    if (q.qtype == type::ANY) {
        // RFC 8482 4.1: one RRset is enough (NSD sends the first); no authority or additional.
        a.any = true;
        if (node->rrsets.empty()) (void)negative_soa(r, z);
        else if (!r.rrset(Section::answer, c.owner, node->rrsets.front(), true)) r.truncate();
        return false;
    }
    const RRset* cname = node->find(type::CNAME);
    if (cname != nullptr && q.qtype != type::CNAME) return follow_cname(r, zones, q, *cname, c, hop);
    if (const RRset* set = node->find(q.qtype)) {
        if (!r.rrset(Section::answer, c.owner, *set, true)) {
            r.truncate();
            return false;
        }
        a.positive = true;
        a.node = node;
        r.answered(node, q.qtype);
        return false;
    }
    // NODATA (RFC 2308 2.2): NOERROR with the SOA.
    if (!negative_soa(r, z)) r.truncate();
    return false;
}

/// RFC 1034 4.3.2 for a well-formed QUERY in one of our zones (the general path; also what
/// prepare_answers runs at load time).
Outcome answer_query(const ZoneSet& zones, const Zone* zone, const ParsedQuery& q, std::size_t limit,
                     std::span<std::uint8_t> out, const ResponderOptions& opts, std::uint32_t rotation) {
    Outcome oc;
    Reply r(out, limit, q, opts);
    r.set_rotation(rotation);
    r.header().aa = true;
    if (!r.start(true)) return oc;
    Cursor c{std::string(q.lower()), q.wire(), {}, zone};
    Answered a;
    for (int hop = 0; answer_name(r, zones, q, c, hop, a);) ++hop;
    if (!r.truncated() && !a.any) {
        // The authority and additional data come from the zone of the chain's last name.
        const Zone& z = *c.zone;
        // NSD adds the zone's NS to positive answers (unless the answer is that NS RRset).
        if (a.positive && !opts.minimal_responses && !(a.node == &z.apex() && q.qtype == type::NS))
            (void)r.rrset(Section::authority, z.apex().name.wire(), *z.apex().find(type::NS), false);
        r.additional(z);
    }
    oc.action = Action::reply;
    oc.rcode = a.rcode;
    oc.truncated = r.truncated();
    oc.answers = r.answers();
    oc.size = r.finish(a.rcode);
    return oc;
}

/// Header, the query's own question, the prepared sections, and OPT when the query had one.
std::size_t write_prepared(const Prepared& pr, const std::string& sections, const ParsedQuery& q,
                           std::span<const std::uint8_t> query, std::span<std::uint8_t> out,
                           const ResponderOptions& opts) {
    std::uint8_t* p = out.data();
    std::uint16_t flags = static_cast<std::uint16_t>(0x8000 | pr.flags | (q.h.rd ? 0x0100 : 0) | (q.h.cd ? 0x0010 : 0));
    dns::store_u16(p, q.h.id);
    dns::store_u16(p + 2, flags);
    dns::store_u16(p + 4, 1);
    dns::store_u16(p + 6, pr.an);
    dns::store_u16(p + 8, pr.ns);
    dns::store_u16(p + 10, static_cast<std::uint16_t>(pr.ar + (q.has_edns ? 1 : 0)));
    std::memcpy(p + dns::header_size, query.data() + dns::header_size, q.question_end - dns::header_size);
    std::size_t at = q.question_end;
    std::memcpy(p + at, sections.data(), sections.size());
    at += sections.size();
    if (q.has_edns) {
        const std::uint8_t opt[opt_size] = {0,
                                            0,
                                            41,
                                            static_cast<std::uint8_t>(opts.edns_size >> 8),
                                            static_cast<std::uint8_t>(opts.edns_size),
                                            0,
                                            0,
                                            static_cast<std::uint8_t>(q.edns.do_bit ? 0x80 : 0),
                                            0,
                                            0,
                                            0};
        std::memcpy(p + at, opt, opt_size);
        at += opt_size;
    }
    return at;
}

/// RFC 6891 6.2.5: UDP replies fit the client's EDNS size (sizes below 512 count as 512),
/// capped at ours; 512 without EDNS (RFC 1035 4.2.1). TCP replies fit the buffer.
std::size_t reply_limit(const ParsedQuery& q, const QueryContext& ctx, std::size_t out_size,
                        const ResponderOptions& opts) {
    std::size_t limit = out_size;
    if (!ctx.tcp) {
        limit = dns::max_udp_plain;
        if (q.has_edns) limit = std::clamp<std::size_t>(q.edns.udp_size, dns::max_udp_plain, opts.edns_size);
    }
    return std::min({limit, out_size, dns::max_message});
}

/// A header (and the question, when `with_question`) with rcode `rc` and nothing else.
Outcome rcode_only(const ParsedQuery& q, std::span<std::uint8_t> out, std::size_t limit, const ResponderOptions& opts,
                   std::uint16_t rc, bool with_question) {
    Outcome oc;
    Reply r(out, limit, q, opts);
    if (!r.start(with_question)) return oc;
    oc.action = Action::reply;
    oc.rcode = rc;
    oc.size = r.finish(rc);
    return oc;
}

struct Refusal {
    std::uint16_t rcode;
    bool with_question;
};

/// What ends a query before any zone is looked at, if anything does.
std::optional<Refusal> precheck(Parse p, const ParsedQuery& q) {
    if (p == Parse::formerr) return Refusal{rcode::FORMERR, false};
    if (p == Parse::notimp) return Refusal{rcode::NOTIMP, true};
    if (q.has_edns && q.edns.version != 0) return Refusal{rcode::BADVERS, false};  // RFC 6891 6.1.3
    if (q.qclass != dns::klass::IN && q.qclass != dns::klass::ANY) return Refusal{rcode::REFUSED, true};
    // Meta-types other than the transfers and ANY (RFC 6895 3.1), and the obsolete MAILA/MAILB.
    if (q.qtype == type::OPT || (q.qtype >= 128 && q.qtype <= 250) || q.qtype == type::MAILA || q.qtype == type::MAILB)
        return Refusal{rcode::NOTIMP, true};
    return std::nullopt;
}

/// AXFR and IXFR at a zone apex: a transfer over TCP to allowed peers, the SOA alone for IXFR
/// over UDP, else NOTAUTH or REFUSED.
Outcome transfer(const ZoneSet& zones, const ParsedQuery& q, const QueryContext& ctx, std::span<std::uint8_t> out,
                 std::size_t limit, const ResponderOptions& opts) {
    const Zone* apex = zones.zone_by_origin(q.lower());
    if (apex == nullptr) return rcode_only(q, out, limit, opts, rcode::NOTAUTH, true);
    if (q.qtype == type::AXFR || ctx.tcp) {
        // RFC 5936 4.2: AXFR needs TCP; IXFR over TCP falls back to a full transfer (RFC 1995 4).
        if (!ctx.tcp || !apex->axfr_allow.contains(ctx.peer))
            return rcode_only(q, out, limit, opts, rcode::REFUSED, true);
        Outcome oc;
        oc.action = Action::axfr;
        oc.zone = apex;
        return oc;
    }
    // RFC 1995 2: IXFR over UDP that cannot be answered incrementally gets the SOA alone.
    Outcome oc;
    Reply r(out, limit, q, opts);
    r.header().aa = true;
    if (!r.start(true)) return oc;
    if (!r.rrset(Section::answer, q.wire(), apex->soa(), false)) r.truncate();
    oc.action = Action::reply;
    oc.answers = r.answers();
    oc.size = r.finish(rcode::NOERROR);
    return oc;
}

/// NSD's model: an exact match inside a zone was answered at load time; copies that reply when
/// there is one for this name and type and it fits. `rotation` picks the variant.
std::optional<Outcome> prepared_reply(const Zone& zone, const ParsedQuery& q, std::span<const std::uint8_t> query,
                                      std::span<std::uint8_t> out, std::size_t limit, const ResponderOptions& opts,
                                      std::uint32_t& rotation) {
    // Only an uncompressed question of class IN: the prepared sections follow it byte for byte.
    if (q.qtype == type::ANY || q.qclass != dns::klass::IN || q.question_end != dns::header_size + q.qlen + 4)
        return std::nullopt;
    const Node* node = zone.find(q.lower());
    const Prepared* pr = node == nullptr ? nullptr : node->prepared_for(q.qtype);
    if (pr == nullptr) return std::nullopt;
    const std::string& v = pr->variants[pr->variants.size() > 1 ? rotation++ % pr->variants.size() : 0];
    if (q.question_end + v.size() + (q.has_edns ? opt_size : 0) > limit) return std::nullopt;
    Outcome oc;
    oc.size = write_prepared(*pr, v, q, query, out, opts);
    oc.action = Action::reply;
    oc.rcode = pr->flags & 0xF;
    oc.answers = pr->an;
    return oc;
}

}  // namespace

Outcome Responder::respond(const ZoneSet& zones, std::span<const std::uint8_t> query, const QueryContext& ctx,
                           std::span<std::uint8_t> out, bool want_text) {
    ParsedQuery q;
    Parse p = parse_query(query, q);
    if (p == Parse::drop || out.size() < dns::header_size) return {};
    const std::size_t limit = reply_limit(q, ctx, out.size(), opts_);
    auto described = [&](Outcome oc) {
        oc.qtype = q.qtype;
        if (want_text && q.has_question) oc.qname = q.qname().to_text();
        return oc;
    };
    if (auto refusal = precheck(p, q)) {
        if (p == Parse::formerr) q.has_edns = false;  // the OPT itself may be what was malformed
        return described(rcode_only(q, out, limit, opts_, refusal->rcode, refusal->with_question));
    }
    const Zone* zone = zones.find_zone(q.lower());
    if (zone == nullptr) return described(rcode_only(q, out, limit, opts_, rcode::REFUSED, true));  // no recursion
    if (q.qtype == type::AXFR || q.qtype == type::IXFR) return described(transfer(zones, q, ctx, out, limit, opts_));
    if (auto prepared = prepared_reply(*zone, q, query, out, limit, opts_, rotation_)) return described(*prepared);
    return described(answer_query(zones, zone, q, limit, out, opts_, opts_.round_robin ? rotation_++ : 0));
}

void prepare_answers(const ZoneSet& set, const std::vector<std::shared_ptr<Zone>>& zones,
                     const ResponderOptions& opts) {
    std::vector<std::uint8_t> out(dns::max_message);
    std::size_t budget = max_prepared_nodes;
    for (const auto& zp : zones) {
        Zone& z = *zp;
        z.for_each_node([&](Node& n) {
            n.prepared.clear();
            if (budget == 0) return;
            ParsedQuery q;
            q.set_name(n.name.wire());
            // Only names answered as themselves: not a zone cut, not glue below one.
            Lookup lk = lookup(z, q.lower(), type::A);
            if (lk.kind != Found::exact || lk.node != &n) return;
            --budget;
            q.qclass = dns::klass::IN;
            q.has_question = true;
            q.question_end = dns::header_size + n.name.size() + 4;
            std::vector<std::uint16_t> types;
            for (const auto& rs : n.rrsets) types.push_back(rs.type);
            if (n.find(type::CNAME) != nullptr) {
                // The answer depends on the type at the end of the chain: prepare the usual ones.
                for (auto t : {type::A, type::AAAA, type::MX, type::TXT})
                    if (std::find(types.begin(), types.end(), t) == types.end()) types.push_back(t);
            } else {
                types.push_back(0);  // NODATA, the same for every absent type
            }
            std::uint16_t absent = 65280;  // a private-use type (RFC 6895) the node does not have
            while (n.find(absent) != nullptr) ++absent;
            for (auto t : types) {
                Prepared pr;
                pr.qtype = t;
                q.qtype = t == 0 ? absent : t;
                for (std::uint32_t k = 0; k < max_variants; ++k) {
                    Outcome oc = answer_query(set, &z, q, dns::max_message, out, opts, k);
                    if (oc.action != Action::reply || oc.truncated) break;
                    std::string v(reinterpret_cast<const char*>(out.data()) + q.question_end, oc.size - q.question_end);
                    // Variants repeat with the period of the rotation: stop at the first repeat.
                    if (k > 0 && v == pr.variants.front()) break;
                    if (k == 0) {
                        pr.flags = static_cast<std::uint16_t>(dns::load_u16(out.data() + 2) & 0x040F);  // AA, RCODE
                        pr.an = dns::load_u16(out.data() + 6);
                        pr.ns = dns::load_u16(out.data() + 8);
                        pr.ar = dns::load_u16(out.data() + 10);
                    }
                    pr.variants.push_back(std::move(v));
                    if (!opts.round_robin) break;
                }
                if (!pr.variants.empty()) n.prepared.push_back(std::move(pr));
            }
        });
    }
}

AxfrWriter::AxfrWriter(const Zone& zone, std::uint16_t id, const dns::Name& qname)
    : zone_(zone), id_(id), qname_(qname) {}

std::size_t AxfrWriter::next(std::span<std::uint8_t> out) {
    std::size_t total = zone_.records().size() + 2;
    if (index_ >= total) return 0;
    dns::MessageWriter w(out, std::min(out.size(), dns::max_message));
    dns::Header h;
    h.id = id_;
    h.qr = true;
    h.aa = true;
    if (!w.header(h)) return 0;
    // RFC 5936 2.2.1: the question is in the first message only.
    if (first_ && !w.question(qname_, type::AXFR, dns::klass::IN)) return 0;
    first_ = false;
    std::size_t written = 0;
    while (index_ < total) {
        bool ok = false;
        if (index_ == 0 || index_ + 1 == total) {
            const RRset& soa = zone_.soa();
            ok =
                w.rr(Section::answer, zone_.apex().name.wire(), type::SOA, dns::klass::IN, soa.ttl, soa.rdatas.front());
        } else {
            ok = w.rr(Section::answer, zone_.records()[index_ - 1]);
        }
        if (!ok) break;
        ++index_;
        ++written;
    }
    if (written == 0) {
        index_ = total;  // a record larger than a message: give up rather than loop
        return 0;
    }
    sent_ += written;
    return w.finish();
}

}  // namespace dnsd
