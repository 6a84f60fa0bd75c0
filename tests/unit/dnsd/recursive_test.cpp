// The resolver's client side without sockets: replies built from the cache (TTLs as left,
// negative answers with the SOA, TC when it does not fit), the transcript's summary, which
// queries recurse; and the 0x20 echo check of the upstream exchange.
#include "dnsd/recursive.hpp"

#include <gtest/gtest.h>

#include <array>

#include "dns/exchange.hpp"
#include "dns/zone_parser.hpp"

namespace dnsd {
namespace {

std::vector<dns::Rr> rrs(std::string_view text) {
    dns::ZoneParseOptions po;
    po.origin = dns::Name();
    auto p = dns::parse_zone_text(text, "test", po);
    EXPECT_TRUE(p.ok()) << p.error;
    return p.records;
}

dns::Message query(std::string_view name, std::uint16_t type, std::uint16_t edns) {
    std::array<std::uint8_t, 512> buf{};
    const std::size_t n = dns::build_query(buf, 0x1234, dns::Name::parse(name), type, true, edns);
    dns::Message m;
    EXPECT_EQ(dns::parse_message(std::span(buf.data(), n), m), dns::ParseError::ok);
    return m;
}

dns::Message parsed(std::span<const std::uint8_t> bytes) {
    dns::Message m;
    EXPECT_EQ(dns::parse_message(bytes, m), dns::ParseError::ok);
    return m;
}

const auto t0 = CacheClock::time_point{} + std::chrono::hours(1);

}  // namespace

TEST(RecursiveReply, FromTheCacheWithTtlsCountedDown) {
    Cache cache(CacheOptions{.max_bytes = 1 << 20, .max_ttl = 86400, .shards = 2});
    const auto gaia = dns::Name::parse("gaia.cs.umass.edu.");
    cache.put(gaia, dns::type::A, CacheKind::positive, rrs("gaia.cs.umass.edu. 300 A 128.119.245.12\n"), 300,
              Trust::answer, t0);
    auto hit = cache.lookup(gaia, dns::type::A, Trust::answer, t0 + std::chrono::seconds(4));
    ASSERT_TRUE(hit);
    Resolution res;
    res.rcode = dns::rcode::NOERROR;
    res.answer = hit->rrs;
    res.cached = true;
    const auto q = query("GAIA.cs.umass.edu.", dns::type::A, 1232);
    std::array<std::uint8_t, 1232> out{};
    const std::size_t n = write_reply(q, res, out, false, 1232);
    ASSERT_GT(n, 0u);
    const auto m = parsed(std::span(out.data(), n));
    EXPECT_EQ(m.header.id, 0x1234);
    EXPECT_TRUE(m.header.qr && m.header.rd && m.header.ra);
    EXPECT_FALSE(m.header.aa);
    EXPECT_EQ(m.questions.at(0).name.wire(), q.questions[0].name.wire());  // the client's spelling
    ASSERT_EQ(m.answer.size(), 1u);
    EXPECT_EQ(m.answer[0].ttl, 296u);
    EXPECT_TRUE(m.edns);
    EXPECT_EQ(recursive_summary(q, res), "Q: A GAIA.cs.umass.edu. -> NOERROR 1 answer (cached)");
    res.stale = true;
    EXPECT_EQ(recursive_summary(q, res), "Q: A GAIA.cs.umass.edu. -> NOERROR 1 answer (stale)");
}

TEST(RecursiveReply, NegativeWithTheSoaAndTruncatedWhenTooBig) {
    Resolution nx;
    nx.rcode = dns::rcode::NXDOMAIN;
    nx.authority = rrs("umass.edu. 60 SOA dns.umass.edu. admin.umass.edu. 1 7200 3600 1209600 60\n");
    nx.queries = 3;
    const auto q = query("nobody.umass.edu.", dns::type::A, 0);
    std::array<std::uint8_t, 512> out{};
    auto m = parsed(std::span(out.data(), write_reply(q, nx, out, false, 1232)));
    EXPECT_EQ(m.header.rcode, dns::rcode::NXDOMAIN);
    EXPECT_EQ(m.authority.size(), 1u);
    EXPECT_FALSE(m.edns);
    EXPECT_EQ(recursive_summary(q, nx), "Q: A nobody.umass.edu. -> NXDOMAIN 0 answers (3 queries)");
    // 40 TXT records of 100 octets do not fit in 512 octets: TC, question alone.
    Resolution big;
    big.rcode = dns::rcode::NOERROR;
    std::string text;
    for (int i = 0; i < 40; ++i) text += "big.example. 60 TXT \"" + std::string(90, 'a' + (i % 26)) + "\"\n";
    big.answer = rrs(text);
    const auto tq = query("big.example.", dns::type::TXT, 0);
    std::array<std::uint8_t, 65535> wide{};
    m = parsed(std::span(wide.data(), write_reply(tq, big, wide, false, 1232)));
    EXPECT_TRUE(m.header.tc);
    EXPECT_TRUE(m.answer.empty());
    m = parsed(std::span(wide.data(), write_reply(tq, big, wide, true, 1232)));  // TCP: all of it
    EXPECT_FALSE(m.header.tc);
    EXPECT_EQ(m.answer.size(), 40u);
}

TEST(Exchange0x20, RandomCaseKeepsTheNameAndTheEchoIsCheckedExactly) {
    const auto name = dns::Name::parse("gaia.cs.umass.edu.");
    bool changed = false;
    for (int i = 0; i < 8 && !changed; ++i) {
        const auto mixed = dns::randomize_case(name);
        EXPECT_EQ(mixed, name);  // equal ignoring case
        changed = mixed.wire() != name.wire();
    }
    EXPECT_TRUE(changed);
    // matches_query accepts any case (the id and the question decide); the exchange then
    // compares the echoed spelling octet for octet and falls back to plain case on a mismatch.
    dns::Message m;
    m.header.qr = true;
    m.header.id = 7;
    m.questions.push_back({dns::Name::parse("GAIA.cs.UMASS.edu."), dns::type::A, dns::klass::IN});
    EXPECT_TRUE(dns::matches_query(m, 7, name, dns::type::A));
    EXPECT_FALSE(dns::matches_query(m, 8, name, dns::type::A));
    EXPECT_FALSE(dns::matches_query(m, 7, name, dns::type::AAAA));
    EXPECT_FALSE(dns::matches_query(m, 7, dns::Name::parse("cs.umass.edu."), dns::type::A));
    EXPECT_NE(m.questions[0].name.wire(), name.wire());
}

}  // namespace dnsd
