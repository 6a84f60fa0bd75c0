// The resolver's pure parts: the cache, the classification of replies (referrals, bailiwick),
// the root hints parser.
#include <gtest/gtest.h>

#include "dns/zone_parser.hpp"
#include "dnsd/cache.hpp"
#include "dnsd/iterate.hpp"

using namespace dnsd;

namespace {

std::vector<dns::Rr> rrs(std::string_view text) {
    dns::ZoneParseOptions po;
    po.origin = dns::Name();
    auto p = dns::parse_zone_text(text, "test", po);
    EXPECT_TRUE(p.ok()) << p.error;
    return p.records;
}

dns::Message reply(std::string_view answer, std::string_view authority, std::string_view additional, bool aa,
                   std::uint8_t rcode = 0) {
    dns::Message m;
    m.header.qr = true;
    m.header.aa = aa;
    m.header.rcode = rcode;
    m.answer = rrs(answer);
    m.authority = rrs(authority);
    m.additional = rrs(additional);
    return m;
}

const dns::Name gaia = dns::Name::parse("gaia.cs.umass.edu.");
const auto t0 = CacheClock::time_point{} + std::chrono::hours(1);

}  // namespace

TEST(Classify, ReferralWithGlueInBailiwickOnly) {
    auto m = reply("", "umass.edu. 3600 NS dns.umass.edu.\numass.edu. 3600 NS ns.evil.com.\n",
                   "dns.umass.edu. 3600 A 127.0.0.5\nns.evil.com. 3600 A 6.6.6.6\n", false);
    auto c = classify(m, dns::Name::parse("edu."), gaia, dns::type::A);
    EXPECT_EQ(c.kind, ReplyKind::referral);
    EXPECT_EQ(c.child, dns::Name::parse("umass.edu."));
    EXPECT_EQ(c.ns.size(), 2u);
    ASSERT_EQ(c.glue.size(), 1u);
    EXPECT_EQ(c.glue[0].owner, dns::Name::parse("dns.umass.edu."));
    EXPECT_EQ(c.out_of_bailiwick, 1u);
}

TEST(Classify, UpwardOrSidewaysReferralIsLame) {
    auto up = reply("", "edu. 3600 NS a.edu-servers.net.\n", "", false);
    EXPECT_EQ(classify(up, dns::Name::parse("umass.edu."), gaia, dns::type::A).kind, ReplyKind::lame);
    auto side = reply("", "poly.edu. 3600 NS dns.poly.edu.\n", "", false);
    EXPECT_EQ(classify(side, dns::Name::parse("edu."), gaia, dns::type::A).kind, ReplyKind::lame);
    auto refused = reply("", "", "", false, dns::rcode::REFUSED);
    EXPECT_EQ(classify(refused, dns::Name::parse("edu."), gaia, dns::type::A).kind, ReplyKind::lame);
}

TEST(Classify, AnswerOutsideBailiwickIgnored) {
    auto m = reply("gaia.cs.umass.edu. 300 A 128.119.245.12\nwww.bank.com. 300 A 6.6.6.6\n", "", "", true);
    auto c = classify(m, dns::Name::parse("umass.edu."), gaia, dns::type::A);
    EXPECT_EQ(c.kind, ReplyKind::answer);
    EXPECT_EQ(c.answer.size(), 1u);
    EXPECT_EQ(c.out_of_bailiwick, 1u);
    // The same answer from a server of another zone is not believed at all.
    EXPECT_EQ(classify(m, dns::Name::parse("poly.edu."), gaia, dns::type::A).kind, ReplyKind::lame);
}

TEST(Classify, CnameLeavingTheZoneAndNegativeAnswers) {
    auto m = reply("www.umass.edu. 300 CNAME www.poly.edu.\nwww.poly.edu. 300 A 6.6.6.6\n", "", "", true);
    auto c = classify(m, dns::Name::parse("umass.edu."), dns::Name::parse("www.umass.edu."), dns::type::A);
    EXPECT_EQ(c.kind, ReplyKind::cname);
    EXPECT_EQ(c.target, dns::Name::parse("www.poly.edu."));
    EXPECT_EQ(c.chain.size(), 1u);
    const char* soa = "umass.edu. 300 SOA dns.umass.edu. admin.umass.edu. 1 7200 3600 1209600 60\n";
    auto nx =
        classify(reply("", soa, "", true, dns::rcode::NXDOMAIN), dns::Name::parse("umass.edu."), gaia, dns::type::A);
    EXPECT_EQ(nx.kind, ReplyKind::nxdomain);
    ASSERT_TRUE(nx.soa);
    EXPECT_EQ(soa_negative_ttl(*nx.soa), 60u);
    auto nodata = classify(reply("", soa, "", true), dns::Name::parse("umass.edu."), gaia, dns::type::AAAA);
    EXPECT_EQ(nodata.kind, ReplyKind::nodata);
}

TEST(Cache, TtlCountsDownAndExpires) {
    Cache cache(CacheOptions{.max_bytes = 1 << 20, .max_ttl = 86400, .shards = 4});
    cache.put(gaia, dns::type::A, CacheKind::positive, rrs("gaia.cs.umass.edu. 300 A 1.2.3.4\n"), 300, Trust::answer,
              t0);
    auto h = cache.get(gaia, dns::type::A, Trust::answer, t0 + std::chrono::seconds(100));
    ASSERT_TRUE(h);
    EXPECT_EQ(h->rrs.at(0).ttl, 200u);
    EXPECT_FALSE(cache.get(gaia, dns::type::A, Trust::answer, t0 + std::chrono::seconds(300)));
    EXPECT_EQ(cache.entries(), 0u);
}

TEST(Cache, MaxTtlCapTrustAndNxdomainForEveryType) {
    Cache cache(CacheOptions{.max_bytes = 1 << 20, .max_ttl = 60, .shards = 2});
    cache.put(gaia, dns::type::A, CacheKind::positive, rrs("gaia.cs.umass.edu. 3600 A 1.2.3.4\n"), 3600, Trust::glue,
              t0);
    EXPECT_EQ(cache.get(gaia, dns::type::A, Trust::glue, t0)->rrs.at(0).ttl, 60u);
    EXPECT_FALSE(cache.get(gaia, dns::type::A, Trust::answer, t0));  // glue is no answer
    auto soa = rrs("umass.edu. 300 SOA dns.umass.edu. admin.umass.edu. 1 7200 3600 1209600 30\n");
    const auto nobody = dns::Name::parse("nobody.umass.edu.");
    cache.put(nobody, dns::type::A, CacheKind::nxdomain, soa, 30, Trust::answer, t0);
    auto h = cache.lookup(nobody, dns::type::MX, Trust::answer, t0);
    ASSERT_TRUE(h);
    EXPECT_EQ(h->kind, CacheKind::nxdomain);
    // A lower trust does not replace a fresh higher one.
    cache.put(gaia, dns::type::A, CacheKind::positive, rrs("gaia.cs.umass.edu. 60 A 5.6.7.8\n"), 60, Trust::answer, t0);
    cache.put(gaia, dns::type::A, CacheKind::positive, rrs("gaia.cs.umass.edu. 60 A 6.6.6.6\n"), 60, Trust::glue, t0);
    EXPECT_EQ(cache.get(gaia, dns::type::A, Trust::glue, t0)->rrs.at(0).rdata, std::string("\x05\x06\x07\x08", 4));
}

TEST(Cache, EvictsLeastRecentlyUsedToStayUnderItsSize) {
    Cache cache(CacheOptions{.max_bytes = 4096, .max_ttl = 86400, .shards = 1});
    for (int i = 0; i < 100; ++i) {
        auto name = dns::Name::parse("h" + std::to_string(i) + ".example.");
        cache.put(name, dns::type::A, CacheKind::positive, rrs("h" + std::to_string(i) + ".example. 300 A 1.2.3.4\n"),
                  300, Trust::answer, t0);
        // h0 stays in use, so it stays.
        (void)cache.get(dns::Name::parse("h0.example."), dns::type::A, Trust::answer, t0);
    }
    EXPECT_LE(cache.bytes(), 4096u);
    EXPECT_LT(cache.entries(), 100u);
    EXPECT_TRUE(cache.get(dns::Name::parse("h0.example."), dns::type::A, Trust::answer, t0));
    EXPECT_TRUE(cache.get(dns::Name::parse("h99.example."), dns::type::A, Trust::answer, t0));
    EXPECT_FALSE(cache.get(dns::Name::parse("h1.example."), dns::type::A, Trust::answer, t0));
}

TEST(RootHints, ParsesNamedRootAndRejectsHintsWithoutAddresses) {
    std::string error;
    auto h = parse_root_hints(
        ".  3600000 NS A.ROOT-SERVERS.NET.\nA.ROOT-SERVERS.NET. 3600000 A 198.41.0.4\n"
        "A.ROOT-SERVERS.NET. 3600000 AAAA 2001:503:ba3e::2:30\n",
        "named.root", error);
    ASSERT_TRUE(h) << error;
    EXPECT_EQ(h->names.size(), 1u);
    EXPECT_EQ(h->addresses.size(), 2u);
    EXPECT_FALSE(parse_root_hints(". 3600000 NS a.root-servers.net.\n", "named.root", error));
    EXPECT_NE(error.find("no address"), std::string::npos);
    EXPECT_FALSE(parse_root_hints(". NS (\n", "named.root", error));
    EXPECT_NE(error.find("named.root:"), std::string::npos);
    EXPECT_EQ(builtin_root_hints().addresses.size(), 13u);
}
