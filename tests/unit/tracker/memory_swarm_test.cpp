#include "tracker/memory_swarm.hpp"

#include <gtest/gtest.h>

#include <array>
#include <random>
#include <set>
#include <thread>

#include "test_util.hpp"
#include "tracker/peer_array.hpp"

namespace tracker {
namespace {

using test::hash;
using test::v4;
using test::v6;

AnnounceParams params(const InfoHash& ih, const PeerEndpoint& peer, std::optional<std::uint64_t> left,
                      Event ev = Event::none, std::uint32_t numwant = 50) {
    AnnounceParams p;
    p.info_hash = ih;
    p.peer_id = hash(0xee, peer.port);
    p.peer = peer;
    p.left = left;
    p.event = ev;
    p.numwant = numwant;
    return p;
}

struct Result {
    AnnounceStatus status;
    SwarmCounts counts;
    std::vector<PeerOut> peers;
};

Result announce(MemorySwarmStore& s, const AnnounceParams& p, std::uint32_t now = 100) {
    Result r;
    r.status = s.announce(p, now, r.counts, r.peers);
    return r;
}

TEST(MemorySwarm, FirstPeerGetsNobody) {
    MemorySwarmStore s;
    auto r = announce(s, params(hash(1), v4(1, 1000), 100, Event::started));
    EXPECT_EQ(r.status, AnnounceStatus::ok);
    EXPECT_TRUE(r.peers.empty());
    EXPECT_EQ(r.counts.incomplete, 1u);
    EXPECT_EQ(r.counts.complete, 0u);
}

TEST(MemorySwarm, NeverSelfAndCountsSeedersAndLeechers) {
    MemorySwarmStore s;
    (void)announce(s, params(hash(1), v4(1, 1000), 0));  // seeder
    (void)announce(s, params(hash(1), v4(2, 1000), 10));
    auto r = announce(s, params(hash(1), v4(3, 1000), 10));
    EXPECT_EQ(r.counts.complete, 1u);
    EXPECT_EQ(r.counts.incomplete, 2u);
    ASSERT_EQ(r.peers.size(), 2u);
    for (const auto& p : r.peers) EXPECT_NE(p.endpoint, v4(3, 1000));
}

TEST(MemorySwarm, SeedersAreNotSentToSeeders) {
    MemorySwarmStore s;
    (void)announce(s, params(hash(1), v4(1, 1), 0));
    (void)announce(s, params(hash(1), v4(2, 1), 0));
    (void)announce(s, params(hash(1), v4(3, 1), 5));
    auto r = announce(s, params(hash(1), v4(4, 1), 0));
    ASSERT_EQ(r.peers.size(), 1u);
    EXPECT_EQ(r.peers[0].endpoint, v4(3, 1));
    // A leecher gets everyone.
    auto l = announce(s, params(hash(1), v4(5, 1), 7));
    EXPECT_EQ(l.peers.size(), 4u);
}

TEST(MemorySwarm, NumwantBoundsAndRandomSubset) {
    MemorySwarmStore s;
    for (int i = 0; i < 200; ++i) (void)announce(s, params(hash(1), v4(i % 250, 1000, i / 250), 1));
    std::set<std::uint8_t> seen_first;
    for (int round = 0; round < 20; ++round) {
        auto r = announce(s, params(hash(1), v4(1, 2000, 9), 1, Event::none, 50));
        ASSERT_EQ(r.peers.size(), 50u);
        std::set<PeerEndpoint, bool (*)(const PeerEndpoint&, const PeerEndpoint&)> uniq(
            [](const PeerEndpoint& a, const PeerEndpoint& b) {
                return a.ip < b.ip || (a.ip == b.ip && a.port < b.port);
            });
        for (const auto& p : r.peers) uniq.insert(p.endpoint);
        EXPECT_EQ(uniq.size(), 50u);  // no duplicates
        seen_first.insert(r.peers[0].endpoint.ip[3]);
    }
    EXPECT_GT(seen_first.size(), 5u);  // not always the same subset
    auto zero = announce(s, params(hash(1), v4(1, 2000, 9), 1, Event::none, 0));
    EXPECT_TRUE(zero.peers.empty());
}

TEST(MemorySwarm, StoppedRemovesAndReturnsNoPeers) {
    MemorySwarmStore s;
    (void)announce(s, params(hash(1), v4(1, 1), 1));
    (void)announce(s, params(hash(1), v4(2, 1), 1));
    auto r = announce(s, params(hash(1), v4(2, 1), 1, Event::stopped));
    EXPECT_TRUE(r.peers.empty());
    EXPECT_EQ(r.counts.incomplete, 1u);
    EXPECT_EQ(s.peer_count(), 1u);
    (void)announce(s, params(hash(1), v4(1, 1), 1, Event::stopped));
    EXPECT_EQ(s.peer_count(), 0u);
    EXPECT_FALSE(s.scrape(hash(1)));  // the empty torrent is gone
    // Stopped for an unknown torrent creates nothing.
    (void)announce(s, params(hash(2), v4(1, 1), 1, Event::stopped));
    EXPECT_EQ(s.totals().torrents, 0u);
}

TEST(MemorySwarm, CompletedCountsOncePerPeer) {
    MemorySwarmStore s;
    (void)announce(s, params(hash(1), v4(1, 1), 10, Event::started));
    auto r = announce(s, params(hash(1), v4(1, 1), 0, Event::completed));
    EXPECT_EQ(r.counts.downloaded, 1u);
    EXPECT_EQ(r.counts.complete, 1u);
    EXPECT_EQ(r.counts.incomplete, 0u);
    r = announce(s, params(hash(1), v4(1, 1), 0, Event::completed));
    EXPECT_EQ(r.counts.downloaded, 1u);
    auto sc = s.scrape(hash(1));
    ASSERT_TRUE(sc);
    EXPECT_EQ(sc->downloaded, 1u);
}

TEST(MemorySwarm, SameAddressDifferentPortIsAnotherPeer) {
    MemorySwarmStore s;
    (void)announce(s, params(hash(1), v4(1, 1), 1));
    auto r = announce(s, params(hash(1), v4(1, 2), 1));
    EXPECT_EQ(r.counts.incomplete, 2u);
    ASSERT_EQ(r.peers.size(), 1u);
    EXPECT_EQ(r.peers[0].endpoint.port, 1);
}

TEST(MemorySwarm, SeederBecomingLeecherUpdatesCounts) {
    MemorySwarmStore s;
    (void)announce(s, params(hash(1), v4(1, 1), 0));
    auto r = announce(s, params(hash(1), v4(1, 1), 5));
    EXPECT_EQ(r.counts.complete, 0u);
    EXPECT_EQ(r.counts.incomplete, 1u);
    r = announce(s, params(hash(1), v4(1, 1), std::nullopt));  // unknown left: leecher
    EXPECT_EQ(r.counts.incomplete, 1u);
}

TEST(MemorySwarm, FamiliesAndBothFamilies) {
    MemorySwarmStore s;
    (void)announce(s, params(hash(1), v4(1, 1), 1));
    (void)announce(s, params(hash(1), v6(1, 1), 1));
    auto p = params(hash(1), v4(2, 1), 1);
    p.both_families = false;
    auto only4 = announce(s, p);
    ASSERT_EQ(only4.peers.size(), 1u);
    EXPECT_FALSE(only4.peers[0].endpoint.v6);
    p.both_families = true;
    auto both = announce(s, p);
    EXPECT_EQ(both.peers.size(), 2u);
    auto q = params(hash(1), v6(2, 1), 1);
    q.both_families = false;
    auto only6 = announce(s, q);
    ASSERT_EQ(only6.peers.size(), 1u);
    EXPECT_EQ(only6.peers[0].endpoint, v6(1, 1));
    EXPECT_EQ(only6.counts.incomplete, 4u);
}

TEST(MemorySwarm, ExpiryRemovesSilentPeersAndEmptyTorrents) {
    MemorySwarmStore s({.peer_timeout = 100});
    (void)announce(s, params(hash(1), v4(1, 1), 1), 1000);
    (void)announce(s, params(hash(1), v4(2, 1), 0), 1000);
    (void)announce(s, params(hash(2), v4(3, 1), 1), 1000);
    (void)announce(s, params(hash(1), v4(2, 1), 0), 1050);  // stays alive
    EXPECT_EQ(s.expire(1100), 0u);                          // exactly at the timeout: kept
    EXPECT_EQ(s.expire(1101), 2u);
    EXPECT_EQ(s.peer_count(), 1u);
    auto t = s.totals();
    EXPECT_EQ(t.torrents, 1u);
    EXPECT_EQ(t.seeders, 1u);
    EXPECT_EQ(t.leechers, 0u);
    EXPECT_FALSE(s.scrape(hash(2)));
}

TEST(MemorySwarm, RecordsAreEightAndTwentyBytes) {
    EXPECT_EQ(sizeof(store::Peer4), 8u);
    EXPECT_EQ(sizeof(store::Peer6), 20u);
}

TEST(MemorySwarm, PeerArrayKeepsOrderAndLittleSlack) {
    store::PeerArray<store::Peer4> a;
    for (std::uint16_t i = 0; i < 10; ++i) (void)a.insert(0, store::Peer4{{10, 0, 0, 1}, i, 0});
    ASSERT_EQ(a.size(), 10u);
    for (std::uint32_t i = 0; i < 10; ++i) EXPECT_EQ(a[i].port, 9 - i);
    EXPECT_LE(a.capacity(), 13u);  // growth by an eighth (at least two), not by half
    a.erase(0);
    EXPECT_EQ(a[0].port, 8);
    EXPECT_EQ(a.retain([](const store::Peer4& p) { return p.port % 2 == 0; }), 4u);
    ASSERT_EQ(a.size(), 5u);
    a.shrink();
    EXPECT_LE(a.capacity(), 7u);
    EXPECT_EQ(a[4].port, 0);
    (void)a.retain([](const store::Peer4&) { return false; });
    a.shrink();
    EXPECT_EQ(a.capacity(), 0u);
}

TEST(MemorySwarm, PeerArrayHeadOutlivesItsRecordsUntilZero) {
    struct Head {
        std::uint32_t n = 0;
        [[nodiscard]] bool zero() const { return n == 0; }
    };
    store::PeerArray<store::Peer4, Head> a;
    EXPECT_EQ(a.head().n, 0u);
    a.head_mut().n = 7;
    for (std::uint16_t i = 0; i < 3; ++i) (void)a.insert(i, store::Peer4{{10, 0, 0, 1}, i, 0});
    EXPECT_EQ(a.head().n, 7u);
    EXPECT_EQ(a[2].port, 2);
    (void)a.retain([](const store::Peer4&) { return false; });
    a.shrink();
    EXPECT_EQ(a.head().n, 7u);  // a torrent's counters stay with no IPv4 peer left
    a.head_mut().n = 0;
    a.shrink();
    EXPECT_EQ(a.capacity(), 0u);
}

TEST(MemorySwarm, CoarseTicksNeverExpireEarly) {
    // 3900 s in ticks of 4 s: kept at the exact timeout, gone within two ticks after it.
    MemorySwarmStore s({.peer_timeout = 3900});
    (void)announce(s, params(hash(1), v4(1, 1), 1), 1001);
    EXPECT_EQ(s.expire(1001 + 3900), 0u);
    EXPECT_EQ(s.expire(1001 + 3900 + 8), 1u);
    EXPECT_FALSE(s.scrape(hash(1)));
}

TEST(MemorySwarm, LongestTimeoutKeepsPeers) {
    MemorySwarmStore s({.peer_timeout = UINT32_MAX});
    (void)announce(s, params(hash(1), v4(1, 1), 1), 5);
    EXPECT_EQ(s.expire(UINT32_MAX), 0u);
    EXPECT_EQ(s.peer_count(), 1u);
}

TEST(MemorySwarm, ExpiryAcrossTheStampWrap) {
    // 13-bit stamps wrap every 8192 ticks: a peer that keeps announcing stays, one that
    // stopped announcing goes, however long the tracker runs.
    MemorySwarmStore s({.peer_timeout = 100});
    for (std::uint32_t now = 0; now <= 40000; now += 50) {
        (void)announce(s, params(hash(1), v4(1, 1), 0), now);
        if (now == 8150) (void)announce(s, params(hash(1), v4(2, 1), 1), now);
        (void)s.expire(now);
        auto c = s.scrape(hash(1));
        ASSERT_TRUE(c);
        EXPECT_EQ(c->complete, 1u) << now;
        EXPECT_EQ(c->incomplete, (now >= 8150 && now <= 8250) ? 1u : 0u) << now;
    }
}

TEST(MemorySwarm, Ipv6SeedersCompletedAndStopped) {
    MemorySwarmStore s;
    (void)announce(s, params(hash(1), v6(1, 1), 10, Event::started));
    auto r = announce(s, params(hash(1), v6(1, 1), 0, Event::completed));
    EXPECT_EQ(r.counts.complete, 1u);
    EXPECT_EQ(r.counts.downloaded, 1u);
    r = announce(s, params(hash(1), v6(1, 1), 0, Event::completed));
    EXPECT_EQ(r.counts.downloaded, 1u);  // counted once
    r = announce(s, params(hash(1), v6(2, 1), 5));
    ASSERT_EQ(r.peers.size(), 1u);
    EXPECT_EQ(r.peers[0].endpoint, v6(1, 1));
    EXPECT_EQ(s.totals().seeders, 1u);
    (void)announce(s, params(hash(1), v6(1, 1), 0, Event::stopped));
    EXPECT_EQ(s.totals().seeders, 0u);
    EXPECT_EQ(s.peer_count(), 1u);
    r = announce(s, params(hash(1), v6(1, 1), 0, Event::completed));
    EXPECT_EQ(r.counts.downloaded, 2u);  // a new record after stopped: its download counts
}

AnnounceParams dictionary(AnnounceParams p, bool want_ids = true) {
    p.keep_peer_id = true;
    p.want_peer_ids = want_ids;
    return p;
}

TEST(MemorySwarm, PeerIdsKeptOnlyForDictionaryAnnouncers) {
    MemorySwarmStore s({.peer_timeout = 100});
    (void)announce(s, dictionary(params(hash(1), v4(1, 1), 1)), 1000);
    (void)announce(s, params(hash(1), v4(2, 1), 1), 1000);  // compact: no peer_id kept
    (void)announce(s, dictionary(params(hash(1), v6(3, 1), 1)), 1000);
    auto r = announce(s, dictionary(params(hash(1), v4(4, 1), 1)), 1000);
    EXPECT_EQ(s.peer_ids_kept(), 3u);
    ASSERT_EQ(r.peers.size(), 3u);
    for (const auto& p : r.peers) {
        if (p.endpoint == v4(2, 1)) {
            EXPECT_FALSE(p.peer_id);
        } else {
            ASSERT_TRUE(p.peer_id) << p.endpoint.address_text();
            EXPECT_EQ(*p.peer_id, hash(0xee, 1));
        }
    }
    // Not asked for (compact, or no_peer_id): none handed out.
    for (const auto& p : announce(s, params(hash(1), v4(5, 1), 1), 1000).peers) EXPECT_FALSE(p.peer_id);
    for (const auto& p : announce(s, dictionary(params(hash(1), v4(6, 1), 1), false), 1000).peers)
        EXPECT_FALSE(p.peer_id);
    EXPECT_EQ(s.peer_ids_kept(), 4u);  // v4(6, 1) asked compact=0 with no_peer_id: its own is kept
    // A dictionary announcer that turns compact, stops, or expires leaves no peer_id behind.
    (void)announce(s, params(hash(1), v4(1, 1), 1), 1000);
    (void)announce(s, params(hash(1), v6(3, 1), 1, Event::stopped), 1000);
    (void)announce(s, params(hash(1), v6(3, 1), 1), 1000);
    EXPECT_EQ(s.peer_ids_kept(), 2u);
    (void)announce(s, dictionary(params(hash(1), v4(4, 1), 1)), 1050);
    EXPECT_EQ(s.expire(1101), 5u);  // all but v4(4, 1)
    EXPECT_EQ(s.peer_ids_kept(), 1u);
    r = announce(s, dictionary(params(hash(1), v4(7, 1), 1)), 1150);
    ASSERT_EQ(r.peers.size(), 1u);
    EXPECT_EQ(r.peers[0].endpoint, v4(4, 1));
    EXPECT_TRUE(r.peers[0].peer_id);
    EXPECT_EQ(s.expire(1300), 2u);
    EXPECT_EQ(s.peer_ids_kept(), 0u);
    EXPECT_EQ(s.totals().torrents, 0u);
}

TEST(MemorySwarm, ChangedPortIsANewIdentity) {
    // Identity is (address, port): the same client on a new port is a second record until the
    // old one expires or is stopped; its peer_id does not carry it over.
    MemorySwarmStore s({.peer_timeout = 100});
    auto old_port = params(hash(1), v4(1, 6881), 0, Event::completed);
    auto new_port = params(hash(1), v4(1, 6882), 0, Event::completed);
    new_port.peer_id = old_port.peer_id;
    (void)announce(s, old_port, 1000);
    auto r = announce(s, new_port, 1050);
    EXPECT_EQ(r.counts.complete, 2u);
    EXPECT_EQ(r.counts.downloaded, 2u);
    EXPECT_EQ(s.expire(1101), 1u);
    r = announce(s, params(hash(1), v4(2, 1), 5), 1101);
    ASSERT_EQ(r.peers.size(), 1u);
    EXPECT_EQ(r.peers[0].endpoint, v4(1, 6882));
    // A changed address likewise; stopping one record leaves the other.
    (void)announce(s, params(hash(1), v4(9, 6882), 0), 1101);
    (void)announce(s, params(hash(1), v4(1, 6882), 0, Event::stopped), 1101);
    EXPECT_EQ(s.scrape(hash(1))->complete, 1u);
}

TEST(MemorySwarm, PeerAndTorrentLimitsBothSides) {
    MemorySwarmStore s({.max_peers = 3, .max_torrents = 2});
    EXPECT_EQ(announce(s, params(hash(1), v4(1, 1), 1)).status, AnnounceStatus::ok);
    EXPECT_EQ(announce(s, params(hash(2), v4(1, 1), 1)).status, AnnounceStatus::ok);
    EXPECT_EQ(announce(s, params(hash(3), v4(1, 1), 1)).status, AnnounceStatus::torrent_limit);
    EXPECT_EQ(announce(s, params(hash(1), v4(2, 1), 1)).status, AnnounceStatus::ok);
    EXPECT_EQ(announce(s, params(hash(1), v4(3, 1), 1)).status, AnnounceStatus::peer_limit);
    // A known peer may still re-announce at the limit.
    EXPECT_EQ(announce(s, params(hash(1), v4(2, 1), 1)).status, AnnounceStatus::ok);
    EXPECT_EQ(s.peer_count(), 3u);
    EXPECT_EQ(s.totals().torrents, 2u);
}

TEST(MemorySwarm, TotalsMatchTheSwarmsAfterChurn) {
    MemorySwarmStore s({.peer_timeout = 50});
    std::mt19937 rng(7);
    std::uint64_t completed = 0;
    for (int i = 0; i < 5000; ++i) {
        const std::uint32_t now = 1000 + static_cast<std::uint32_t>(i / 50);
        auto ih = hash(1, rng() % 40);
        auto peer = v4(static_cast<std::uint8_t>(rng() % 30), static_cast<std::uint16_t>(1 + rng() % 3));
        Event ev = std::array{Event::none, Event::started, Event::completed, Event::stopped}[rng() % 4];
        auto before = s.scrape(ih);
        auto r = announce(s, params(ih, peer, rng() % 3 == 0 ? 0 : 5, ev), now);
        if (before || ev != Event::stopped) {
            if (r.counts.downloaded > (before ? before->downloaded : 0)) ++completed;
        }
        if (i % 700 == 0) (void)s.expire(now);
    }
    (void)s.expire(1080);
    StoreTotals walked;
    for (std::uint32_t i = 0; i < 40; ++i) {
        if (auto c = s.scrape(hash(1, i))) {
            ++walked.torrents;
            walked.seeders += c->complete;
            walked.leechers += c->incomplete;
        }
    }
    auto t = s.totals();
    EXPECT_EQ(t.torrents, walked.torrents);
    EXPECT_EQ(t.seeders, walked.seeders);
    EXPECT_EQ(t.leechers, walked.leechers);
    EXPECT_EQ(t.downloaded, completed);
    EXPECT_EQ(t.seeders + t.leechers, s.peer_count());
}

TEST(MemorySwarm, ConcurrentAnnouncesKeepCountsConsistent) {
    MemorySwarmStore s;
    constexpr int kThreads = 4, kPerThread = 2000;
    std::vector<std::thread> ts;
    for (int t = 0; t < kThreads; ++t) {
        ts.emplace_back([&s, t] {
            SwarmCounts c;
            std::vector<PeerOut> out;
            for (int i = 0; i < kPerThread; ++i) {
                out.clear();
                auto p =
                    params(hash(static_cast<std::uint8_t>(i % 16)),
                           v4(static_cast<std::uint8_t>(i % 200), 1000, static_cast<std::uint8_t>(t * 50 + i / 200)),
                           i % 3 == 0 ? 0 : 1);
                (void)s.announce(p, 100, c, out);
            }
        });
    }
    for (auto& th : ts) th.join();
    auto t = s.totals();
    EXPECT_EQ(t.torrents, 16u);
    EXPECT_EQ(t.seeders + t.leechers, s.peer_count());
    EXPECT_EQ(s.peer_count(), std::size_t(kThreads * kPerThread));
}

}  // namespace
}  // namespace tracker
