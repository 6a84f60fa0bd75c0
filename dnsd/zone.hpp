// The in-memory zone store: zones of RRsets indexed by lower-cased owner name, built and
// checked once at load time, then shared read-only by every worker thread.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "dns/message.hpp"
#include "dns/name.hpp"
#include "dns/zone_parser.hpp"
#include "net/cidr.hpp"

namespace dnsd {

/// All records of one owner and type; rdata in uncompressed wire form.
struct RRset {
    std::uint16_t type = 0;
    std::uint32_t ttl = 0;
    std::vector<std::string> rdatas;
};

/// A reply computed at load time for an exact match (NSD's model): the sections that follow
/// a question for this node's name and `qtype` at offset 12, with their counts.
struct Prepared {
    std::uint16_t qtype = 0;  ///< 0: every type not listed (NODATA)
    std::uint16_t flags = 0;  ///< the AA and RCODE bits of the header
    std::uint16_t an = 0, ns = 0, ar = 0;
    std::vector<std::string> variants;  ///< one per rotation of multi-record RRsets
};

/// One owner name in a zone (possibly an empty non-terminal with no RRsets).
struct Node {
    dns::Name name;                  ///< as written in the zone file (case preserved)
    std::vector<RRset> rrsets;       ///< in order of first appearance
    bool delegation = false;         ///< NS below the apex: a zone cut (RFC 1034 4.2.1)
    std::vector<Prepared> prepared;  ///< filled after loading, when the node is authoritative
    /// The RRset of `type`, or nullptr.
    [[nodiscard]] const RRset* find(std::uint16_t type) const;
    /// The prepared reply for `qtype`, or nullptr.
    [[nodiscard]] const Prepared* prepared_for(std::uint16_t qtype) const;
};

/// Hash and equality on lower-cased wire names, with string_view lookups.
struct WireKeyHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view w) const { return dns::wire_hash(w); }
};
struct WireKeyEq {
    using is_transparent = void;
    bool operator()(std::string_view a, std::string_view b) const { return a == b; }
};

/// One authoritative zone.
class Zone {
public:
    /// Builds a zone from parsed records. Returns nullptr and sets `error` ("file:line: message")
    /// when the data is not a valid zone: no SOA or several, SOA or NS missing at the apex, a
    /// record outside the zone, CNAME beside other data (RFC 2181 10.1), two CNAMEs.
    [[nodiscard]] static std::shared_ptr<Zone> build(const dns::Name& origin, const dns::ZoneParseResult& parsed,
                                                     std::string& error);

    [[nodiscard]] const dns::Name& origin() const { return origin_; }
    /// Lower-cased wire form of the origin.
    [[nodiscard]] std::string_view origin_key() const { return origin_key_; }
    /// Node by lower-cased wire name, or nullptr.
    [[nodiscard]] const Node* find(std::string_view lower_wire) const;
    [[nodiscard]] const Node& apex() const { return *apex_; }
    [[nodiscard]] const RRset& soa() const { return *soa_; }
    [[nodiscard]] std::uint32_t serial() const;
    /// RFC 2308 3: negative answers carry the SOA with TTL min(SOA TTL, MINIMUM).
    [[nodiscard]] std::uint32_t negative_ttl() const { return negative_ttl_; }
    [[nodiscard]] bool has_wildcards() const { return has_wildcards_; }
    /// Whether any zone cut exists below the apex (else lookups need not walk down).
    [[nodiscard]] bool has_delegations() const { return has_delegations_; }
    /// Every record except the SOA, for AXFR (RFC 5936 2.2: SOA first and last).
    [[nodiscard]] const std::vector<dns::Rr>& records() const { return records_; }
    [[nodiscard]] std::size_t node_count() const { return nodes_.size(); }
    /// What was wrong but did not stop the load ("file:line: message"), for the log: records
    /// whose TTL differs from their RRset's (RFC 2181 5.2). At most max_warnings, then a count.
    [[nodiscard]] const std::vector<std::string>& warnings() const { return warnings_; }
    static constexpr std::size_t max_warnings = 100;

    /// Calls `fn` on every node; only while the zone is being built (before it is shared).
    template <class Fn>
    void for_each_node(Fn&& fn) {
        for (auto& [k, n] : nodes_) fn(n);
    }

    /// Addresses allowed to transfer this zone (empty: nobody).
    net::CidrList axfr_allow;
    std::string file;  ///< where it was loaded from, for logs

private:
    /// Adds parsed record `i`; returns what is wrong with it, or "".
    [[nodiscard]] std::string add(const dns::ZoneParseResult& parsed, std::size_t i);
    void warn(std::string message);
    void add_empty_non_terminals();
    /// Marks the zone cuts and finds the apex, its SOA and the negative TTL.
    void index();

    dns::Name origin_;
    std::string origin_key_;
    std::unordered_map<std::string, Node, WireKeyHash, WireKeyEq> nodes_;
    const Node* apex_ = nullptr;
    const RRset* soa_ = nullptr;
    std::uint32_t negative_ttl_ = 0;
    bool has_wildcards_ = false;
    bool has_delegations_ = false;
    std::vector<dns::Rr> records_;
    std::vector<std::string> warnings_;
    std::size_t unshown_warnings_ = 0;
};

/// The set of zones served, looked up by longest matching origin.
class ZoneSet {
public:
    /// Adds a zone; false if a zone with the same origin is already present.
    [[nodiscard]] bool add(std::shared_ptr<const Zone> z);
    /// The zone with the longest origin that `lower_wire` is equal to or below, or nullptr.
    [[nodiscard]] const Zone* find_zone(std::string_view lower_wire) const;
    [[nodiscard]] const Zone* zone_by_origin(std::string_view lower_wire) const;
    [[nodiscard]] const std::vector<std::shared_ptr<const Zone>>& zones() const { return zones_; }

private:
    std::vector<std::shared_ptr<const Zone>> zones_;
    std::unordered_map<std::string, const Zone*, WireKeyHash, WireKeyEq> by_origin_;
};

/// Where zone `i` of a configuration comes from.
struct ZoneSpec {
    std::string file;
    std::optional<dns::Name> origin;  ///< else from $ORIGIN or the SOA owner
    net::CidrList axfr_allow;
};

/// Called once every zone is in the set, before it is shared (to precompute answers).
using ZonePrepare = std::function<void(const ZoneSet&, const std::vector<std::shared_ptr<Zone>>&)>;

/// Parses and builds every zone. Returns nullptr and sets `error` ("file:line: message")
/// at the first failing zone.
[[nodiscard]] std::shared_ptr<const ZoneSet> load_zones(const std::vector<ZoneSpec>& specs, std::string& error,
                                                        const ZonePrepare& prepare = {});

}  // namespace dnsd
