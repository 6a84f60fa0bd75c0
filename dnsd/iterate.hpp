// The resolver's pure decisions (RFC 1034 5.3.3, RFC 2181 5.4.1): what an authoritative
// server's reply means (answer, CNAME, negative, referral, lame) and which of its records
// are in the server's bailiwick; and the root hints (named.root).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dns/message.hpp"
#include "net/asio.hpp"

namespace dnsd {

/// What a reply from a server of `zone` says about our question.
enum class ReplyKind : std::uint8_t {
    answer,    ///< the RRset asked for (after any CNAMEs in the reply)
    cname,     ///< a CNAME chain that leaves the server's zone: resolve `target` afresh
    nxdomain,  ///< the (final) name does not exist
    nodata,    ///< the (final) name exists without the type
    referral,  ///< a delegation to `child`, strictly below `zone` and above the name
    lame,      ///< an error rcode, a referral sideways or upwards, or nothing usable
};
[[nodiscard]] std::string_view to_string(ReplyKind k);

struct Classified {
    ReplyKind kind = ReplyKind::lame;
    std::vector<dns::Rr> chain;        ///< CNAMEs followed from the name asked, in order
    std::vector<dns::Rr> answer;       ///< the final RRset (answer)
    dns::Name target;                  ///< where the chain ends (the name asked if no CNAME)
    std::optional<dns::Rr> soa;        ///< negative answers: the zone's SOA from the authority section
    dns::Name child;                   ///< referral: the delegated zone
    std::vector<dns::Rr> ns;           ///< referral: its NS RRset
    std::vector<dns::Rr> glue;         ///< referral: A/AAAA of the NS names, inside `zone`
    std::size_t out_of_bailiwick = 0;  ///< records ignored because they are outside `zone`
};

/// Classifies `m`, the reply of a server of `zone` to `qname`/`qtype`. Only records at or
/// below `zone` are believed (the bailiwick rule); the rest are counted and ignored.
[[nodiscard]] Classified classify(const dns::Message& m, const dns::Name& zone, const dns::Name& qname,
                                  std::uint16_t qtype);

/// RFC 9156 2.3: the name to ask a server of `zone` about while resolving `qname`, the
/// labels of `zone` and `extra` more of `qname` ("umass.edu" for gaia.cs.umass.edu at edu
/// with extra 1); `qname` itself when that is all of it.
[[nodiscard]] dns::Name minimised_name(const dns::Name& qname, const dns::Name& zone, std::size_t extra);

/// Root hints: the root's NS names and their addresses.
struct RootHints {
    std::vector<dns::Name> names;
    std::vector<asio::ip::address> addresses;
};

/// Parses named.root text (master-file syntax: `. NS a.root-servers.net.` and the A/AAAA of
/// those names). Returns nullopt and sets `error` ("file:line: message") when it does not
/// parse or gives no address for any root NS name.
[[nodiscard]] std::optional<RootHints> parse_root_hints(std::string_view text, const std::string& file_name,
                                                        std::string& error);
/// The real root servers (IANA's named.root), built in.
[[nodiscard]] const RootHints& builtin_root_hints();

}  // namespace dnsd
