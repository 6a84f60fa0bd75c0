#include "tracker/announce.hpp"

#include <gtest/gtest.h>

#include "test_util.hpp"
#include "tracker/bencode.hpp"

namespace tracker {
namespace {

struct Query {
    std::vector<std::pair<std::string, std::string>> kv;
    std::vector<Param> params() const {
        std::vector<Param> out;
        for (const auto& [k, v] : kv) out.push_back({k, v});
        return out;
    }
    Query& set(const std::string& k, const std::string& v) {
        for (auto& [kk, vv] : kv) {
            if (kk == k) {
                vv = v;
                return *this;
            }
        }
        kv.emplace_back(k, v);
        return *this;
    }
    Query& add(const std::string& k, const std::string& v) {
        kv.emplace_back(k, v);
        return *this;
    }
    Query& drop(const std::string& k) {
        std::erase_if(kv, [&](const auto& p) { return p.first == k; });
        return *this;
    }
};

Query good() {
    Query q;
    q.set("info_hash", std::string(20, '\x01')).set("peer_id", std::string(20, 'P')).set("port", "6881");
    q.set("uploaded", "0").set("downloaded", "0").set("left", "100");
    return q;
}

AnnounceParse parse(const Query& q, NumwantPolicy pol = {}) {
    auto p = q.params();
    return parse_announce(p, pol);
}

TEST(Announce, MinimalValid) {
    auto r = parse(good());
    ASSERT_TRUE(r.request) << r.error;
    EXPECT_EQ(r.request->port, 6881);
    EXPECT_EQ(r.request->left, 100u);
    EXPECT_EQ(r.request->numwant, 50u);
    EXPECT_TRUE(r.request->compact);
    EXPECT_EQ(r.request->event, Event::none);
}

TEST(Announce, BinaryInfoHashWithNulBytes) {
    auto r = parse(good().set("info_hash", std::string(20, '\0')));
    ASSERT_TRUE(r.request) << r.error;
    EXPECT_EQ(r.request->info_hash, Hash20{});
}

TEST(Announce, HashLengthsBothSides) {
    for (int n : {0, 19, 21, 40}) {
        EXPECT_EQ(parse(good().set("info_hash", std::string(n, 'a'))).error, "invalid info_hash: must be 20 bytes")
            << n;
        EXPECT_EQ(parse(good().set("peer_id", std::string(n, 'a'))).error, "invalid peer_id: must be 20 bytes") << n;
    }
    EXPECT_EQ(parse(good().drop("info_hash")).error, "missing info_hash");
    EXPECT_EQ(parse(good().drop("peer_id")).error, "missing peer_id");
}

TEST(Announce, PortRange) {
    EXPECT_TRUE(parse(good().set("port", "1")).request);
    EXPECT_TRUE(parse(good().set("port", "65535")).request);
    for (const char* bad : {"0", "65536", "-1", "", "80x", " 80", "99999999999999999999999"}) {
        EXPECT_EQ(parse(good().set("port", bad)).error, "invalid port: must be 1-65535") << bad;
    }
    EXPECT_EQ(parse(good().drop("port")).error, "missing port");
}

TEST(Announce, Numwant) {
    NumwantPolicy pol{.default_numwant = 30, .max_numwant = 200};
    EXPECT_EQ(parse(good(), pol).request->numwant, 30u);
    EXPECT_EQ(parse(good().set("numwant", "0"), pol).request->numwant, 0u);
    EXPECT_EQ(parse(good().set("numwant", "200"), pol).request->numwant, 200u);
    EXPECT_EQ(parse(good().set("numwant", "201"), pol).request->numwant, 200u);
    EXPECT_EQ(parse(good().set("numwant", "99999999999999999999999999999"), pol).request->numwant, 200u);
    for (const char* bad : {"-1", "-50", "", "ten", "1e3", "+5"}) {
        EXPECT_EQ(parse(good().set("numwant", bad), pol).error, "invalid numwant") << bad;
    }
}

TEST(Announce, DuplicateKeysRefused) {
    EXPECT_EQ(parse(good().add("info_hash", std::string(20, '\x02'))).error, "duplicate parameter: info_hash");
    EXPECT_EQ(parse(good().add("port", "6881")).error, "duplicate parameter: port");
    // Unknown parameters (repeated or not) are ignored.
    EXPECT_TRUE(parse(good().add("supportcrypto", "1").add("supportcrypto", "1")).request);
}

TEST(Announce, EventsAndFlags) {
    EXPECT_EQ(parse(good().set("event", "started")).request->event, Event::started);
    EXPECT_EQ(parse(good().set("event", "completed")).request->event, Event::completed);
    EXPECT_EQ(parse(good().set("event", "stopped")).request->event, Event::stopped);
    EXPECT_EQ(parse(good().set("event", "")).request->event, Event::none);
    EXPECT_EQ(parse(good().set("event", "paused")).request->event, Event::none);
    EXPECT_EQ(parse(good().set("event", "begun")).error, "invalid event");
    EXPECT_FALSE(parse(good().set("compact", "0")).request->compact);
    EXPECT_EQ(parse(good().set("compact", "2")).error, "invalid compact");
    EXPECT_TRUE(parse(good().set("no_peer_id", "1")).request->no_peer_id);
    EXPECT_EQ(parse(good().set("no_peer_id", "yes")).error, "invalid no_peer_id");
    EXPECT_EQ(parse(good().set("left", "-5")).error, "invalid left");
    EXPECT_EQ(parse(good().set("uploaded", "x")).error, "invalid uploaded");
    EXPECT_EQ(parse(good().set("downloaded", "")).error, "invalid downloaded");
    EXPECT_FALSE(parse(good().drop("left")).request->left);
    EXPECT_TRUE(parse(good().set("key", std::string(64, 'k'))).request);
    EXPECT_EQ(parse(good().set("key", std::string(65, 'k'))).error, "invalid key");
}

TEST(Announce, IpParameter) {
    auto r = parse(good().set("ip", "192.0.2.1"));
    ASSERT_TRUE(r.request);
    ASSERT_TRUE(r.request->ip);
    EXPECT_EQ(r.request->ip->address_text(), "192.0.2.1");
    EXPECT_EQ(r.request->ip->port, 6881);
    EXPECT_EQ(parse(good().set("ip", "example.com")).error, "invalid ip");
}

TEST(Scrape, ParsesDedupsAndLimits) {
    std::string a(20, 'a'), b(20, 'b');
    std::vector<Param> ps{{"info_hash", b}, {"info_hash", a}, {"info_hash", b}};
    auto r = parse_scrape(ps, 3);
    ASSERT_TRUE(r.error.empty());
    ASSERT_EQ(r.hashes.size(), 2u);
    EXPECT_EQ(test::raw(r.hashes[0]), a);
    std::vector<Param> four{{"info_hash", a}, {"info_hash", a}, {"info_hash", a}, {"info_hash", a}};
    EXPECT_FALSE(parse_scrape(four, 3).error.empty());
    EXPECT_TRUE(parse_scrape(std::span(four).first(3), 3).error.empty());
    std::vector<Param> none{{"x", "y"}};
    EXPECT_EQ(parse_scrape(none, 3).error, "missing info_hash");
    std::vector<Param> shortp{{"info_hash", "abc"}};
    EXPECT_EQ(parse_scrape(shortp, 3).error, "invalid info_hash: must be 20 bytes");
}

TEST(Replies, FailureReason) { EXPECT_EQ(failure_reply("nope"), "d14:failure reason4:nopee"); }

TEST(Replies, CompactAnnounceWithPeers6) {
    std::vector<PeerOut> peers{{test::v4(1, 0x1ae1), {}}, {test::v6(2, 0x0102), {}}};
    std::string body = announce_reply({1800, 900, {3, 4, 5}}, peers, true, false);
    auto v = bencode::decode(body);
    ASSERT_TRUE(v) << body;
    EXPECT_EQ(v->find("interval")->as_int(), 1800);
    EXPECT_EQ(v->find("min interval")->as_int(), 900);
    EXPECT_EQ(v->find("complete")->as_int(), 3);
    EXPECT_EQ(v->find("incomplete")->as_int(), 4);
    EXPECT_EQ(v->find("downloaded")->as_int(), 5);
    EXPECT_EQ(v->find("peers")->as_string(), std::string("\x0a\x00\x00\x01\x1a\xe1", 6));
    const std::string& p6 = v->find("peers6")->as_string();
    ASSERT_EQ(p6.size(), 18u);
    EXPECT_EQ(p6.substr(16), std::string("\x01\x02", 2));
}

TEST(Replies, CompactWithoutPeersHasEmptyPeersAndNoPeers6) {
    std::string body = announce_reply({}, {}, true, false);
    auto v = bencode::decode(body);
    ASSERT_TRUE(v);
    EXPECT_EQ(v->find("peers")->as_string(), "");
    EXPECT_EQ(v->find("peers6"), nullptr);
}

TEST(Replies, DictionaryPeers) {
    std::vector<PeerOut> peers{{test::v4(7, 6881), test::filled('x')}};
    auto v = bencode::decode(announce_reply({}, peers, false, false));
    ASSERT_TRUE(v);
    const auto& list = v->find("peers")->as_list();
    ASSERT_EQ(list.size(), 1u);
    EXPECT_EQ(list[0].find("ip")->as_string(), "10.0.0.7");
    EXPECT_EQ(list[0].find("port")->as_int(), 6881);
    EXPECT_EQ(list[0].find("peer id")->as_string(), std::string(20, 'x'));
    auto np = bencode::decode(announce_reply({}, peers, false, true));
    EXPECT_EQ(np->find("peers")->as_list()[0].find("peer id"), nullptr);
}

TEST(Replies, ScrapeFiles) {
    std::vector<std::pair<InfoHash, SwarmCounts>> files{{test::filled('a'), {1, 2, 3}}};
    auto v = bencode::decode(scrape_reply(files));
    ASSERT_TRUE(v);
    const auto* f = v->find("files")->find(std::string(20, 'a'));
    ASSERT_NE(f, nullptr);
    EXPECT_EQ(f->find("complete")->as_int(), 1);
    EXPECT_EQ(f->find("incomplete")->as_int(), 2);
    EXPECT_EQ(f->find("downloaded")->as_int(), 3);
}

}  // namespace
}  // namespace tracker
