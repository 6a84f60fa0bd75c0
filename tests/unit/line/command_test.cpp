#include "line/command.hpp"

#include <gtest/gtest.h>

#include <array>

namespace line {
namespace {

TEST(SplitCommand, VerbAndArgumentAtTheFirstSpace) {
    auto c = split_command("MAIL FROM:<alice@crepes.fr> SIZE=10");
    EXPECT_EQ(c.verb, "MAIL");
    EXPECT_EQ(c.arg, "FROM:<alice@crepes.fr> SIZE=10");
    EXPECT_TRUE(c.has_arg);
    c = split_command("QUIT");
    EXPECT_EQ(c.verb, "QUIT");
    EXPECT_FALSE(c.has_arg);
    c = split_command("NOOP ");
    EXPECT_TRUE(c.has_arg);
    EXPECT_EQ(c.arg, "");
    c = split_command("");
    EXPECT_EQ(c.verb, "");
    c = split_command("CWD  two spaces");
    EXPECT_EQ(c.arg, " two spaces");  // kept: FTP paths may begin with a space
}

TEST(Iequals, AsciiOnly) {
    EXPECT_TRUE(iequals("quit", "QUIT"));
    EXPECT_TRUE(iequals("StArTtLs", "STARTTLS"));
    EXPECT_FALSE(iequals("QUIT", "QUI"));
    EXPECT_FALSE(iequals("\xc3\xa9", "\xc3\x89"));  // no Unicode folding
}

struct Fake {
    net::task<void> handle(std::string_view) { co_return; }
};
constexpr std::uint32_t kStart = 1, kAuthed = 2;
const std::array<Command<Fake>, 4> kTable{{
    {"USER", Arg::required, kStart, &Fake::handle},
    {"QUIT", Arg::none, kStart | kAuthed, &Fake::handle},
    {"LIST", Arg::optional, kAuthed, &Fake::handle},
    {"PASS", Arg::required, kStart, &Fake::handle, Shown::verb_only},
}};

std::optional<Refusal> check(std::string_view line, std::uint32_t state) {
    auto cl = split_command(line);
    return refusal(find_command<Fake>(kTable, cl.verb), cl, state);
}

TEST(Refusal, OneVerdictPerRule) {
    EXPECT_EQ(check("user bob", kStart), std::nullopt);  // verbs are case-insensitive
    EXPECT_EQ(check("XYZZY", kStart), Refusal::unknown);
    EXPECT_EQ(check("", kStart), Refusal::unknown);
    EXPECT_EQ(check("LIST", kStart), Refusal::not_now);
    EXPECT_EQ(check("LIST", kAuthed), std::nullopt);
    EXPECT_EQ(check("LIST 1", kAuthed), std::nullopt);
    EXPECT_EQ(check("USER", kStart), Refusal::missing_argument);
    EXPECT_EQ(check("USER   ", kStart), Refusal::missing_argument);
    EXPECT_EQ(check("QUIT now", kStart), Refusal::unexpected_argument);
    EXPECT_EQ(check("QUIT ", kStart), std::nullopt);  // a trailing space is no argument
    // The state is checked before the argument (RFC 5321 4.3.2 lists 503 before 501).
    EXPECT_EQ(check("USER", kAuthed), Refusal::not_now);
}

TEST(ShownLine, SecretsNeverReachTheTranscript) {
    EXPECT_EQ(shown_line("PASS hungry", Shown::verb_only), "PASS ****");
    EXPECT_EQ(shown_line("PASS", Shown::verb_only), "PASS");
    EXPECT_EQ(shown_line("AUTH PLAIN AGJvYgBodW5ncnk=", Shown::first_word), "AUTH PLAIN ****");
    EXPECT_EQ(shown_line("AUTH LOGIN", Shown::first_word), "AUTH LOGIN");
    EXPECT_EQ(shown_line("USER bob", Shown::whole), "USER bob");
}

}  // namespace
}  // namespace line
