// The resolver's pure parts: the cache (TTLs, negative entries, LRU, serve-stale), the
// classification of replies (referrals, bailiwick, minimised questions), the root hints
// parser, QNAME minimisation's names and the servers' smoothed RTTs.
#include <gtest/gtest.h>

#include "dns/zone_parser.hpp"
#include "dnsd/cache.hpp"
#include "dnsd/iterate.hpp"
#include "dnsd/rtt.hpp"

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

TEST(Cache, NodataIsPerTypeAndServeStaleKeepsExpiredEntries) {
    Cache cache(CacheOptions{.max_bytes = 1 << 20, .max_ttl = 86400, .shards = 2, .stale_max_age = 600});
    auto soa = rrs("umass.edu. 300 SOA dns.umass.edu. admin.umass.edu. 1 7200 3600 1209600 30\n");
    cache.put(gaia, dns::type::MX, CacheKind::nodata, soa, 30, Trust::answer, t0);
    EXPECT_EQ(cache.lookup(gaia, dns::type::MX, Trust::answer, t0)->kind, CacheKind::nodata);
    EXPECT_FALSE(cache.lookup(gaia, dns::type::A, Trust::answer, t0));
    cache.put(gaia, dns::type::A, CacheKind::positive, rrs("gaia.cs.umass.edu. 2 A 1.2.3.4\n"), 2, Trust::answer, t0);
    const auto later = t0 + std::chrono::seconds(100);
    EXPECT_FALSE(cache.get(gaia, dns::type::A, Trust::answer, later));  // expired: no fresh answer
    auto stale = cache.lookup_stale(gaia, dns::type::A, Trust::answer, later);
    ASSERT_TRUE(stale);
    EXPECT_EQ(stale->rrs.at(0).ttl, stale_ttl);  // RFC 8767 4: TTL 30
    EXPECT_EQ(cache.lookup_stale(gaia, dns::type::MX, Trust::answer, later)->kind, CacheKind::nodata);
    // Past stale_max_age it is gone, and so it is when serve-stale is off.
    EXPECT_FALSE(cache.lookup_stale(gaia, dns::type::A, Trust::answer, t0 + std::chrono::seconds(603)));
    Cache off(CacheOptions{.max_bytes = 1 << 20, .max_ttl = 86400, .shards = 1});
    off.put(gaia, dns::type::A, CacheKind::positive, rrs("gaia.cs.umass.edu. 2 A 1.2.3.4\n"), 2, Trust::answer, t0);
    EXPECT_FALSE(off.lookup_stale(gaia, dns::type::A, Trust::answer, t0 + std::chrono::seconds(3)));
    EXPECT_FALSE(off.get(gaia, dns::type::A, Trust::answer, t0 + std::chrono::seconds(3)));
    EXPECT_EQ(off.entries(), 0u);  // an expired entry goes at once when serve-stale is off
}

TEST(Cache, StaleEntriesStillCountInTheLruBudget) {
    Cache cache(CacheOptions{.max_bytes = 4096, .max_ttl = 86400, .shards = 1, .stale_max_age = 86400});
    for (int i = 0; i < 100; ++i) {
        const std::string n = "s" + std::to_string(i) + ".example.";
        cache.put(dns::Name::parse(n), dns::type::A, CacheKind::positive, rrs(n + " 1 A 1.2.3.4\n"), 1, Trust::answer,
                  t0 + std::chrono::seconds(i));
    }
    EXPECT_LE(cache.bytes(), 4096u);
    EXPECT_TRUE(cache.lookup_stale(dns::Name::parse("s99.example."), dns::type::A, Trust::answer,
                                   t0 + std::chrono::seconds(200)));
    EXPECT_FALSE(cache.lookup_stale(dns::Name::parse("s0.example."), dns::type::A, Trust::answer,
                                    t0 + std::chrono::seconds(200)));
}

TEST(QnameMinimisation, OneLabelBelowTheZoneAtEachStep) {
    EXPECT_EQ(minimised_name(gaia, dns::Name(), 1).to_text(), "edu.");
    EXPECT_EQ(minimised_name(gaia, dns::Name::parse("edu."), 1).to_text(), "umass.edu.");
    EXPECT_EQ(minimised_name(gaia, dns::Name::parse("umass.edu."), 1).to_text(), "cs.umass.edu.");
    EXPECT_EQ(minimised_name(gaia, dns::Name::parse("umass.edu."), 2).to_text(), "gaia.cs.umass.edu.");
    EXPECT_EQ(minimised_name(gaia, dns::Name::parse("umass.edu."), 9).to_text(), "gaia.cs.umass.edu.");
    EXPECT_EQ(minimised_name(gaia, gaia, 1), gaia);
}

TEST(QnameMinimisation, RepliesToAMinimisedQuestion) {
    // The TLD refers for umass.edu; umass.edu's server says cs.umass.edu has no A (an empty
    // non-terminal: no cut there, ask one label more).
    const auto umass = dns::Name::parse("umass.edu.");
    const auto cs = dns::Name::parse("cs.umass.edu.");
    auto ref = classify(reply("", "umass.edu. 3600 NS dns.umass.edu.\n", "dns.umass.edu. 3600 A 127.0.0.5\n", false),
                        dns::Name::parse("edu."), umass, dns::type::A);
    EXPECT_EQ(ref.kind, ReplyKind::referral);
    EXPECT_EQ(ref.child, umass);
    auto ent =
        classify(reply("", "umass.edu. 300 SOA dns.umass.edu. admin.umass.edu. 1 7200 3600 1209600 60\n", "", true),
                 umass, cs, dns::type::A);
    EXPECT_EQ(ent.kind, ReplyKind::nodata);
    auto nx =
        classify(reply("", "umass.edu. 300 SOA dns.umass.edu. admin.umass.edu. 1 7200 3600 1209600 60\n", "", true, 3),
                 umass, cs, dns::type::A);
    EXPECT_EQ(nx.kind, ReplyKind::nxdomain);  // the resolver then asks the full name (relaxed)
}

TEST(Rtt, SmoothsBacksOffAndPrefersTheFastest) {
    RttTable t(RttOptions{.max = std::chrono::milliseconds(1000), .explore_one_in = 0});
    const auto a = asio::ip::make_address("127.0.0.2");
    const auto b = asio::ip::make_address("127.0.0.3");
    const auto c = asio::ip::make_address("::1");
    EXPECT_EQ(t.srtt_us(a), -1);
    t.success(a, std::chrono::microseconds(1000));
    EXPECT_EQ(t.srtt_us(a), 1000);
    t.success(a, std::chrono::microseconds(2000));
    EXPECT_NEAR(static_cast<double>(t.srtt_us(a)), 1300, 1);  // 0.7 * 1000 + 0.3 * 2000
    t.success(b, std::chrono::microseconds(100));
    EXPECT_EQ(t.order({a, b}, 0), (std::vector{b, a}));
    // Timeouts double b's estimate, up to the cap: a goes first.
    for (int i = 0; i < 20; ++i) t.timeout(b);
    EXPECT_EQ(t.srtt_us(b), 1000000);
    EXPECT_EQ(t.order({b, a}, 0), (std::vector{a, b}));
    // An unknown server (IPv6 too) is tried before the measured ones.
    EXPECT_EQ(t.order({a, b, c}, 0).front(), c);
    // The ones not chosen decay, so b is asked again in time.
    int orders = 0;
    while (orders < 1000 && t.order({a, b}, 0).front() == a) ++orders;
    EXPECT_GT(orders, 300);  // 1 s decays to a's 1.2 ms in about 330 choices
    EXPECT_LT(orders, 400);
}

TEST(Rtt, ExploresAnotherServerNowAndThen) {
    RttTable t(RttOptions{.explore_one_in = 16});
    const auto a = asio::ip::make_address("127.0.0.2");
    const auto b = asio::ip::make_address("127.0.0.3");
    t.success(a, std::chrono::microseconds(100));
    t.success(b, std::chrono::microseconds(900000));
    int b_first = 0;
    for (std::uint32_t r = 0; r < 64; ++r) b_first += t.order({a, b}, r << 27) == std::vector{b, a} ? 1 : 0;
    EXPECT_EQ(b_first, 4);  // the top 5 bits (0-31, twice) are 0 or 16 for 4 of the 64
}
