#include "tracker/memory_swarm.hpp"

#include <gtest/gtest.h>

#include <array>
#include <random>
#include <set>
#include <thread>

#include "test_util.hpp"

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
