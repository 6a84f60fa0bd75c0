#include "mail/delivery.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>

#include "temp_dir.hpp"

namespace mail {
namespace {

namespace fs = std::filesystem;
using suite::test::TempDir;

std::size_t count_files(const std::string& dir) {
    std::size_t n = 0;
    for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir)) ++n;
    return n;
}

ino_t inode_of(const std::string& p) {
    struct stat st {};
    ::stat(p.c_str(), &st);
    return st.st_ino;
}

// Delivers `chunks` (network form) into `md`; returns the committed name.
std::string deliver(const Maildir& md, std::initializer_list<std::string_view> chunks) {
    Delivery d;
    EXPECT_FALSE(d.begin(md));
    for (auto c : chunks) EXPECT_FALSE(d.write(c));
    auto r = d.commit();
    EXPECT_FALSE(r.error) << r.error.message();
    return r.value;
}

class DeliveryTest : public ::testing::Test {
protected:
    TempDir dir{"delivery-test"};
    Maildir md{dir.path("users/bob")};
    [[nodiscard]] std::string stored(const std::string& name) const { return dir.read("users/bob/new/" + name); }
};

TEST_F(DeliveryTest, CommitStoresLfFormUnderItsFinalName) {
    const std::string name = deliver(md, {"Subject: hi\r\n\r\nline one\r\n", "line two\r\n"});
    EXPECT_EQ(stored(name), "Subject: hi\n\nline one\nline two\n");
    const auto parts = parse_name(name);
    EXPECT_EQ(parts.size, 31u);
    EXPECT_EQ(parts.crlf_size, 35u);
    EXPECT_EQ(count_files(md.path() + "/tmp"), 0u);
    auto listed = md.list();
    ASSERT_EQ(listed.value.size(), 1u);
    EXPECT_EQ(listed.value[0].size, 31u);
    EXPECT_EQ(listed.value[0].crlf_size, 35u);  // the size of the text as it arrived
}

TEST_F(DeliveryTest, CreatesTheMaildirOnFirstDelivery) {
    EXPECT_FALSE(fs::exists(md.path()));
    deliver(md, {"x\r\n"});
    EXPECT_TRUE(fs::is_directory(md.path() + "/cur"));
}

TEST_F(DeliveryTest, EverySplitPointStoresTheSameFile) {
    const std::string text = "A: 1\r\n\r\nb\rc\nd\r\n\r\n.e\r";
    const std::string expected = "A: 1\n\nb\rc\nd\n\n.e\r";
    for (std::size_t split = 0; split <= text.size(); ++split) {
        Delivery d;
        ASSERT_FALSE(d.begin(md));
        ASSERT_FALSE(d.write(std::string_view(text).substr(0, split)));
        ASSERT_FALSE(d.write(std::string_view(text).substr(split)));
        auto r = d.commit();
        ASSERT_FALSE(r.error);
        ASSERT_EQ(stored(r.value), expected) << split;
        ASSERT_EQ(parse_name(r.value).size, expected.size());
        ASSERT_EQ(parse_name(r.value).crlf_size, expected.size() + 5) << "LFs become CRLF on the way out";
    }
}

TEST_F(DeliveryTest, UncommittedDeliveryLeavesNothing) {
    {
        Delivery d;
        ASSERT_FALSE(d.begin(md));
        ASSERT_FALSE(d.write("partial\r\n"));
        EXPECT_TRUE(fs::exists(d.tmp_path()));
    }
    EXPECT_EQ(count_files(md.path() + "/tmp"), 0u);
    Delivery d;
    ASSERT_FALSE(d.begin(md));
    EXPECT_EQ(d.begin(md), std::errc::device_or_resource_busy);
    d.abort();
    EXPECT_FALSE(d.active());
    EXPECT_EQ(count_files(md.path() + "/tmp"), 0u);
    EXPECT_EQ(count_files(md.path() + "/new"), 0u);
    EXPECT_EQ(d.commit().error, std::errc::bad_file_descriptor);
}

TEST_F(DeliveryTest, MovedDeliveryKeepsItsFile) {
    Delivery a;
    ASSERT_FALSE(a.begin(md));
    ASSERT_FALSE(a.write("moved\r\n"));
    Delivery b = std::move(a);
    EXPECT_FALSE(a.active());
    auto r = b.commit();
    ASSERT_FALSE(r.error);
    EXPECT_EQ(stored(r.value), "moved\n");
}

TEST_F(DeliveryTest, LargeMessageIsWrittenIncrementally) {
    const std::string line(998, 'x');
    Delivery d;
    ASSERT_FALSE(d.begin(md));
    std::uint64_t sent = 0;
    for (int i = 0; i < 10 * 1024; ++i) {  // 10 MB in 1000-byte network lines
        ASSERT_FALSE(d.write(line + "\r\n"));
        sent += line.size() + 2;
    }
    EXPECT_EQ(d.crlf_size(), sent);
    EXPECT_EQ(d.size(), sent - 10 * 1024);
    auto r = d.commit();
    ASSERT_FALSE(r.error);
    EXPECT_EQ(fs::file_size(md.path() + "/new/" + r.value), sent - 10 * 1024);
}

TEST_F(DeliveryTest, BrokenMaildirFailsBegin) {
    dir.write("users/bob/tmp", "a file where tmp/ should be");
    Delivery d;
    EXPECT_EQ(d.begin(md), std::errc::not_a_directory);
    EXPECT_FALSE(d.active());
}

TEST_F(DeliveryTest, CopiesLinkWithoutPrefixAndCopyWithOne) {
    const std::string src = dir.write("queue/msg", "Subject: q\n\nbody\n");
    const Target targets[] = {
        {Maildir(dir.path("users/alice")), ""},
        {Maildir(dir.path("users/bob")), "Return-Path: <a@x>\r\nDelivered-To: bob@y\r\n"},
        {Maildir(dir.path("users/carol")), ""},
    };
    auto results = deliver_copies({.path = src}, targets);
    ASSERT_EQ(results.size(), 3u);
    for (const auto& r : results) ASSERT_FALSE(r.error) << r.error.message();
    const std::string alice = dir.path("users/alice/new/" + results[0].value);
    EXPECT_EQ(inode_of(alice), inode_of(src));  // a hard link
    EXPECT_EQ(dir.read("users/carol/new/" + results[2].value), "Subject: q\n\nbody\n");
    EXPECT_EQ(stored(results[1].value), "Return-Path: <a@x>\nDelivered-To: bob@y\nSubject: q\n\nbody\n");
    EXPECT_NE(inode_of(dir.path("users/bob/new/" + results[1].value)), inode_of(src));
    EXPECT_EQ(parse_name(results[0].value).crlf_size, 20u);
    EXPECT_EQ(parse_name(results[1].value).size, 56u);
    EXPECT_EQ(parse_name(results[1].value).crlf_size, 61u);
}

TEST_F(DeliveryTest, CopiesOfARegionAfterAnEnvelope) {
    const std::string envelope = "MAIL FROM:<a@x>\nRCPT TO:<bob@y>\n";
    const std::string src = dir.write("queue/msg", envelope + "Subject: q\n\nbody\n");
    const Target targets[] = {{md, ""}};
    auto r = deliver_copies({.path = src, .offset = envelope.size()}, targets);
    ASSERT_FALSE(r[0].error);
    EXPECT_EQ(stored(r[0].value), "Subject: q\n\nbody\n");
    auto part = deliver_copies({.path = src, .offset = envelope.size(), .length = 11}, targets);
    ASSERT_FALSE(part[0].error);
    EXPECT_EQ(stored(part[0].value), "Subject: q\n");
    auto past = deliver_copies({.path = src, .offset = envelope.size(), .length = 1000}, targets);
    EXPECT_EQ(past[0].error, std::errc::io_error);
    EXPECT_EQ(count_files(md.path() + "/tmp"), 0u);
}

TEST_F(DeliveryTest, CopiesAcrossFilesystemsFallBackToCopying) {
    if (!fs::is_directory("/dev/shm")) GTEST_SKIP() << "no /dev/shm";
    std::string shm = "/dev/shm/delivery-test-XXXXXX";
    ASSERT_TRUE(::mkdtemp(shm.data()));
    const std::string src = dir.write("queue/msg", "x\n");
    const Target targets[] = {{Maildir(shm + "/bob"), ""}};
    auto r = deliver_copies({.path = src}, targets);
    ASSERT_FALSE(r[0].error) << r[0].error.message();
    std::ifstream in(shm + "/bob/new/" + r[0].value);
    EXPECT_EQ(std::string(std::istreambuf_iterator<char>(in), {}), "x\n");
    fs::remove_all(shm);
}

TEST_F(DeliveryTest, MissingSourceFailsEveryTarget) {
    const Target targets[] = {{md, ""}, {md, "X: y\r\n"}};
    auto r = deliver_copies({.path = dir.path("queue/none")}, targets);
    ASSERT_EQ(r.size(), 2u);
    EXPECT_EQ(r[0].error, std::errc::no_such_file_or_directory);
    EXPECT_EQ(r[1].error, std::errc::no_such_file_or_directory);
}

}  // namespace
}  // namespace mail
