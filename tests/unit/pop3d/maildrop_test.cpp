// The maildrop of a session on real files: the lock, numbering fixed at login, deletion marks
// carried out only by update(), and transfers in network form (dot-stuffed, CRLF, TOP) that
// mark a retrieved message seen without changing its unique id.
#include "pop3d/maildrop.hpp"

#include <gtest/gtest.h>

#include <filesystem>

#include "temp_dir.hpp"

namespace pop3d {
namespace {

using suite::test::TempDir;

struct Drop : ::testing::Test {
    TempDir tmp{"pop3d-maildrop"};
    mail::Maildir dir{tmp.path("bob")};
    void SetUp() override {
        ASSERT_FALSE(dir.create());
        tmp.write("bob/new/1700000002.B.host", "Subject: two\n\nsecond\n");
        tmp.write("bob/new/1700000001.A.host", "Subject: one\n\n.leading dot\nbody\n");
        tmp.write("bob/cur/1700000003.C.host:2,S", "Subject: three\n\nthird\n");
    }
    Maildrop open() {
        OpenFailure why{};
        std::error_code ec;
        auto d = Maildrop::open(dir, why, ec);
        EXPECT_TRUE(d) << ec.message();
        return std::move(*d);
    }
    static std::string transfer(const mail::Maildir& dir, mail::Message& m, Transfer& t) {
        std::string out;
        for (int i = 0; i < 1000 && !t.done; ++i) EXPECT_FALSE(read_step(dir, m, t, out));
        return out;
    }
};

TEST_F(Drop, NumbersFollowDeliveryTimeAndStayFixed) {
    auto d = open();
    ASSERT_EQ(d.size(), 3u);
    EXPECT_EQ(d.get(1)->name, "1700000001.A.host");
    EXPECT_EQ(d.get(3)->uid, "1700000003.C.host");
    EXPECT_EQ(d.get(0), nullptr);
    EXPECT_EQ(d.get(4), nullptr);
    EXPECT_EQ(d.live_octets(), d.get(1)->crlf_size + d.get(2)->crlf_size + d.get(3)->crlf_size);
    EXPECT_EQ(d.get(2)->crlf_size, std::string("Subject: two\r\n\r\nsecond\r\n").size());
    tmp.write("bob/new/1600000000.Z.host", "Subject: late\n\n");  // arrives during the session
    EXPECT_EQ(d.size(), 3u);
    EXPECT_EQ(d.get(1)->name, "1700000001.A.host");
}

TEST_F(Drop, TheLockExcludesASecondSessionUntilReleased) {
    {
        auto d = open();
        OpenFailure why{};
        std::error_code ec;
        EXPECT_FALSE(Maildrop::open(dir, why, ec));
        EXPECT_EQ(why, OpenFailure::in_use);
        EXPECT_FALSE(ec);
    }
    auto again = open();
    EXPECT_EQ(again.size(), 3u);
}

TEST_F(Drop, DeletionsHappenOnlyInUpdate) {
    auto d = open();
    const auto two = d.get(2)->crlf_size;
    EXPECT_TRUE(d.erase(2));
    EXPECT_FALSE(d.erase(2));
    EXPECT_FALSE(d.erase(9));
    EXPECT_EQ(d.get(2), nullptr);
    EXPECT_EQ(d.live_count(), 2u);
    EXPECT_EQ(d.deleted_count(), 1u);
    d.reset();
    EXPECT_EQ(d.live_count(), 3u);
    EXPECT_TRUE(d.erase(2));
    EXPECT_TRUE(d.erase(3));
    EXPECT_EQ(d.live_octets(), d.get(1)->crlf_size);
    EXPECT_TRUE(std::filesystem::exists(tmp.path("bob/new/1700000002.B.host")));
    (void)two;
    // One of them removed by someone else meanwhile: still a success.
    std::filesystem::remove(tmp.path("bob/cur/1700000003.C.host:2,S"));
    EXPECT_EQ(d.update(), 0u);
    EXPECT_FALSE(std::filesystem::exists(tmp.path("bob/new/1700000002.B.host")));
    EXPECT_TRUE(std::filesystem::exists(tmp.path("bob/new/1700000001.A.host")));
}

TEST_F(Drop, RetrIsNetworkFormAndMarksSeen) {
    auto d = open();
    mail::Message& m = *d.get(1);
    Transfer t;
    t.mark_seen = true;
    EXPECT_EQ(transfer(d.dir(), m, t), "Subject: one\r\n\r\n..leading dot\r\nbody\r\n.\r\n");
    EXPECT_EQ(m.folder, mail::Folder::cur);
    EXPECT_EQ(m.name, "1700000001.A.host:2,S");
    EXPECT_TRUE(std::filesystem::exists(tmp.path("bob/cur/1700000001.A.host:2,S")));
    EXPECT_EQ(m.uid, "1700000001.A.host");
    // The next session sees the same id.
    auto listed = dir.list();
    ASSERT_TRUE(listed);
    EXPECT_EQ(listed.value[0].uid, "1700000001.A.host");
}

TEST_F(Drop, TopSendsTheHeaderAndNLinesWithoutMarking) {
    auto d = open();
    mail::Message& m = *d.get(1);
    Transfer zero(0);
    EXPECT_EQ(transfer(d.dir(), m, zero), "Subject: one\r\n\r\n.\r\n");
    Transfer one(1);
    EXPECT_EQ(transfer(d.dir(), m, one), "Subject: one\r\n\r\n..leading dot\r\n.\r\n");
    EXPECT_EQ(m.folder, mail::Folder::new_);
}

TEST_F(Drop, BigMessagesGoInChunksByteExact) {
    std::string big = "Subject: big\n\n";
    for (int i = 0; big.size() < 3 * kReadChunk + 17; ++i)
        big += (i % 7 == 0 ? "." : "") + std::to_string(i) + " line\n";
    big += "no newline at the end";
    tmp.write("bob/new/1800000000.D.host", big);
    auto d = open();
    mail::Message& m = *d.get(4);
    Transfer t;
    std::string out;
    int steps = 0;
    while (!t.done && steps < 100) {
        ASSERT_FALSE(read_step(d.dir(), m, t, out));
        ++steps;
    }
    EXPECT_GE(steps, 4);
    EXPECT_EQ(out, mail::to_network(big));
}

TEST_F(Drop, AMessageGoneBeforeRetrIsReported) {
    auto d = open();
    mail::Message& m = *d.get(2);
    std::filesystem::remove(tmp.path("bob/new/1700000002.B.host"));
    Transfer t;
    std::string out;
    EXPECT_TRUE(mail::is_gone(read_step(d.dir(), m, t, out)));
    EXPECT_TRUE(out.empty());
}

}  // namespace
}  // namespace pop3d
