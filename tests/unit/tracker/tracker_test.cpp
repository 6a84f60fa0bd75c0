#include "tracker/tracker.hpp"

#include <gtest/gtest.h>

#include "test_util.hpp"
#include "tracker/bencode.hpp"
#include "tracker/memory_swarm.hpp"
#include "tracker/udp_protocol.hpp"

namespace tracker {
namespace {

std::array<std::uint8_t, 16> fixed_key() { return {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}; }

Tracker make(TrackerOptions o = {}) {
    return Tracker(o, std::make_shared<MemorySwarmStore>(), ConnectionIds(fixed_key()));
}

struct Http {
    std::vector<std::pair<std::string, std::string>> kv;
    std::string call(Tracker& t, const PeerEndpoint& src, std::uint64_t now_ms = 1'000'000) const {
        std::vector<Param> ps;
        for (const auto& [k, v] : kv) ps.push_back({k, v});
        return t.announce(ps, src, now_ms);
    }
};

Http announce_query(const InfoHash& ih, std::uint16_t port, std::string left = "5", std::string event = "") {
    Http h;
    h.kv = {{"info_hash", test::raw(ih)},
            {"peer_id", std::string(20, 'p')},
            {"port", std::to_string(port)},
            {"left", std::move(left)}};
    if (!event.empty()) h.kv.emplace_back("event", std::move(event));
    return h;
}

bencode::Value decode(const std::string& s) {
    auto v = bencode::decode(s);
    EXPECT_TRUE(v) << s;
    return v.value_or(bencode::Value{});
}

TEST(Tracker, HttpAnnounceUsesSourceAddressNotIpParam) {
    Tracker t = make();
    (void)announce_query(test::hash(1), 1111).call(t, test::v4(1, 50000));
    auto q = announce_query(test::hash(1), 2222);
    q.kv.emplace_back("ip", "192.0.2.99");
    auto v = decode(q.call(t, test::v4(2, 50001)));
    ASSERT_EQ(v.find("failure reason"), nullptr);
    EXPECT_EQ(v.find("peers")->as_string(), std::string("\x0a\x00\x00\x01\x04\x57", 6));  // port 1111
    auto again = decode(announce_query(test::hash(1), 3333).call(t, test::v4(3, 1)));
    // The second peer was recorded at its TCP source with the announced port, not 192.0.2.99.
    const std::string& peers = again.find("peers")->as_string();
    EXPECT_NE(peers.find(std::string("\x0a\x00\x00\x02\x08\xae", 6)), std::string::npos);
    EXPECT_EQ(peers.find("\xc0\x00\x02\x63"), std::string::npos);
}

TEST(Tracker, TrustedIpParam) {
    TrackerOptions o;
    o.trust_ip_param = true;
    Tracker t = make(o);
    auto q = announce_query(test::hash(1), 2222);
    q.kv.emplace_back("ip", "192.0.2.99");
    (void)q.call(t, test::v4(2, 1));
    auto v = decode(announce_query(test::hash(1), 1).call(t, test::v4(3, 1)));
    EXPECT_EQ(v.find("peers")->as_string(), std::string("\xc0\x00\x02\x63\x08\xae", 6));
}

TEST(Tracker, WhitelistRefusesUnknownTorrents) {
    TrackerOptions o;
    o.whitelist_mode = true;
    Tracker t = make(o);
    auto v = decode(announce_query(test::hash(1), 1).call(t, test::v4(1, 1)));
    EXPECT_EQ(v.find("failure reason")->as_string(), "unregistered torrent");
    HashSet s;
    s.insert(test::hash(1));
    t.whitelist().replace(std::move(s));
    v = decode(announce_query(test::hash(1), 1).call(t, test::v4(1, 1)));
    EXPECT_EQ(v.find("failure reason"), nullptr);
    EXPECT_EQ(v.find("incomplete")->as_int(), 1);
}

TEST(Tracker, HttpRateLimit) {
    TrackerOptions o;
    o.rate = {.per_second = 1, .burst = 3};
    Tracker t = make(o);
    auto q = announce_query(test::hash(1), 1);
    for (int i = 0; i < 3; ++i) EXPECT_EQ(decode(q.call(t, test::v4(1, 1), 5000)).find("failure reason"), nullptr);
    auto v = decode(q.call(t, test::v4(1, 1), 5000));
    ASSERT_NE(v.find("failure reason"), nullptr);
    EXPECT_EQ(v.find("failure reason")->as_string().rfind("rate limited", 0), 0u);
    // Another address is unaffected; the limited one recovers.
    EXPECT_EQ(decode(q.call(t, test::v4(2, 1), 5000)).find("failure reason"), nullptr);
    EXPECT_EQ(decode(q.call(t, test::v4(1, 1), 6000)).find("failure reason"), nullptr);
    EXPECT_EQ(t.stats(6000).rate_limited, 1u);
}

TEST(Tracker, HttpScrape) {
    Tracker t = make();
    (void)announce_query(test::hash(1), 1, "0").call(t, test::v4(1, 1));
    (void)announce_query(test::hash(1), 1, "9").call(t, test::v4(2, 1));
    std::string h1 = test::raw(test::hash(1)), h2 = test::raw(test::hash(2));
    std::vector<Param> ps{{"info_hash", h1}, {"info_hash", h2}};
    auto v = decode(t.scrape(ps, test::v4(1, 1), 1'000'000));
    const auto* files = v.find("files");
    ASSERT_NE(files, nullptr);
    EXPECT_EQ(files->find(h1)->find("complete")->as_int(), 1);
    EXPECT_EQ(files->find(h1)->find("incomplete")->as_int(), 1);
    EXPECT_EQ(files->find(h2)->find("complete")->as_int(), 0);  // open mode: unknown as zeros
}

// --- UDP -------------------------------------------------------------------------------

struct Udp {
    Tracker& t;
    PeerEndpoint from;
    std::uint64_t now_ms = 1'000'000;
    std::uint8_t out[1500] = {};

    std::vector<std::uint8_t> send(const std::vector<std::uint8_t>& in) {
        std::size_t n = t.datagram(in, from, now_ms, out);
        return {out, out + n};
    }
};

std::vector<std::uint8_t> be(std::initializer_list<std::pair<std::uint64_t, int>> fields) {
    std::vector<std::uint8_t> b;
    for (auto [v, bytes] : fields) {
        for (int i = bytes - 1; i >= 0; --i) b.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
    }
    return b;
}

std::uint64_t read_be(const std::vector<std::uint8_t>& b, std::size_t at, int bytes) {
    std::uint64_t v = 0;
    for (int i = 0; i < bytes; ++i) v = (v << 8) | b.at(at + static_cast<std::size_t>(i));
    return v;
}

std::vector<std::uint8_t> udp_announce(std::uint64_t cid, const InfoHash& ih, std::uint16_t port,
                                       std::uint64_t left = 5, std::uint32_t event = 2) {
    auto b = be({{cid, 8}, {1, 4}, {99, 4}});
    b.insert(b.end(), ih.begin(), ih.end());
    auto pid = test::hash('p');
    b.insert(b.end(), pid.begin(), pid.end());
    auto rest = be({{0, 8}, {left, 8}, {0, 8}, {event, 4}, {0, 4}, {0, 4}, {0xffffffff, 4}, {port, 2}});
    b.insert(b.end(), rest.begin(), rest.end());
    return b;
}

std::uint64_t connect(Udp& u) {
    auto r = u.send(be({{udp::kProtocolId, 8}, {0, 4}, {1234, 4}}));
    EXPECT_EQ(r.size(), 16u);
    EXPECT_EQ(read_be(r, 0, 4), 0u);
    EXPECT_EQ(read_be(r, 4, 4), 1234u);
    return read_be(r, 8, 8);
}

TEST(Tracker, UdpConnectAnnounceScrape) {
    Tracker t = make();
    Udp a{t, test::v4(1, 0), 1'000'000, {}};
    Udp b{t, test::v4(2, 0), 1'000'000, {}};
    std::uint64_t ca = connect(a), cb = connect(b);
    auto ra = a.send(udp_announce(ca, test::hash(1), 1111, 0));
    ASSERT_EQ(ra.size(), 20u);
    EXPECT_EQ(read_be(ra, 0, 4), 1u);
    EXPECT_EQ(read_be(ra, 4, 4), 99u);
    EXPECT_EQ(read_be(ra, 8, 4), 1800u);
    EXPECT_EQ(read_be(ra, 16, 4), 1u);  // seeders
    auto rb = b.send(udp_announce(cb, test::hash(1), 2222, 10));
    ASSERT_EQ(rb.size(), 26u);
    EXPECT_EQ(read_be(rb, 12, 4), 1u);  // leechers
    EXPECT_EQ(read_be(rb, 20, 4), 0x0a000001u);
    EXPECT_EQ(read_be(rb, 24, 2), 1111u);
    auto sc = be({{cb, 8}, {2, 4}, {5, 4}});
    auto h = test::hash(1);
    sc.insert(sc.end(), h.begin(), h.end());
    auto rs = b.send(sc);
    ASSERT_EQ(rs.size(), 20u);
    EXPECT_EQ(read_be(rs, 8, 4), 1u);   // seeders
    EXPECT_EQ(read_be(rs, 16, 4), 1u);  // leechers
}

TEST(Tracker, UdpForgedExpiredAndStolenConnectionIds) {
    Tracker t = make();
    Udp a{t, test::v4(1, 0), 1'000'000, {}};
    std::uint64_t cid = connect(a);
    auto forged = a.send(udp_announce(cid ^ 1, test::hash(1), 1));
    ASSERT_GE(forged.size(), 8u);
    EXPECT_EQ(read_be(forged, 0, 4), 3u);
    EXPECT_EQ(std::string(forged.begin() + 8, forged.end()), "invalid or expired connection id");
    Udp other{t, test::v4(2, 0), 1'000'000, {}};
    EXPECT_EQ(read_be(other.send(udp_announce(cid, test::hash(1), 1)), 0, 4), 3u);  // stolen
    a.now_ms += 60'000;
    EXPECT_EQ(read_be(a.send(udp_announce(cid, test::hash(1), 1)), 0, 4), 1u);  // still valid
    a.now_ms += 120'000;
    EXPECT_EQ(read_be(a.send(udp_announce(cid, test::hash(1), 1)), 0, 4), 3u);  // expired
}

TEST(Tracker, UdpMalformedPackets) {
    Tracker t = make();
    Udp a{t, test::v4(1, 0), 1'000'000, {}};
    EXPECT_TRUE(a.send({}).empty());
    EXPECT_TRUE(a.send(std::vector<std::uint8_t>(15, 0)).empty());
    EXPECT_TRUE(a.send(be({{1, 8}, {0, 4}, {1, 4}})).empty());  // connect without magic
    auto unknown = a.send(be({{1, 8}, {7, 4}, {1, 4}}));
    EXPECT_EQ(read_be(unknown, 0, 4), 3u);
    std::uint64_t cid = connect(a);
    auto cut = udp_announce(cid, test::hash(1), 1);
    cut.resize(97);
    auto r = a.send(cut);
    EXPECT_EQ(read_be(r, 0, 4), 3u);
    EXPECT_EQ(std::string(r.begin() + 8, r.end()), "bad announce length");
    EXPECT_EQ(t.stats(a.now_ms).totals.torrents, 0u);
}

TEST(Tracker, UdpWhitelistAndRateLimit) {
    TrackerOptions o;
    o.whitelist_mode = true;
    o.rate = {.per_second = 1, .burst = 2};
    Tracker t = make(o);
    Udp a{t, test::v4(1, 0), 1'000'000, {}};
    std::uint64_t cid = connect(a);
    auto r = a.send(udp_announce(cid, test::hash(1), 1));
    EXPECT_EQ(std::string(r.begin() + 8, r.end()), "unregistered torrent");
    EXPECT_TRUE(a.send(udp_announce(cid, test::hash(1), 1)).empty());  // flood: dropped silently
    a.now_ms += 1000;
    EXPECT_FALSE(a.send(udp_announce(cid, test::hash(1), 1)).empty());
}

TEST(Tracker, UdpIpv6PeersGet18ByteEntries) {
    Tracker t = make();
    Udp a{t, test::v6(1, 0), 1'000'000, {}};
    Udp b{t, test::v6(2, 0), 1'000'000, {}};
    (void)a.send(udp_announce(connect(a), test::hash(1), 1111));
    auto r = b.send(udp_announce(connect(b), test::hash(1), 2222));
    ASSERT_EQ(r.size(), 20u + 18u);
    EXPECT_EQ(read_be(r, 20, 2), 0x2001u);
    EXPECT_EQ(read_be(r, 36, 2), 1111u);
}

TEST(Tracker, StatsAndRendering) {
    Tracker t = make();
    t.tick(0);
    (void)announce_query(test::hash(1), 1, "0", "completed").call(t, test::v4(1, 1), 500);
    (void)announce_query(test::hash(1), 1, "3").call(t, test::v4(2, 1), 600);
    t.tick(2000);
    auto s = t.stats(2000);
    EXPECT_EQ(s.totals.torrents, 1u);
    EXPECT_EQ(s.totals.seeders, 1u);
    EXPECT_EQ(s.totals.leechers, 1u);
    EXPECT_EQ(s.totals.downloaded, 1u);
    EXPECT_EQ(s.announces, 2u);
    EXPECT_DOUBLE_EQ(s.announces_per_second, 1.0);
    std::string json = stats_json(s);
    EXPECT_NE(json.find("\"torrents\":1,"), std::string::npos) << json;
    EXPECT_NE(json.find("\"completed\":1,"), std::string::npos);
    EXPECT_NE(json.find("\"announces_per_second\":1.0"), std::string::npos);
    std::string html = stats_html(s);
    EXPECT_NE(html.find("<th>Seeders</th><td>1</td>"), std::string::npos) << html;
}

}  // namespace
}  // namespace tracker
