#include "mail/maildir.hpp"

#include <fcntl.h>
#include <sys/stat.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <set>

#include "temp_dir.hpp"

namespace mail {
namespace {

namespace fs = std::filesystem;
using suite::test::TempDir;

const std::string kOurs = "1700000000.M1P2Q3R0011223344556677.host,S=12,W=14";

std::string read_fd(int fd) {
    std::string out;
    char buf[256];
    for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;) out.append(buf, static_cast<std::size_t>(n));
    return out;
}

bool all_of(std::string_view s, const char* set) {
    return !s.empty() && s.find_first_not_of(set) == std::string_view::npos;
}

// "<sec>.M<usec>P<pid>Q<n>R<16 hex>.<host>", the host without "/", ":" or ",".
bool unique_form(const std::string& n) {
    const char* digits = "0123456789";
    const auto m = n.find(".M"), p = n.find('P'), q = n.find('Q'), r = n.find('R'), dot = n.find('.', m + 1);
    if (m == std::string::npos || p == std::string::npos || q == std::string::npos || r == std::string::npos ||
        dot == std::string::npos || !(m < p && p < q && q < r && r < dot))
        return false;
    const std::string_view v(n);
    return all_of(v.substr(0, m), digits) && all_of(v.substr(m + 2, p - m - 2), digits) &&
           all_of(v.substr(p + 1, q - p - 1), digits) && all_of(v.substr(q + 1, r - q - 1), digits) &&
           dot - r - 1 == 16 && all_of(v.substr(r + 1, 16), "0123456789abcdef") && dot + 1 < n.size() &&
           n.find_first_of("/:,", dot) == std::string::npos;
}

mode_t mode_of(const std::string& p) {
    struct stat st {};
    ::stat(p.c_str(), &st);
    return st.st_mode & 07777;
}

class MaildirTest : public ::testing::Test {
protected:
    TempDir dir{"mail-test"};
    Maildir md{dir.path("Maildir")};
    void SetUp() override { ASSERT_FALSE(md.create()); }
    std::string put(const std::string& folder, const std::string& name, const std::string& data) {
        return dir.write("Maildir/" + folder + "/" + name, data);
    }
    std::vector<Message> listed() {
        auto r = md.list();
        EXPECT_FALSE(r.error) << r.error.message();
        return r.value;
    }
};

TEST(MaildirName, Parts) {
    const std::string name = kOurs + ":2,FS,xyz";  // the parts are views into it
    auto p = parse_name(name);
    EXPECT_EQ(p.base, kOurs);
    EXPECT_EQ(p.flags, "FS");
    EXPECT_EQ(p.info_extensions, ",xyz");
    EXPECT_EQ(p.size, 12u);
    EXPECT_EQ(p.crlf_size, 14u);
    EXPECT_EQ(p.time, 1700000000);

    auto postfix = parse_name("1700000001.V803I1234M567890.mx.example");
    EXPECT_EQ(postfix.base, "1700000001.V803I1234M567890.mx.example");
    EXPECT_EQ(postfix.flags, "");
    EXPECT_FALSE(postfix.size);
    EXPECT_FALSE(postfix.crlf_size);
    EXPECT_EQ(postfix.time, 1700000001);

    auto odd = parse_name("notime:1,experimental");
    EXPECT_EQ(odd.base, "notime");
    EXPECT_EQ(odd.flags, "");
    EXPECT_FALSE(odd.time);
    EXPECT_FALSE(parse_name("1.x,S=99999999999999999999").size);  // too many digits
}

TEST(MaildirName, UidIsTheBaseWithoutExtensionsOrItsHash) {
    EXPECT_EQ(message_uid(kOurs), "1700000000.M1P2Q3R0011223344556677.host");
    EXPECT_EQ(message_uid(kOurs + ":2,S"), message_uid(kOurs));  // unchanged by flags
    EXPECT_EQ(message_uid("1700000000.M1P2Q3R0011223344556677.host,S=13,W=15"), message_uid(kOurs));

    const std::string at70(70, 'a'), at71(71, 'a');
    EXPECT_EQ(message_uid(at70), at70);
    const std::string hashed = message_uid(at71);
    EXPECT_EQ(hashed.size(), 64u);
    EXPECT_TRUE(all_of(hashed, "0123456789abcdef"));
    EXPECT_EQ(message_uid(at71 + ":2,S"), hashed);
    EXPECT_EQ(message_uid("caf\xc3\xa9.1").size(), 64u);  // outside 0x21-0x7E
    EXPECT_EQ(message_uid("has space").size(), 64u);
}

TEST(MaildirName, UniqueNamesFollowTheSpec) {
    std::set<std::string> seen;
    for (int i = 0; i < 1000; ++i) {
        auto n = unique_name();
        ASSERT_TRUE(unique_form(n)) << n;
        ASSERT_TRUE(seen.insert(n).second) << n;
        ASSERT_LE(message_uid(n).size(), 70u);
    }
}

TEST(UserMaildir, StaysUnderTheRoot) {
    EXPECT_EQ(user_maildir("/var/mail", "bob")->path(), "/var/mail/bob");
    EXPECT_EQ(user_maildir("/var/mail", "bob@hamburger.edu")->path(), "/var/mail/bob@hamburger.edu");
    for (const char* bad : {"", ".", "..", "../etc", "a/b", "/abs", "tab\t"})
        EXPECT_FALSE(user_maildir("/var/mail", bad)) << bad;
}

TEST(CrlfSize, CountsBareLineFeedsTwice) {
    TempDir dir;
    File f(::open(dir.write("m", "a\nb\r\nc\n").c_str(), O_RDONLY));
    auto all = crlf_size(f.get(), 0, 7);
    EXPECT_FALSE(all.error);
    EXPECT_EQ(all.value, 9u);
    EXPECT_EQ(crlf_size(f.get(), 2, 3).value, 3u);  // "b\r\n"
    EXPECT_EQ(crlf_size(f.get(), 0, 8).error, std::errc::io_error);
}

TEST_F(MaildirTest, CreateMakesPrivateFoldersAndParents) {
    for (const char* sub : {"tmp", "new", "cur"}) {
        EXPECT_TRUE(fs::is_directory(md.path() + "/" + sub));
        EXPECT_EQ(mode_of(md.path() + "/" + sub), 0700u);
    }
    EXPECT_FALSE(md.create());  // idempotent
    Maildir deep(dir.path("a/b/c"));
    EXPECT_FALSE(deep.create());
    EXPECT_TRUE(fs::is_directory(dir.path("a/b/c/cur")));
    EXPECT_EQ(mode_of(dir.path("a/b")), 0700u);
    dir.write("file", "x");
    EXPECT_EQ(Maildir(dir.path("file")).create(), std::errc::not_a_directory);
}

TEST_F(MaildirTest, ListsNewAndCurSortedAndSkipsWhatIsNotAMessage) {
    put("new", "1700000002.M5P1Q1Rff.host,S=3,W=4", "ab\n");
    put("cur", "1700000001.M9P1Q1Rff.host,S=5,W=6:2,RS", "abcd\n");
    put("new", "1700000001.M1P1Q1Rff.host,S=1,W=2", "\n");
    put("new", "1700000003.V1I2M3.postfix", "one\ntwo\r\n");  // no S= or W=: stat and read
    put("new", ".hidden", "x");
    put("new", "bad\x01name", "x");
    fs::create_directory(md.path() + "/new/1700000004.subdir");
    fs::create_symlink(md.path() + "/new/.hidden", md.path() + "/new/1700000005.link");
    const auto msgs = listed();
    ASSERT_EQ(msgs.size(), 4u);
    EXPECT_EQ(msgs[0].name, "1700000001.M1P1Q1Rff.host,S=1,W=2");
    EXPECT_EQ(msgs[1].name, "1700000001.M9P1Q1Rff.host,S=5,W=6:2,RS");
    EXPECT_EQ(msgs[1].folder, Folder::cur);
    EXPECT_EQ(msgs[1].flags, "RS");
    EXPECT_TRUE(msgs[1].seen());
    EXPECT_EQ(msgs[1].uid, "1700000001.M9P1Q1Rff.host");
    EXPECT_EQ(msgs[2].size, 3u);
    EXPECT_EQ(msgs[2].crlf_size, 4u);
    EXPECT_EQ(msgs[3].name, "1700000003.V1I2M3.postfix");
    EXPECT_EQ(msgs[3].size, 9u);
    EXPECT_EQ(msgs[3].crlf_size, 10u);
    EXPECT_EQ(msgs[3].time, 1700000003);
    EXPECT_FALSE(msgs[3].seen());
}

TEST_F(MaildirTest, NameWithoutTimeUsesTheMtime) {
    const std::string p = put("cur", "weird-name:2,", "x\n");
    struct timespec ts[2] = {{1600000000, 0}, {1600000000, 0}};
    ::utimensat(AT_FDCWD, p.c_str(), ts, 0);
    const auto msgs = listed();
    ASSERT_EQ(msgs.size(), 1u);
    EXPECT_EQ(msgs[0].time, 1600000000);
    EXPECT_EQ(msgs[0].uid, "weird-name");
}

TEST_F(MaildirTest, AMessageInBothFoldersIsListedOnce) {
    put("new", kOurs, "hello world\n");
    put("cur", kOurs + ":2,S", "hello world\n");
    const auto msgs = listed();
    ASSERT_EQ(msgs.size(), 1u);
    EXPECT_EQ(msgs[0].folder, Folder::cur);
}

TEST_F(MaildirTest, MissingMaildirIsAnError) {
    EXPECT_EQ(Maildir(dir.path("nobody")).list().error, std::errc::no_such_file_or_directory);
}

TEST_F(MaildirTest, OpenReadsAndFollowsAMoveByAnotherReader) {
    put("new", kOurs, "hello world\n");
    auto msgs = listed();
    ASSERT_EQ(msgs.size(), 1u);
    auto f = md.open(msgs[0]);
    ASSERT_FALSE(f.error);
    EXPECT_EQ(read_fd(f.value.get()), "hello world\n");
    // mutt moves it to cur/ with a flag while we hold the listing.
    fs::rename(md.path() + "/new/" + kOurs, md.path() + "/cur/" + kOurs + ":2,F");
    auto moved = md.open(msgs[0]);
    ASSERT_FALSE(moved.error) << moved.error.message();
    EXPECT_EQ(msgs[0].folder, Folder::cur);
    EXPECT_EQ(msgs[0].name, kOurs + ":2,F");
    EXPECT_EQ(msgs[0].flags, "F");
    fs::remove(md.path() + "/cur/" + kOurs + ":2,F");
    auto gone = md.open(msgs[0]);
    EXPECT_TRUE(is_gone(gone.error));
}

TEST_F(MaildirTest, MarkSeenMovesToCurAndKeepsFlagsSorted) {
    put("new", kOurs, "x\n");
    auto m = listed().at(0);
    const std::string uid = m.uid;
    auto r = md.mark_seen(m);
    ASSERT_FALSE(r.error);
    EXPECT_EQ(r.value, kOurs + ":2,S");
    EXPECT_EQ(m.folder, Folder::cur);
    EXPECT_TRUE(fs::exists(md.path() + "/cur/" + kOurs + ":2,S"));
    EXPECT_FALSE(fs::exists(md.path() + "/new/" + kOurs));
    EXPECT_EQ(md.mark_seen(m).value, kOurs + ":2,S");  // already seen: unchanged
    EXPECT_EQ(listed().at(0).uid, uid);

    const std::string other = "1700000009.M1P1Q1R00.host";
    put("cur", other + ":2,TF,ext", "y\n");
    auto o = listed().at(1);
    EXPECT_EQ(md.mark_seen(o).value, other + ":2,FST,ext");
    EXPECT_EQ(o.flags, "FST");
}

TEST_F(MaildirTest, MarkSeenFollowsAFlagChangeByAnotherReader) {
    put("new", kOurs, "x\n");
    auto m = listed().at(0);
    fs::rename(md.path() + "/new/" + kOurs, md.path() + "/cur/" + kOurs + ":2,T");
    auto r = md.mark_seen(m);
    ASSERT_FALSE(r.error) << r.error.message();
    EXPECT_EQ(r.value, kOurs + ":2,ST");
    fs::remove(md.path() + "/cur/" + kOurs + ":2,ST");
    m = Message{.folder = Folder::new_, .name = kOurs};
    EXPECT_TRUE(is_gone(md.mark_seen(m).error));
}

TEST_F(MaildirTest, RemoveDeletesAndReportsGone) {
    put("new", kOurs, "x\n");
    auto m = listed().at(0);
    EXPECT_FALSE(md.remove(m));
    EXPECT_TRUE(listed().empty());
    EXPECT_TRUE(is_gone(md.remove(m)));
    put("cur", kOurs + ":2,S", "x\n");  // renamed since the listing: still found
    auto n = Message{.folder = Folder::new_, .name = kOurs};
    EXPECT_FALSE(md.remove(n));
    EXPECT_TRUE(listed().empty());
}

}  // namespace
}  // namespace mail
