// The iterative resolver (RFC 1034 5.3.3): from the root hints down the referrals to an
// authoritative answer, following CNAMEs across zones, with a bounded amount of work per
// client query, the shared cache, and identical concurrent queries collapsed into one.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "dns/exchange.hpp"
#include "dns/message.hpp"
#include "dnsd/cache.hpp"
#include "dnsd/iterate.hpp"
#include "dnsd/rtt.hpp"
#include "net/asio.hpp"

namespace dnsd {

/// Limits and knobs of the resolver.
struct RecursorOptions {
    std::uint16_t upstream_port = 53;                      ///< port of every server we ask (`--upstream-port`)
    std::chrono::milliseconds upstream_timeout{800};       ///< per upstream query
    std::chrono::milliseconds time_budget{4000};           ///< per client query, then SERVFAIL
    unsigned max_queries = 48;                             ///< upstream queries per client query
    unsigned max_depth = 4;                                ///< nested lookups of NS names without glue
    unsigned max_cname = 8;                                ///< CNAMEs followed per client query
    unsigned max_referrals = 16;                           ///< zone cuts walked per name
    std::uint16_t edns_size = 1232;                        ///< our EDNS buffer upstream (0: none)
    bool upstream_ipv6 = false;                            ///< ask servers over IPv6 too (AAAA glue and NS addresses)
    bool qname_minimisation = true;                        ///< RFC 9156 (`--no-qname-minimisation` turns it off)
    unsigned max_minimise_steps = 10;                      ///< RFC 9156 MAX_MINIMISE_COUNT: then the full name
    std::vector<net::udp::endpoint> forwarders;            ///< `--forward`: ask these (RD set) instead of iterating
    bool serve_stale = false;                              ///< RFC 8767 (`--serve-stale`)
    std::chrono::milliseconds stale_answer_timeout{1800};  ///< RFC 8767 5: client-response timer
};

/// The outcome for a client: rcode, the answer (CNAME chain then RRset) and, for negative
/// answers, the SOA.
struct Resolution {
    std::uint16_t rcode = 2;  ///< SERVFAIL unless resolved
    std::vector<dns::Rr> answer;
    std::vector<dns::Rr> authority;
    bool cached = false;   ///< answered from the cache alone
    bool stale = false;    ///< RFC 8767: expired data given because no server answered
    unsigned queries = 0;  ///< upstream queries this resolution sent
};

/// One resolver shared by every worker thread: the cache is sharded, the table of
/// resolutions in progress is locked per shard, the rest is immutable.
class Recursor {
public:
    Recursor(RecursorOptions opts, RootHints hints, Cache& cache);

    /// Resolves `qname`/`qtype` (class IN). Never throws for network failures: they end in
    /// SERVFAIL. A query identical to one in progress waits for it instead of iterating.
    [[nodiscard]] net::task<Resolution> resolve(dns::Name qname, std::uint16_t qtype);
    /// The answer from the cache alone, or nullopt when it would take an upstream query.
    [[nodiscard]] std::optional<Resolution> from_cache(const dns::Name& qname, std::uint16_t qtype);

    [[nodiscard]] Cache& cache() { return cache_; }
    [[nodiscard]] RttTable& rtt() { return rtt_; }
    [[nodiscard]] const RecursorOptions& options() const { return opts_; }

private:
    struct Work;
    struct Servers;
    struct Pending;
    enum class CacheStep : std::uint8_t { done, moved, miss };

    /// Counts one more upstream query against `w`'s budget and sets `eo`'s timeout and EDNS
    /// size; false (with a trace line naming `question`) once the budget is spent.
    [[nodiscard]] bool spend_query(Work& w, const std::string& question, CacheClock::time_point now,
                                   dns::ExchangeOptions& eo) const;
    /// Feeds an exchange with `addr` begun at `sent` to the RTT table.
    void note_rtt(const asio::ip::address& addr, dns::ExchangeStatus status, CacheClock::time_point sent);
    [[nodiscard]] CacheStep step_from_cache(dns::Name& name, std::uint16_t qtype, Resolution& res);
    net::task<Resolution> resolve_collapsed(const dns::Name& qname, std::uint16_t qtype);
    net::task<Resolution> resolve_name(dns::Name qname, std::uint16_t qtype, Work& w, unsigned depth);
    /// Walks the referrals for `qname` to a server that answers; false on SERVFAIL.
    net::task<bool> iterate(dns::Name qname, std::uint16_t qtype, Work& w, unsigned depth, Classified& out);
    /// Asks the forwarders in turn (fastest first); false when none gave a usable answer.
    net::task<bool> forward(dns::Name qname, std::uint16_t qtype, Work& w, Classified& out);
    /// RFC 8767: the expired answer for `name` (after the CNAMEs in `res`), TTLs 30.
    [[nodiscard]] bool stale_from_cache(dns::Name name, std::uint16_t qtype, Resolution& res);
    net::task<void> find_addresses(Servers& zs, Work& w, unsigned depth);
    [[nodiscard]] Servers closest_servers(const dns::Name& qname);
    void add_cached_addresses(Servers& s);
    void learn(const Classified& c, std::uint16_t qtype);

    RecursorOptions opts_;
    RootHints hints_;
    Cache& cache_;
    RttTable rtt_;
    std::mutex pending_mu_;
    std::unordered_map<std::string, std::shared_ptr<Pending>> pending_;
};

}  // namespace dnsd
