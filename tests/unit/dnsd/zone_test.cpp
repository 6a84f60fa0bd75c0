#include "dnsd/zone.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

#include "test_zones.hpp"

using namespace dnsd;
using dnsd::test::build_zone;

namespace {

std::string key(const char* text) {
    std::string k(dns::Name::parse(text).wire());
    dns::wire_lower(k);
    return k;
}

}  // namespace

TEST(Zone, BuildsNodesEntsAndCuts) {
    std::string err;
    auto z = build_zone(dnsd::test::example_zone, "example.test.", err);
    ASSERT_TRUE(z) << err;
    EXPECT_EQ(z->serial(), 1u);
    EXPECT_EQ(z->negative_ttl(), 300u);
    const Node* www = z->find(key("WWW.example.test."));
    ASSERT_NE(www, nullptr);
    ASSERT_NE(www->find(dns::type::A), nullptr);
    EXPECT_EQ(www->find(dns::type::A)->rdatas.size(), 3u);
    const Node* ent = z->find(key("b.ent.example.test."));  // empty non-terminal
    ASSERT_NE(ent, nullptr);
    EXPECT_TRUE(ent->rrsets.empty());
    EXPECT_NE(z->find(key("ent.example.test.")), nullptr);
    EXPECT_TRUE(z->find(key("sub.example.test."))->delegation);
    EXPECT_FALSE(z->apex().delegation);
    EXPECT_TRUE(z->has_wildcards());
    EXPECT_TRUE(z->has_delegations());
    EXPECT_EQ(z->find(key("nope.example.test.")), nullptr);
}

TEST(Zone, DuplicatesMergedFirstTtlKept) {
    std::string err;
    auto z =
        build_zone("$ORIGIN x.test.\n@ SOA a b 1 2 3 4 5\n@ NS a\na 60 A 1.2.3.4\na 120 A 1.2.3.4\na 90 A 1.2.3.5\n",
                   "x.test.", err);
    ASSERT_TRUE(z) << err;
    const RRset* s = z->find(key("a.x.test."))->find(dns::type::A);
    EXPECT_EQ(s->rdatas.size(), 2u);
    EXPECT_EQ(s->ttl, 60u);
}

// RFC 4343: names compare case-insensitively, also inside rdata; RFC 2181 5: an RRset holds
// no duplicates, so "NS ns" and "NS NS" are one record (and one in AXFR).
TEST(Zone, DuplicatesDifferingOnlyInNameCaseAreOne) {
    std::string err;
    auto z = build_zone(
        "$ORIGIN x.test.\n@ SOA a b 1 2 3 4 5\n@ NS ns\n@ NS NS\n@ NS Ns.X.Test.\n@ MX 10 mail\n@ MX 10 MAIL\n"
        "@ MX 20 mail\nns A 1.2.3.4\nsrv SRV 1 2 3 host\nsrv SRV 1 2 3 HOST\nc CNAME ns\nc CNAME NS\n"
        "t TXT \"a\"\nt TXT \"A\"\n",
        "x.test.", err);
    ASSERT_TRUE(z) << err;  // two CNAMEs that are one record are not "two CNAMEs"
    const Node& apex = z->apex();
    EXPECT_EQ(apex.find(dns::type::NS)->rdatas.size(), 1u);
    EXPECT_EQ(apex.find(dns::type::MX)->rdatas.size(), 2u);  // preference 10 and 20
    EXPECT_EQ(z->find(key("srv.x.test."))->find(dns::type::SRV)->rdatas.size(), 1u);
    EXPECT_EQ(z->find(key("c.x.test."))->find(dns::type::CNAME)->rdatas.size(), 1u);
    EXPECT_EQ(z->find(key("t.x.test."))->find(dns::type::TXT)->rdatas.size(), 2u);  // text is not a name
    // The first spelling is kept, and AXFR sends what the answers hold.
    EXPECT_EQ(apex.find(dns::type::NS)->rdatas.front(), dns::Name::parse("ns.x.test.").wire());
    std::size_t ns = 0;
    for (const auto& rr : z->records()) ns += rr.type == dns::type::NS;
    EXPECT_EQ(ns, 1u);
    EXPECT_EQ(z->records().size(), 1u + 2u + 1u + 1u + 1u + 2u);
}

// RFC 2181 5.2: the records of an RRset have one TTL. Answers used the first record's, AXFR
// each record's own, so a secondary served other TTLs than the primary.
TEST(Zone, OneTtlPerRrsetEverywhereWithAWarning) {
    std::string err;
    auto z =
        build_zone("$ORIGIN x.test.\n@ SOA a b 1 2 3 4 5\n@ NS a\na 60 A 1.2.3.4\na 120 A 1.2.3.5\na 60 A 1.2.3.6\n",
                   "x.test.", err);
    ASSERT_TRUE(z) << err;
    EXPECT_EQ(z->find(key("a.x.test."))->find(dns::type::A)->ttl, 60u);
    for (const auto& rr : z->records())
        if (rr.type == dns::type::A) {
            EXPECT_EQ(rr.ttl, 60u) << dns::rr_to_text(rr);
        }
    ASSERT_EQ(z->warnings().size(), 1u);
    EXPECT_EQ(z->warnings()[0], "t.zone:5: a.x.test. TTL 120 does not match the TTL 60 of the A RRset; using 60");
}

TEST(Zone, TtlWarningsAreCapped) {
    std::string text = "$ORIGIN x.test.\n@ SOA a b 1 2 3 4 5\n@ NS a\na 60 A 10.0.0.0\n";
    for (int i = 1; i <= 150; ++i) text += "a 120 A 10.0.0." + std::to_string(i) + "\n";
    std::string err;
    auto z = build_zone(text, "x.test.", err);
    ASSERT_TRUE(z) << err;
    ASSERT_EQ(z->warnings().size(), Zone::max_warnings + 1);
    EXPECT_EQ(z->warnings().back(), "t.zone: 50 more warnings like these");
}

TEST(Zone, Errors) {
    struct Case {
        const char* text;
        const char* error;
    } cases[] = {
        {"$ORIGIN x.test.\n@ NS a\n", "t.zone:0: zone x.test. has no SOA record at its apex"},
        {"$ORIGIN x.test.\n@ SOA a b 1 2 3 4 5\n", "t.zone:0: zone x.test. has no NS records at its apex"},
        {"$ORIGIN x.test.\n@ SOA a b 1 2 3 4 5\n@ NS a\nwww.other.test. A 1.2.3.4\n",
         "t.zone:4: www.other.test. is outside the zone x.test."},
        {"$ORIGIN x.test.\n@ SOA a b 1 2 3 4 5\n@ NS a\nw A 1.2.3.4\nw CNAME a\n",
         "t.zone:5: CNAME at w.x.test. beside other data"},
        {"$ORIGIN x.test.\n@ SOA a b 1 2 3 4 5\n@ NS a\nw CNAME a\nw TXT hi\n",
         "t.zone:5: w.x.test. has a CNAME and other data"},
        {"$ORIGIN x.test.\n@ SOA a b 1 2 3 4 5\n@ NS a\nw CNAME a\nw CNAME b\n",
         "t.zone:5: two CNAME records at w.x.test."},
        {"$ORIGIN x.test.\n@ SOA a b 1 2 3 4 5\n@ SOA a b 2 2 3 4 5\n@ NS a\n", "t.zone:3: more than one SOA record"},
        {"$ORIGIN x.test.\n@ SOA a b 1 2 3 4 5\nw SOA a b 1 2 3 4 5\n@ NS a\n",
         "t.zone:3: SOA at w.x.test., not at the zone apex"},
    };
    for (const auto& c : cases) {
        std::string err;
        EXPECT_FALSE(build_zone(c.text, "x.test.", err)) << c.text;
        EXPECT_EQ(err, c.error);
    }
}

TEST(ZoneSet, LongestMatch) {
    std::string err;
    auto parent = build_zone("$ORIGIN test.\n@ SOA a b 1 2 3 4 5\n@ NS a\nx NS ns.x\n", "test.", err);
    auto child = build_zone("$ORIGIN x.test.\n@ SOA a b 1 2 3 4 5\n@ NS a\n", "x.test.", err);
    ZoneSet set;
    ASSERT_TRUE(set.add(parent));
    ASSERT_TRUE(set.add(child));
    EXPECT_FALSE(set.add(child));
    EXPECT_EQ(set.find_zone(key("a.b.x.test.")), child.get());
    EXPECT_EQ(set.find_zone(key("x.test.")), child.get());
    EXPECT_EQ(set.find_zone(key("y.test.")), parent.get());
    EXPECT_EQ(set.find_zone(key("test.")), parent.get());
    EXPECT_EQ(set.find_zone(key("example.")), nullptr);
    EXPECT_EQ(set.find_zone(key(".")), nullptr);
}

TEST(LoadZones, OriginFromSoaOwnerAndErrorsWithFile) {
    std::string path = ::testing::TempDir() + "dnsd_zone_test.zone";
    {
        std::ofstream f(path);
        f << "example.org. 60 IN SOA ns.example.org. h.example.org. 1 2 3 4 5\nexample.org. NS ns.example.org.\n";
    }
    std::string err;
    auto set = load_zones({{path, std::nullopt, {}}}, err);
    ASSERT_TRUE(set) << err;
    ASSERT_EQ(set->zones().size(), 1u);
    EXPECT_EQ(set->zones()[0]->origin().to_text(), "example.org.");
    EXPECT_FALSE(load_zones({{path, std::nullopt, {}}, {path, std::nullopt, {}}}, err));
    EXPECT_EQ(err, path + ":0: zone example.org. is configured twice");
    EXPECT_FALSE(load_zones({{path + ".missing", std::nullopt, {}}}, err));
    EXPECT_EQ(err, path + ".missing:0: cannot read file");
    std::remove(path.c_str());
}
