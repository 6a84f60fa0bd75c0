#include "tracker/udp_protocol.hpp"

#include <gtest/gtest.h>

#include "test_util.hpp"

namespace tracker::udp {
namespace {

struct Builder {
    std::vector<std::uint8_t> b;
    Builder& u16(std::uint16_t v) {
        b.push_back(static_cast<std::uint8_t>(v >> 8));
        b.push_back(static_cast<std::uint8_t>(v));
        return *this;
    }
    Builder& u32(std::uint32_t v) {
        for (int s = 24; s >= 0; s -= 8) b.push_back(static_cast<std::uint8_t>(v >> s));
        return *this;
    }
    Builder& u64(std::uint64_t v) {
        return u32(static_cast<std::uint32_t>(v >> 32)).u32(static_cast<std::uint32_t>(v));
    }
    Builder& raw(const Hash20& h) {
        b.insert(b.end(), h.begin(), h.end());
        return *this;
    }
};

std::vector<std::uint8_t> connect_packet(std::uint32_t tid) { return Builder{}.u64(kProtocolId).u32(0).u32(tid).b; }

Builder announce_packet(std::uint64_t cid, std::uint32_t tid, std::uint32_t event = 2, std::uint16_t port = 6881,
                        std::int32_t num_want = -1) {
    Builder b;
    b.u64(cid)
        .u32(1)
        .u32(tid)
        .raw(test::hash(0xaa))
        .raw(test::hash(0xbb))
        .u64(10)
        .u64(20)
        .u64(30)
        .u32(event)
        .u32(0)
        .u32(0x1234)
        .u32(static_cast<std::uint32_t>(num_want))
        .u16(port);
    return b;
}

TEST(UdpProtocol, Connect) {
    auto pkt = connect_packet(0xdeadbeef);
    Packet p = parse(pkt);
    EXPECT_EQ(p.kind, Kind::connect);
    EXPECT_EQ(p.transaction_id, 0xdeadbeefu);
    std::uint8_t out[16];
    ASSERT_EQ(write_connect(out, 0xdeadbeef, 0x0102030405060708ULL), 16u);
    EXPECT_EQ(out[3], 0);  // action connect
    EXPECT_EQ(out[4], 0xde);
    EXPECT_EQ(out[8], 0x01);
    EXPECT_EQ(out[15], 0x08);
    EXPECT_EQ(write_connect(std::span(out).first(15), 1, 1), 0u);
}

TEST(UdpProtocol, ConnectLengthsAndMagic) {
    auto pkt = connect_packet(1);
    pkt.push_back(0);
    EXPECT_EQ(parse(pkt).kind, Kind::error);
    auto wrong_magic = Builder{}.u64(kProtocolId + 1).u32(0).u32(1).b;
    EXPECT_EQ(parse(wrong_magic).kind, Kind::drop);
    for (std::size_t n = 0; n < 16; ++n) {
        auto p = connect_packet(1);
        p.resize(n);
        EXPECT_EQ(parse(p).kind, Kind::drop) << n;
    }
}

TEST(UdpProtocol, AnnounceFields) {
    auto b = announce_packet(77, 5, 2, 6881, 30);
    ASSERT_EQ(b.b.size(), kAnnounceSize);
    Packet p = parse(b.b);
    ASSERT_EQ(p.kind, Kind::announce);
    EXPECT_EQ(p.connection_id, 77u);
    EXPECT_EQ(p.announce.info_hash, test::hash(0xaa));
    EXPECT_EQ(p.announce.peer_id, test::hash(0xbb));
    EXPECT_EQ(p.announce.downloaded, 10u);
    EXPECT_EQ(p.announce.left, 20u);
    EXPECT_EQ(p.announce.uploaded, 30u);
    EXPECT_EQ(p.announce.event, Event::started);
    EXPECT_EQ(p.announce.key, 0x1234u);
    EXPECT_EQ(p.announce.num_want, 30);
    EXPECT_EQ(p.announce.port, 6881);
}

TEST(UdpProtocol, AnnounceLengthBothSidesAndBep41Options) {
    auto b = announce_packet(1, 1);
    auto short_one = b.b;
    short_one.pop_back();
    EXPECT_EQ(parse(short_one).kind, Kind::error);
    EXPECT_EQ(parse(short_one).error, "bad announce length");
    auto with_options = b.b;
    with_options.insert(with_options.end(), {0x2, 0x3, '/', 'a', 'b'});  // BEP 41 URL data
    EXPECT_EQ(parse(with_options).kind, Kind::announce);
}

TEST(UdpProtocol, AnnounceBadEventAndPort) {
    EXPECT_EQ(parse(announce_packet(1, 1, 4).b).error, "invalid event");
    EXPECT_EQ(parse(announce_packet(1, 1, 3).b).announce.event, Event::stopped);
    EXPECT_EQ(parse(announce_packet(1, 1, 1).b).announce.event, Event::completed);
    EXPECT_EQ(parse(announce_packet(1, 1, 0).b).announce.event, Event::none);
    EXPECT_EQ(parse(announce_packet(1, 1, 2, 0).b).error, "invalid port");
}

TEST(UdpProtocol, ScrapeLengths) {
    Builder b;
    b.u64(9).u32(2).u32(3);
    EXPECT_EQ(parse(b.b).error, "bad scrape length");
    b.raw(test::hash(1));
    Packet one = parse(b.b);
    ASSERT_EQ(one.kind, Kind::scrape);
    ASSERT_EQ(one.scrape.size(), 1u);
    auto partial = b.b;
    partial.push_back(0);
    EXPECT_EQ(parse(partial).error, "bad scrape length");
    for (std::size_t i = 1; i < kMaxScrapeHashes; ++i) b.raw(test::hash(2));
    EXPECT_EQ(parse(b.b).scrape.size(), kMaxScrapeHashes);
    b.raw(test::hash(3));
    EXPECT_EQ(parse(b.b).error, "too many info_hashes");
}

TEST(UdpProtocol, UnknownAction) {
    auto b = Builder{}.u64(1).u32(9).u32(42).b;
    Packet p = parse(b);
    EXPECT_EQ(p.kind, Kind::error);
    EXPECT_EQ(p.transaction_id, 42u);
    auto err = Builder{}.u64(1).u32(3).u32(42).b;  // a client never sends "error"
    EXPECT_EQ(parse(err).kind, Kind::error);
}

TEST(UdpProtocol, AnnounceReplyOnlyRequesterFamilyAndWholeEntries) {
    std::vector<PeerOut> peers{{test::v4(1, 0x1111), {}}, {test::v6(1, 1), {}}, {test::v4(2, 0x2222), {}}};
    std::uint8_t out[64];
    std::size_t n = write_announce(out, 7, 1800, {2, 3, 0}, peers, false);
    ASSERT_EQ(n, 20u + 12u);
    EXPECT_EQ(out[3], 1);
    EXPECT_EQ(out[11], 0x08);  // 1800 = 0x708
    EXPECT_EQ(out[15], 3);     // leechers
    EXPECT_EQ(out[19], 2);     // seeders
    EXPECT_EQ(out[20], 10);
    EXPECT_EQ(out[24], 0x11);
    std::size_t cut = write_announce(std::span(out).first(20 + 6 + 5), 7, 1800, {}, peers, false);
    EXPECT_EQ(cut, 26u);
    std::size_t n6 = write_announce(out, 7, 1800, {}, peers, true);
    EXPECT_EQ(n6, 20u + 18u);
    EXPECT_EQ(write_announce(std::span(out).first(19), 7, 1, {}, peers, false), 0u);
}

TEST(UdpProtocol, ScrapeAndErrorReplies) {
    std::uint8_t out[64];
    std::vector<SwarmCounts> counts{{1, 2, 3}};
    ASSERT_EQ(write_scrape(out, 4, counts), 20u);
    EXPECT_EQ(out[11], 1);  // seeders
    EXPECT_EQ(out[15], 3);  // completed
    EXPECT_EQ(out[19], 2);  // leechers
    std::size_t n = write_error(out, 4, "bad");
    ASSERT_EQ(n, 11u);
    EXPECT_EQ(out[3], 3);
    EXPECT_EQ(std::string(reinterpret_cast<char*>(out) + 8, 3), "bad");
}

TEST(UdpProtocol, EveryTruncationOfAnAnnounceIsHandled) {
    auto full = announce_packet(1, 1).b;
    for (std::size_t n = 0; n <= full.size(); ++n) {
        std::vector<std::uint8_t> cut(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(n));
        Packet p = parse(cut);
        if (n < 16) EXPECT_EQ(p.kind, Kind::drop) << n;
        else if (n < kAnnounceSize) EXPECT_EQ(p.kind, Kind::error) << n;
        else EXPECT_EQ(p.kind, Kind::announce);
    }
}

}  // namespace
}  // namespace tracker::udp
