// dnsd's whole query path: bytes in, reply out, against loaded zones whose answers were
// prepared (the fast path dns_message never reaches), over UDP and TCP, AXFR streamed.
// Beyond crash-freedom it checks that every reply parses, carries the query's id and fits its
// limit, and that the prepared fast path answers byte for byte as the general path does.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <span>
#include <vector>

#include "dnsd/query.hpp"
#include "dnsd/zone.hpp"

namespace {

const char* parent_zone = R"($ORIGIN example.test.
$TTL 3600
@        SOA   ns1 hostmaster 1 7200 3600 1209600 300
         NS    ns1
         NS    ns2.example.net.
         MX    10 mail
         MX    20 mail.child
         TXT   "v=spf1 -all"
ns1      A     192.0.2.1
ns1      AAAA  2001:db8::1
www      A     192.0.2.10
www      A     192.0.2.11
www      AAAA  2001:db8::10
WwW      A     192.0.2.10
mail     A     192.0.2.25
alias    CNAME www
chain    CNAME alias
into     CNAME www.child
dangling CNAME nowhere
away     CNAME www.example.net.
loop1    CNAME loop2
loop2    CNAME loop1
a.b.ent  A     192.0.2.60
*.wild   A     192.0.2.99
*.wild   MX    10 mail
*.walias CNAME www
sub      NS    ns.sub
sub      NS    ns.other.example.net.
ns.sub   A     192.0.2.53
_sip._udp SRV  10 60 5060 www
weird    TYPE65280 \# 4 0A000001
big      TXT   "0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789"
big      TXT   "1123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789"
big      TXT   "2123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789"
big      TXT   "3123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789"
big      TXT   "4123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789"
big      TXT   "5123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789"
)";

const char* child_zone = R"($ORIGIN child.example.test.
@        3600 SOA ns hostmaster 7 7200 3600 1209600 60
@        3600 NS  ns
ns       A     192.0.2.70
www      600 A 192.0.2.71
back     CNAME www.example.test.
)";

[[noreturn]] void fail(const char* what) {
    std::fprintf(stderr, "dnsd_query: %s\n", what);
    std::abort();
}

std::shared_ptr<const dnsd::ZoneSet> load(bool prepared, const dnsd::ResponderOptions& opts) {
    auto set = std::make_shared<dnsd::ZoneSet>();
    std::vector<std::shared_ptr<dnsd::Zone>> zones;
    std::string error;
    auto allowed = net::CidrList::parse({"127.0.0.0/8"}, error);
    for (auto [text, origin] :
         {std::pair{parent_zone, "example.test."}, std::pair{child_zone, "child.example.test."}}) {
        auto parsed = dns::parse_zone_text(text, "fuzz.zone");
        auto z = parsed.ok() ? dnsd::Zone::build(dns::Name::parse(origin), parsed, error) : nullptr;
        if (!z || !allowed) fail("the fuzz zones do not load");
        z->axfr_allow = *allowed;
        zones.push_back(z);
        if (!set->add(z)) fail("zone added twice");
    }
    if (prepared) dnsd::prepare_answers(*set, zones, opts);
    return set;
}

/// The reply must be a well-formed response to `query` within `limit` octets.
void check_reply(std::span<const std::uint8_t> query, std::span<const std::uint8_t> reply, std::size_t limit) {
    if (reply.size() < dns::header_size || reply.size() > limit) fail("reply size out of bounds");
    if (reply[0] != query[0] || reply[1] != query[1]) fail("reply id differs from the query's");
    if ((reply[2] & 0x80) == 0) fail("reply without QR");
    dns::Message m;
    if (dns::parse_message(reply, m) != dns::ParseError::ok) fail("reply does not parse");
}

void stream_axfr(const dnsd::Outcome& oc, std::span<const std::uint8_t> query, std::span<std::uint8_t> out) {
    dnsd::AxfrWriter axfr(*oc.zone, dns::load_u16(query.data()), oc.zone->apex().name);
    for (std::size_t messages = 0;; ++messages) {
        if (messages > oc.zone->records().size() + 2) fail("AXFR does not end");
        std::size_t n = axfr.next(out);
        if (n == 0) break;
        check_reply(query, out.first(n), out.size());
    }
    if (axfr.records_sent() != oc.zone->records().size() + 2) fail("AXFR sent a wrong number of records");
}

void one_transport(std::span<const std::uint8_t> query, bool tcp) {
    static const dnsd::ResponderOptions fixed{.round_robin = false};
    static const auto plain = load(false, fixed);
    static const auto prepared = load(true, fixed);
    static const auto rotating = load(true, {});
    static dnsd::Responder general(fixed), fast(fixed), rotation{dnsd::ResponderOptions{}};
    const dnsd::QueryContext ctx{tcp, boost::asio::ip::make_address_v4("127.0.0.1")};
    const std::size_t size = tcp ? dns::max_message : 4096;  // what dnsd's TCP and UDP services give
    std::vector<std::uint8_t> a(size), b(size);
    auto oa = general.respond(*plain, query, ctx, a, /*want_text=*/true);
    auto ob = fast.respond(*prepared, query, ctx, b);
    if (oa.action != ob.action || oa.size != ob.size || oa.rcode != ob.rcode) fail("fast and general paths disagree");
    if (oa.action == dnsd::Action::reply) {
        if (std::memcmp(a.data(), b.data(), oa.size) != 0) fail("fast and general replies differ");
        check_reply(query, std::span(a).first(oa.size), size);
    }
    if (oa.action == dnsd::Action::axfr) {
        if (!tcp) fail("AXFR over UDP");
        stream_axfr(oa, query, a);
    }
    auto oc = rotation.respond(*rotating, query, ctx, b);
    if (oc.action == dnsd::Action::reply) check_reply(query, std::span(b).first(oc.size), size);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::span<const std::uint8_t> query(data, size);
    one_transport(query, false);
    one_transport(query, true);
    return 0;
}
