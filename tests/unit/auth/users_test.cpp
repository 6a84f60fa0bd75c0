#include "auth/users.hpp"

#include <gtest/gtest.h>

#include <string>

#include "temp_dir.hpp"

namespace auth {
namespace {

using suite::test::TempDir;

const std::string kYes = "$y$j9T$rFyWFfbS3p4nnbd4rrHAO0$Rx4pTo3gLR65GAFjAucGATddFYj2PiMNZKHYe1cAZs0";  // "hungry"
const std::string kSha512 =
    "$6$eyWwBcMU0cnsazAj$VqyUam2mDfkba81PKDTIxVbEKSnuY8ppZXuJXoKkK7EUj9cP0mdLtBw5M34GYVZB7R4PrimoDrqGU.S0jyLqU1";

UserTable parse(const std::string& text, bool allow_plain = false) {
    return UserTable::parse(text, "users", {.allow_plain = allow_plain});
}

// The UsersError message for `text`, or "" if it loads.
std::string error_of(const std::string& text, LoadOptions opts = {}) {
    try {
        (void)UserTable::parse(text, "users", opts);
    } catch (const UsersError& e) {
        return e.what();
    }
    return "";
}

TEST(Users, EveryLineForm) {
    const auto t = parse(
        "# comment\n"
        "\n"
        "   \t\n"
        "  # indented comment\n"
        "alice:" +
            kYes +
            "\n"
            "bob:" +
            kYes +
            ":/home/bob\r\n"
            "carol:{SHA512-CRYPT}" +
            kSha512 +
            ":/srv/ftp/carol:write=yes quota=10M  readonly\n"
            "dave:{CRYPT}" +
            kYes +
            "::write\n"
            "erin:" +
            kSha512 +
            ":1000:1000:Erin E:/home/erin:/bin/sh\n"
            "frank:" +
            kYes +
            ":1001:1001::/home/frank:/bin/false:write=no\n"
            "Alice:{plain}secret\n",
        true);
    EXPECT_EQ(t.size(), 7u);
    const User* alice = t.find("alice");
    ASSERT_TRUE(alice);
    EXPECT_EQ(alice->hash, kYes);
    EXPECT_EQ(alice->home, "");
    EXPECT_FALSE(alice->plain_secret());
    EXPECT_EQ(t.find("bob")->home, "/home/bob");
    const User* carol = t.find("carol");
    EXPECT_EQ(carol->hash, kSha512);
    EXPECT_EQ(carol->home, "/srv/ftp/carol");
    EXPECT_EQ(carol->option("write"), "yes");
    EXPECT_TRUE(carol->flag("write"));
    EXPECT_EQ(carol->option("quota"), "10M");
    EXPECT_TRUE(carol->flag("readonly"));  // a bare key means yes
    EXPECT_EQ(carol->option("missing"), "");
    EXPECT_FALSE(carol->flag("missing"));
    EXPECT_EQ(t.find("dave")->home, "");
    EXPECT_TRUE(t.find("dave")->flag("write"));
    const User* erin = t.find("erin");
    EXPECT_EQ(erin->home, "/home/erin");  // Dovecot's full form: uid, gid, gecos, shell ignored
    EXPECT_TRUE(erin->options.empty());
    EXPECT_EQ(t.find("frank")->home, "/home/frank");
    EXPECT_FALSE(t.find("frank")->flag("write"));
    // Names are case-sensitive; {PLAIN} (any case) with allow_plain.
    EXPECT_EQ(t.find("Alice")->plain_secret(), "secret");
    EXPECT_EQ(t.find("Alice")->hash, "");
    EXPECT_FALSE(t.find("ALICE"));
    EXPECT_FALSE(t.find(""));
}

TEST(Users, FlagValues) {
    const auto t = parse("u:" + kYes + "::a=YES b=true c=On d=1 e=0 f=no g=\n");
    const User* u = t.find("u");
    for (const char* k : {"a", "b", "c", "d"}) EXPECT_TRUE(u->flag(k)) << k;
    for (const char* k : {"e", "f", "g"}) EXPECT_FALSE(u->flag(k)) << k;
}

TEST(Users, DummyHashFollowsTheTable) {
    EXPECT_EQ(parse("a:{PLAIN}x\nb:" + kSha512 + "\nc:" + kYes + "\n", true).dummy_hash(), kSha512);
    EXPECT_TRUE(parse("").dummy_hash().starts_with("$y$"));
    EXPECT_TRUE(parse("a:{PLAIN}x\n", true).dummy_hash().empty());
}

TEST(Users, MalformedLinesNameFileAndLine) {
    EXPECT_EQ(error_of("# ok\nalice\n"),
              "users:2: expected name:hash[:home[:options]] or user:password:uid:gid:gecos:home:shell[:options] "
              "(found 1 fields)");
    EXPECT_TRUE(error_of("a:" + kYes + ":/h:x:y\n").ends_with("(found 5 fields)"));
    EXPECT_TRUE(error_of("a:" + kYes + ":1:2:g:/h\n").ends_with("(found 6 fields)"));
    EXPECT_TRUE(error_of("a:" + kYes + ":1:2:g:/h:/bin/sh:x:y\n").ends_with("(found 9 fields)"));
    EXPECT_EQ(error_of(":" + kYes + "\n"), "users:1: empty user name");
    EXPECT_EQ(error_of("a\x01:" + kYes + "\n"), "users:1: user name with a control character");
    EXPECT_EQ(error_of("a/b:" + kYes + "\n"), "users:1: user name `a/b` cannot be a directory name");
    EXPECT_EQ(error_of("..:" + kYes + "\n"), "users:1: user name `..` cannot be a directory name");
    EXPECT_EQ(error_of("bob@hamburger.edu:" + kYes + "\n"), "");
    EXPECT_EQ(error_of("a:\n"), "users:1: empty password field");
    EXPECT_EQ(error_of("a:" + kYes + ":home\n"), "users:1: home `home` is not an absolute path");
    EXPECT_EQ(error_of("a:" + kYes + "::=x\n"), "users:1: option `=x` has no name");
    EXPECT_EQ(error_of("a:" + kYes + "::w=1 w=2\n"), "users:1: option `w` given twice");
    EXPECT_EQ(error_of("a:" + kYes + "\nb:" + kYes + "\na:" + kYes + "\n"),
              "users:3: user `a` already defined on line 1");
}

TEST(Users, PasswordFieldErrors) {
    EXPECT_EQ(error_of("a:{PLAIN}secret\n"),
              "users:1: plain-text password for `a`: store a hash (--hash-password prints one) or start with "
              "--allow-plain-passwords");
    EXPECT_EQ(error_of("a:{PLAIN}\n", {.allow_plain = true}), "users:1: empty password");
    EXPECT_TRUE(error_of("a:{MD4}abc\n").starts_with("users:1: unsupported password scheme {MD4}"));
    EXPECT_EQ(error_of("a:{CRYPT\n"), "users:1: password scheme without a closing `}`");
    EXPECT_EQ(error_of("a:{SHA512-CRYPT}" + kYes + "\n"),
              "users:1: the password of `a` is not a SHA512-CRYPT hash crypt(3) can verify (--hash-password prints "
              "one)");
    const std::string clear = error_of("a:secret\n");
    EXPECT_TRUE(clear.starts_with("users:1: the password of `a` is not a CRYPT hash")) << clear;
    EXPECT_EQ(clear.find("secret"), std::string::npos) << "a password typed in clear is not logged";
    EXPECT_NE(error_of("a:$6$salt\n"), "");  // settings without a hash
    EXPECT_NE(error_of("a:!\n"), "");        // a locked shadow entry
    EXPECT_EQ(error_of("a:{blf-crypt}$2b$05$abcdefghijklmnopqrstuuHIrMEWpUCQe2YqFR3sXwQ75u4od..9q\n"), "");
}

TEST(Users, BothSidesOfTheLineLimit) {
    const std::string line = "a:" + kYes + "::x=" + std::string(20, 'y');
    EXPECT_EQ(error_of(line + "\r\n", {.max_line = line.size()}), "");
    EXPECT_EQ(error_of(line + "\n", {.max_line = line.size() - 1}),
              "users:1: line longer than " + std::to_string(line.size() - 1) + " bytes");
    EXPECT_EQ(error_of("#" + std::string(99, 'c') + "\n", {.max_line = 99}), "users:1: line longer than 99 bytes");
}

TEST(Users, LoadBothSidesOfTheFileLimit) {
    TempDir dir;
    const std::string text = "alice:" + kYes + "\n";
    const std::string path = dir.write("users", text);
    EXPECT_EQ(UserTable::load(path, {.max_file_bytes = text.size()}).size(), 1u);
    try {
        (void)UserTable::load(path, {.max_file_bytes = text.size() - 1});
        FAIL() << "loaded a file over the limit";
    } catch (const UsersError& e) {
        EXPECT_EQ(std::string(e.what()), path + ": larger than " + std::to_string(text.size() - 1) + " bytes");
    }
}

TEST(Users, LoadErrors) {
    TempDir dir;
    auto message = [](const std::string& path) {
        try {
            (void)UserTable::load(path);
        } catch (const UsersError& e) {
            return std::string(e.what());
        }
        return std::string();
    };
    EXPECT_EQ(message(dir.path("missing")), dir.path("missing") + ": No such file or directory");
    EXPECT_EQ(message(dir.path()), dir.path() + ": not a regular file");
    const std::string bad = dir.write("bad", "alice:" + kYes + "\nbob\n");
    EXPECT_TRUE(message(bad).starts_with(bad + ":2: "));
}

}  // namespace
}  // namespace auth
