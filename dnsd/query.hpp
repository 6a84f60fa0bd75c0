// Query processing, sans-I/O (NSD query_process, Knot's query layer): one query message in,
// one reply message out (or a decision to drop, or to start a zone transfer).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "dns/message.hpp"
#include "dnsd/zone.hpp"

namespace dnsd {

/// Policy knobs of the responder.
struct ResponderOptions {
    std::uint16_t edns_size = 1232;  ///< our advertised and maximum UDP payload (RFC 6891 6.2.5)
    bool round_robin = true;         ///< rotate RRsets of several records per query (load distribution)
    bool minimal_responses = false;  ///< omit the zone's NS from the authority of positive answers
};

/// The transport a query arrived on.
struct QueryContext {
    bool tcp = false;
    boost::asio::ip::address peer{};  ///< for AXFR access control (Zone::axfr_allow)
};

/// What to do with a query.
enum class Action {
    reply,  ///< send the `size` octets written
    drop,   ///< send nothing (responses, garbage without a header)
    axfr,   ///< start a zone transfer of `zone` (TCP only, access already checked)
};

/// The outcome of one query, with enough to log it.
struct Outcome {
    Action action = Action::drop;
    std::size_t size = 0;
    std::uint16_t rcode = 0;  ///< 12-bit rcode sent
    std::uint16_t qtype = 0;
    std::uint16_t answers = 0;
    bool truncated = false;
    const Zone* zone = nullptr;  ///< for axfr
    std::string qname{};         ///< presentation form, only filled when `want_text`
};

/// Answers queries from a zone set. Stateless apart from the round-robin counter, so one
/// per thread (the counter is not atomic).
class Responder {
public:
    explicit Responder(ResponderOptions opts = {}) : opts_(opts) {}

    /// Answers `query` into `out` (whose size caps TCP replies; UDP replies are capped by
    /// EDNS). Malformed queries get FORMERR, or are dropped when not even a header is there
    /// or QR is set. `want_text` fills Outcome::qname for transcripts.
    [[nodiscard]] Outcome respond(const ZoneSet& zones, std::span<const std::uint8_t> query, const QueryContext& ctx,
                                  std::span<std::uint8_t> out, bool want_text = false);

    [[nodiscard]] const ResponderOptions& options() const { return opts_; }

private:
    ResponderOptions opts_;
    std::uint32_t rotation_ = 0;
};

/// Streams a zone as AXFR response messages (RFC 5936 2.2): SOA, every record, SOA, with
/// the question in the first message only. Holds a reference to the zone.
class AxfrWriter {
public:
    AxfrWriter(const Zone& zone, std::uint16_t id, const dns::Name& qname);
    /// Writes the next message into `out`; returns its size, 0 when the transfer is complete.
    [[nodiscard]] std::size_t next(std::span<std::uint8_t> out);
    /// Records sent so far (SOA twice included).
    [[nodiscard]] std::size_t records_sent() const { return sent_; }

private:
    const Zone& zone_;
    std::uint16_t id_;
    dns::Name qname_;
    std::size_t index_ = 0;  ///< 0 = leading SOA, 1..n = records, n+1 = trailing SOA
    std::size_t sent_ = 0;
    bool first_ = true;
};

/// NSD's model: computes at load time the reply to every exact-match query for the usual
/// types at every authoritative name (at most 250,000 names), so that the hot path is a hash
/// lookup and a copy. Call with the complete set, before it is shared.
void prepare_answers(const ZoneSet& set, const std::vector<std::shared_ptr<Zone>>& zones, const ResponderOptions& opts);

}  // namespace dnsd
