#include "dnsd/query.hpp"

#include <gtest/gtest.h>

#include <set>
#include <vector>

#include "test_zones.hpp"

using namespace dnsd;
namespace type = dns::type;
namespace rcode = dns::rcode;

namespace {

std::vector<std::uint8_t> make_query(const char* name, std::uint16_t qtype, std::uint16_t edns = 0,
                                     std::uint16_t id = 0x4242) {
    std::vector<std::uint8_t> buf(512);
    auto n = dns::build_query(buf, id, dns::Name::parse(name), qtype, false, edns);
    buf.resize(n);
    return buf;
}

struct Asked {
    Outcome oc;
    dns::Message m;
    dns::ParseError err = dns::ParseError::ok;
};

class QueryTest : public ::testing::Test {
protected:
    Asked ask(const std::vector<std::uint8_t>& q, bool tcp = false, const char* peer = "::") {
        Asked a;
        std::vector<std::uint8_t> out(tcp ? 65535 : 4096);
        a.oc = responder_.respond(*zones_, q, QueryContext{tcp, boost::asio::ip::make_address(peer)}, out);
        if (a.oc.action == Action::reply) a.err = dns::parse_message({out.data(), a.oc.size}, a.m);
        return a;
    }
    Asked ask(const char* name, std::uint16_t qtype, std::uint16_t edns = 0, bool tcp = false) {
        return ask(make_query(name, qtype, edns), tcp);
    }
    std::shared_ptr<const ZoneSet> zones_ = dnsd::test::example_set();
    Responder responder_;
};

std::vector<std::string> texts(const std::vector<dns::Rr>& rrs) {
    std::vector<std::string> out;
    for (const auto& r : rrs) out.push_back(dns::rr_to_text(r));
    std::sort(out.begin(), out.end());
    return out;
}

}  // namespace

TEST_F(QueryTest, PositiveAnswerWithAuthorityAndAdditional) {
    auto a = ask("www.example.test.", type::A);
    ASSERT_EQ(a.oc.action, Action::reply);
    ASSERT_EQ(a.err, dns::ParseError::ok);
    EXPECT_EQ(a.m.header.id, 0x4242);
    EXPECT_TRUE(a.m.header.qr && a.m.header.aa);
    EXPECT_FALSE(a.m.header.ra || a.m.header.tc || a.m.header.rd);
    EXPECT_EQ(a.m.header.rcode, rcode::NOERROR);
    EXPECT_EQ(a.m.answer.size(), 3u);
    EXPECT_EQ(texts(a.m.authority), (std::vector<std::string>{"example.test. 3600 IN NS ns1.example.test.",
                                                              "example.test. 3600 IN NS ns2.example.net."}));
    EXPECT_EQ(texts(a.m.additional), (std::vector<std::string>{"ns1.example.test. 3600 IN A 192.0.2.1"}));
    EXPECT_FALSE(a.m.edns);  // no OPT without EDNS in the query
}

TEST_F(QueryTest, RoundRobinRotates) {
    auto first = ask("www.example.test.", type::A).m.answer.front().rdata;
    auto second = ask("www.example.test.", type::A).m.answer.front().rdata;
    EXPECT_NE(first, second);
}

TEST_F(QueryTest, NxdomainAndNodataCarrySoaWithNegativeTtl) {
    auto nx = ask("nope.example.test.", type::A);
    EXPECT_EQ(nx.m.header.rcode, rcode::NXDOMAIN);
    EXPECT_TRUE(nx.m.header.aa);
    ASSERT_EQ(nx.m.authority.size(), 1u);
    EXPECT_EQ(nx.m.authority[0].type, type::SOA);
    EXPECT_EQ(nx.m.authority[0].ttl, 300u);
    auto nodata = ask("mail.example.test.", type::TXT);
    EXPECT_EQ(nodata.m.header.rcode, rcode::NOERROR);
    EXPECT_TRUE(nodata.m.answer.empty());
    ASSERT_EQ(nodata.m.authority.size(), 1u);
    EXPECT_EQ(nodata.m.authority[0].type, type::SOA);
    auto ent = ask("b.ent.example.test.", type::A);
    EXPECT_EQ(ent.m.header.rcode, rcode::NOERROR);
    EXPECT_TRUE(ent.m.answer.empty());
}

TEST_F(QueryTest, ReferralBelowCut) {
    for (const char* name : {"sub.example.test.", "x.sub.example.test.", "ns.sub.example.test."}) {
        auto a = ask(name, type::A);
        EXPECT_EQ(a.m.header.rcode, rcode::NOERROR) << name;
        EXPECT_FALSE(a.m.header.aa) << name;
        EXPECT_TRUE(a.m.answer.empty()) << name;
        EXPECT_EQ(texts(a.m.authority),
                  (std::vector<std::string>{"sub.example.test. 3600 IN NS ns.sub.example.test."}));
        EXPECT_EQ(texts(a.m.additional), (std::vector<std::string>{"ns.sub.example.test. 3600 IN A 192.0.2.53"}));
    }
}

TEST_F(QueryTest, CnameChainsDanglingAndLoops) {
    auto a = ask("chain.example.test.", type::A);
    EXPECT_EQ(a.m.header.rcode, rcode::NOERROR);
    EXPECT_EQ(a.m.answer.size(), 5u);  // chain -> alias -> www (3 A)
    auto d = ask("dangling.example.test.", type::A);
    EXPECT_EQ(d.m.header.rcode, rcode::NXDOMAIN);
    EXPECT_EQ(d.m.answer.size(), 1u);
    auto away = ask("away.example.test.", type::A);
    EXPECT_EQ(away.m.header.rcode, rcode::NOERROR);
    EXPECT_EQ(away.m.answer.size(), 1u);
    EXPECT_TRUE(away.m.authority.empty());
    auto loop = ask("loop1.example.test.", type::A);
    EXPECT_EQ(loop.oc.action, Action::reply);
    EXPECT_LE(loop.m.answer.size(), 8u);
    auto c = ask("alias.example.test.", type::CNAME);
    EXPECT_EQ(c.m.answer.size(), 1u);
}

TEST_F(QueryTest, WildcardSynthesis) {
    auto a = ask("x.y.wild.example.test.", type::A);
    ASSERT_EQ(a.m.answer.size(), 1u);
    EXPECT_EQ(dns::rr_to_text(a.m.answer[0]), "x.y.wild.example.test. 3600 IN A 192.0.2.99");
    auto nodata = ask("x.wild.example.test.", type::MX);
    EXPECT_EQ(nodata.m.header.rcode, rcode::NOERROR);
    EXPECT_TRUE(nodata.m.answer.empty());
    // An existing name blocks the wildcard (RFC 4592 2.2.1): b.ent exists, so x.b.ent is NXDOMAIN.
    EXPECT_EQ(ask("x.b.ent.example.test.", type::A).m.header.rcode, rcode::NXDOMAIN);
}

TEST_F(QueryTest, RefusedOutsideZones) {
    auto a = ask("www.example.org.", type::A);
    EXPECT_EQ(a.m.header.rcode, rcode::REFUSED);
    EXPECT_FALSE(a.m.header.aa);
}

TEST_F(QueryTest, EdnsEchoedAndSizeHonoured) {
    auto a = ask("big.example.test.", type::TXT);  // no EDNS: 512
    EXPECT_TRUE(a.m.header.tc);
    EXPECT_TRUE(a.m.answer.empty());
    EXPECT_LE(a.oc.size, 512u);
    auto b = ask("big.example.test.", type::TXT, 1232);
    EXPECT_FALSE(b.m.header.tc);
    EXPECT_EQ(b.m.answer.size(), 6u);
    ASSERT_TRUE(b.m.edns);
    EXPECT_EQ(b.m.edns->udp_size, 1232);
    auto c = ask("big.example.test.", type::TXT, 100);  // below 512 counts as 512
    EXPECT_TRUE(c.m.header.tc);
    EXPECT_TRUE(c.m.edns);
    auto tcp = ask("big.example.test.", type::TXT, 0, true);
    EXPECT_FALSE(tcp.m.header.tc);
    EXPECT_EQ(tcp.m.answer.size(), 6u);
}

TEST_F(QueryTest, BadversForUnknownEdnsVersion) {
    auto q = make_query("www.example.test.", type::A, 1232);
    q[q.size() - 5] = 1;  // OPT TTL: ext-rcode, VERSION, flags
    auto a = ask(q);
    ASSERT_TRUE(a.m.edns);
    EXPECT_EQ(a.m.edns->ext_rcode, 1);  // 16 >> 4
    EXPECT_EQ(a.m.header.rcode, 0);
    EXPECT_EQ(a.oc.rcode, rcode::BADVERS);
    EXPECT_TRUE(a.m.answer.empty());
}

TEST_F(QueryTest, MalformedQueries) {
    auto good = make_query("www.example.test.", type::A);
    // Every strict prefix: dropped (no header) or FORMERR, never anything else.
    for (std::size_t n = 0; n < good.size(); ++n) {
        std::vector<std::uint8_t> q(good.begin(), good.begin() + static_cast<long>(n));
        auto a = ask(q);
        if (n < dns::header_size) {
            EXPECT_EQ(a.oc.action, Action::drop) << n;
        } else {
            ASSERT_EQ(a.oc.action, Action::reply) << n;
            EXPECT_EQ(a.oc.rcode, rcode::FORMERR) << n;
        }
    }
    auto qr = good;
    qr[2] |= 0x80;  // a response
    EXPECT_EQ(ask(qr).oc.action, Action::drop);
    auto qd0 = good;
    qd0[5] = 0;
    EXPECT_EQ(ask(qd0).oc.rcode, rcode::FORMERR);
    auto qd2 = good;
    qd2[5] = 2;
    EXPECT_EQ(ask(qd2).oc.rcode, rcode::FORMERR);
    auto notimp = good;
    notimp[2] |= 5 << 3;  // UPDATE
    EXPECT_EQ(ask(notimp).oc.rcode, rcode::NOTIMP);
    auto two_opt = make_query("www.example.test.", type::A, 1232);
    std::vector<std::uint8_t> opt(two_opt.end() - 11, two_opt.end());
    two_opt.insert(two_opt.end(), opt.begin(), opt.end());
    two_opt[11] = 2;
    EXPECT_EQ(ask(two_opt).oc.rcode, rcode::FORMERR);
}

// RFC 6891 6.1.2: the OPT's rdata is a sequence of {code, length, data} options; one that
// runs past the rdata (NSD: FORMERR) makes the query malformed.
TEST_F(QueryTest, MalformedEdnsOptionIsFormerr) {
    auto with_option = [](std::string_view option) {
        auto q = make_query("www.example.test.", type::A, 1232);
        q[q.size() - 1] = static_cast<std::uint8_t>(option.size());  // the OPT's rdlength
        q.insert(q.end(), option.begin(), option.end());
        return q;
    };
    auto option = [](std::uint16_t code, std::uint16_t claimed, std::string_view data) {
        std::string s{static_cast<char>(code >> 8), static_cast<char>(code), static_cast<char>(claimed >> 8),
                      static_cast<char>(claimed)};
        return s.append(data);
    };
    auto good = ask(with_option(option(10, 8, "abcdefgh")));
    EXPECT_EQ(good.oc.rcode, rcode::NOERROR);
    EXPECT_EQ(good.m.answer.size(), 3u);
    for (const std::string& bad : {option(10, 10, "ab"), option(10, 8, "").substr(0, 3), option(10, 7, "abcdefgh")}) {
        auto a = ask(with_option(bad));
        EXPECT_EQ(a.oc.rcode, rcode::FORMERR) << bad.size();
        EXPECT_FALSE(a.m.edns);  // the OPT itself was what was malformed
        EXPECT_TRUE(a.m.answer.empty());
    }
}

TEST_F(QueryTest, AxfrPolicy) {
    EXPECT_EQ(ask("example.test.", type::AXFR).oc.rcode, rcode::REFUSED);  // UDP
    auto q = make_query("example.test.", type::AXFR);
    EXPECT_EQ(ask(q, true, "192.0.2.9").oc.rcode, rcode::REFUSED);
    auto ok = ask(q, true, "127.0.0.1");
    EXPECT_EQ(ok.oc.action, Action::axfr);
    EXPECT_EQ(ok.oc.zone, zones_->zones()[0].get());
    EXPECT_EQ(ask(q, true, "::ffff:127.0.0.1").oc.action, Action::axfr);  // a dual-stack socket's peer
    EXPECT_EQ(ask(make_query("www.example.test.", type::AXFR), true, "127.0.0.1").oc.rcode, rcode::NOTAUTH);
    auto ixfr_udp = ask("example.test.", type::IXFR);
    ASSERT_EQ(ixfr_udp.m.answer.size(), 1u);
    EXPECT_EQ(ixfr_udp.m.answer[0].type, type::SOA);
}

TEST(Axfr, SoaFirstAndLastAcrossMessages) {
    auto set = dnsd::test::example_set();
    const Zone& z = *set->zones()[0];
    for (std::size_t size : {std::size_t{65535}, std::size_t{300}}) {
        AxfrWriter w(z, 7, z.origin());
        std::vector<std::uint8_t> buf(size);
        std::vector<dns::Rr> all;
        std::size_t messages = 0;
        for (std::size_t n; (n = w.next(buf)) != 0 && messages < 1000; ++messages) {
            dns::Message m;
            ASSERT_EQ(dns::parse_message({buf.data(), n}, m), dns::ParseError::ok);
            EXPECT_EQ(m.header.id, 7);
            EXPECT_TRUE(m.header.aa);
            EXPECT_EQ(m.questions.size(), messages == 0 ? 1u : 0u);
            all.insert(all.end(), m.answer.begin(), m.answer.end());
        }
        if (size < 1000) {
            EXPECT_GT(messages, 1u);
        }
        ASSERT_EQ(all.size(), z.records().size() + 2);
        EXPECT_EQ(all.front().type, type::SOA);
        EXPECT_EQ(all.back().type, type::SOA);
        EXPECT_EQ(w.records_sent(), all.size());
    }
}

TEST(Prepared, SameBytesAsComputedPerQuery) {
    ResponderOptions opts;
    opts.round_robin = false;
    auto plain = dnsd::test::example_set();
    auto prepared = dnsd::test::example_set(
        [&](const ZoneSet& s, const std::vector<std::shared_ptr<Zone>>& z) { prepare_answers(s, z, opts); });
    const Zone& pz = *prepared->zones()[0];
    std::string www(dns::Name::parse("www.example.test.").wire());
    ASSERT_NE(pz.find(www)->prepared_for(type::A), nullptr);
    std::string glue(dns::Name::parse("ns.sub.example.test.").wire());
    EXPECT_EQ(pz.find(glue)->prepared_for(type::A), nullptr);  // below a cut: never prepared
    Responder a(opts), b(opts);
    const char* names[] = {
        "example.test.",        "WWW.example.test.",    "www.example.test.",     "mail.example.test.",
        "ns1.example.test.",    "alias.example.test.",  "chain.example.test.",   "dangling.example.test.",
        "away.example.test.",   "b.ent.example.test.",  "a.b.ent.example.test.", "big.example.test.",
        "*.wild.example.test.", "x.wild.example.test.", "sub.example.test.",     "nope.example.test."};
    std::uint16_t types[] = {type::A, type::AAAA, type::NS, type::MX, type::SOA, type::TXT, type::CNAME, type::SRV};
    for (const char* name : names) {
        for (auto t : types) {
            for (std::uint16_t edns : {0, 1232}) {
                for (bool tcp : {false, true}) {
                    auto q = make_query(name, t, edns, 0x7777);
                    q[2] |= 0x01;  // RD, copied
                    std::vector<std::uint8_t> o1(65535), o2(65535);
                    auto r1 = a.respond(*plain, q, QueryContext{tcp, {}}, o1);
                    auto r2 = b.respond(*prepared, q, QueryContext{tcp, {}}, o2);
                    ASSERT_EQ(r1.size, r2.size) << name << " " << t << " " << edns << " " << tcp;
                    EXPECT_TRUE(std::equal(o1.begin(), o1.begin() + static_cast<long>(r1.size), o2.begin()))
                        << name << " " << t << " " << edns << " " << tcp;
                    EXPECT_EQ(r1.rcode, r2.rcode);
                }
            }
        }
    }
}

TEST(Prepared, RotationVariants) {
    ResponderOptions opts;
    auto set = dnsd::test::example_set(
        [&](const ZoneSet& s, const std::vector<std::shared_ptr<Zone>>& z) { prepare_answers(s, z, opts); });
    std::string www(dns::Name::parse("www.example.test.").wire());
    const Prepared* p = set->zones()[0]->find(www)->prepared_for(type::A);
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(p->variants.size(), 3u);  // three A records: three rotations
    std::string mail(dns::Name::parse("mail.example.test.").wire());
    EXPECT_EQ(set->zones()[0]->find(mail)->prepared_for(type::A)->variants.size(), 1u);
    Responder r(opts);
    std::set<std::string> firsts;
    for (int i = 0; i < 6; ++i) {
        std::vector<std::uint8_t> out(512);
        auto q = make_query("www.example.test.", type::A);
        auto oc = r.respond(*set, q, QueryContext{}, out);
        dns::Message m;
        ASSERT_EQ(dns::parse_message({out.data(), oc.size}, m), dns::ParseError::ok);
        firsts.insert(m.answer.front().rdata);
    }
    EXPECT_EQ(firsts.size(), 3u);
}
