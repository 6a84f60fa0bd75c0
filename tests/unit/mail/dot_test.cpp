#include "mail/dot.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace mail {
namespace {

// Feeds `in` in two parts split at `split`; returns the output and the stuffer's state.
std::string stuff_split(std::string_view in, std::size_t split, std::optional<std::size_t> lines = std::nullopt) {
    DotStuffer s(lines);
    std::string out;
    if (s.feed(in.substr(0, split), out)) s.feed(in.substr(split), out);
    s.finish(out);
    return out;
}

struct Unstuffed {
    std::string out;
    std::size_t consumed = 0;
    bool complete = false;
    std::uint64_t bare_lf = 0, bare_cr = 0;
    std::size_t longest = 0;
    bool operator==(const Unstuffed&) const = default;
};

// Feeds `in` in pieces cut at `cuts` (sorted), stopping at completion like a session would.
Unstuffed unstuff_pieces(std::string_view in, const std::vector<std::size_t>& cuts,
                         BareNewline mode = BareNewline::keep) {
    DotUnstuffer u(mode);
    Unstuffed r;
    std::size_t from = 0;
    std::vector<std::size_t> ends = cuts;
    ends.push_back(in.size());
    for (std::size_t to : ends) {
        if (to < from) continue;
        auto res = u.feed(in.substr(from, to - from), r.out);
        r.consumed += res.consumed;
        if (res.complete) {
            r.complete = true;
            break;
        }
        EXPECT_EQ(res.consumed, to - from);  // everything is consumed until the end
        from = to;
    }
    r.bare_lf = u.bare_lf();
    r.bare_cr = u.bare_cr();
    r.longest = u.longest_line();
    EXPECT_EQ(u.size(), r.out.size());
    return r;
}

Unstuffed unstuff(std::string_view in, BareNewline mode = BareNewline::keep) { return unstuff_pieces(in, {}, mode); }

TEST(DotStuffer, StoredTextToNetworkForm) {
    EXPECT_EQ(to_network("Subject: hi\n\nline\n.hidden\n..two\n"),
              "Subject: hi\r\n\r\nline\r\n..hidden\r\n...two\r\n.\r\n");
    EXPECT_EQ(to_network("a\r\n.b\r\n"), "a\r\n..b\r\n.\r\n");  // CRLF files pass through
    EXPECT_EQ(to_network("."), "..\r\n.\r\n");
    EXPECT_EQ(to_network(".\n"), "..\r\n.\r\n");
}

TEST(DotStuffer, EmptyAndUnterminatedText) {
    EXPECT_EQ(to_network(""), ".\r\n");
    EXPECT_EQ(to_network("no newline"), "no newline\r\n.\r\n");
    EXPECT_EQ(to_network("\n"), "\r\n.\r\n");
}

TEST(DotStuffer, BareCrIsContent) {
    EXPECT_EQ(to_network("a\rb\n"), "a\rb\r\n.\r\n");
    EXPECT_EQ(to_network("\r.x\n"), "\r.x\r\n.\r\n");  // the line starts with CR, not a dot
    EXPECT_EQ(to_network("end\r"), "end\r\r\n.\r\n");
}

TEST(DotStuffer, TopSendsHeaderBlankLineAndNLines) {
    const std::string msg = "From: a\nSubject: b\n\none\n.two\nthree\n";
    EXPECT_EQ(to_network(msg, 0), "From: a\r\nSubject: b\r\n\r\n.\r\n");
    EXPECT_EQ(to_network(msg, 2), "From: a\r\nSubject: b\r\n\r\none\r\n..two\r\n.\r\n");
    EXPECT_EQ(to_network(msg, 3), to_network(msg));
    EXPECT_EQ(to_network(msg, 100), to_network(msg));
    // No empty line: the whole message is header.
    EXPECT_EQ(to_network("From: a\nSubject: b", 0), "From: a\r\nSubject: b\r\n.\r\n");
}

TEST(DotStuffer, FeedReportsTheTopLimit) {
    DotStuffer s(1);
    std::string out;
    EXPECT_TRUE(s.feed("H: v\n", out));
    EXPECT_FALSE(s.feed("\nbody1\nbody2\n", out));  // the limit is reached inside this chunk
    EXPECT_TRUE(s.done());
    EXPECT_FALSE(s.feed("body2\n", out));
    s.finish(out);
    EXPECT_EQ(out, "H: v\r\n\r\nbody1\r\n.\r\n");
}

TEST(DotStuffer, EverySplitPointGivesTheSameOutput) {
    const std::vector<std::string> inputs = {
        "Subject: x\r\n\r\n.a\r\nb\n..c\rd\r\n",
        "\n\n.\n.\r\n\r\r\n",
        "H: 1\n\n1\n2\n.3\n4",
    };
    for (const auto& in : inputs) {
        for (std::optional<std::size_t> lines :
             {std::optional<std::size_t>{}, std::optional<std::size_t>{0}, std::optional<std::size_t>{2}}) {
            const std::string whole = to_network(in, lines);
            for (std::size_t split = 0; split <= in.size(); ++split)
                ASSERT_EQ(stuff_split(in, split, lines), whole) << "split " << split;
            DotStuffer s(lines);
            std::string out;
            for (char c : in) s.feed(std::string_view(&c, 1), out);
            s.finish(out);
            EXPECT_EQ(out, whole);
        }
    }
}

TEST(DotUnstuffer, TextbookMessageThenPipelinedCommand) {
    const std::string in = "Subject: x\r\n\r\nhello\r\n..dot\r\n.\r\nQUIT\r\n";
    auto r = unstuff(in);
    EXPECT_TRUE(r.complete);
    EXPECT_EQ(r.out, "Subject: x\r\n\r\nhello\r\n.dot\r\n");
    EXPECT_EQ(in.substr(r.consumed), "QUIT\r\n");
    EXPECT_EQ(r.bare_lf + r.bare_cr, 0u);
}

TEST(DotUnstuffer, EmptyMessageAndIncompleteInput) {
    auto r = unstuff(".\r\n");
    EXPECT_TRUE(r.complete);
    EXPECT_EQ(r.out, "");
    EXPECT_EQ(r.consumed, 3u);
    auto part = unstuff("line\r\n.\r");
    EXPECT_FALSE(part.complete);
    EXPECT_EQ(part.out, "line\r\n");
}

TEST(DotUnstuffer, OnlyCrLfDotCrLfEndsTheMessage) {
    // The SMTP smuggling forms: none of them ends DATA; the bare newlines are counted.
    auto lf = unstuff("a\n.\nMAIL FROM:<x>\r\n.\r\n");
    EXPECT_TRUE(lf.complete);
    EXPECT_EQ(lf.out, "a\n.\nMAIL FROM:<x>\r\n");
    EXPECT_EQ(lf.bare_lf, 2u);
    auto cr = unstuff("a\r.\rMAIL FROM:<x>\r\n.\r\n");
    EXPECT_TRUE(cr.complete);
    EXPECT_EQ(cr.out, "a\r.\rMAIL FROM:<x>\r\n");
    EXPECT_EQ(cr.bare_cr, 2u);
    auto mixed = unstuff("a\r\n.\nb\r\n.\r\n");  // "." then a bare LF: content, dot removed
    EXPECT_TRUE(mixed.complete);
    EXPECT_EQ(mixed.out, "a\r\n\nb\r\n");
    EXPECT_EQ(mixed.bare_lf, 1u);
    auto after_lf = unstuff("a\n.\r\nb\r\n.\r\n");  // "." after a bare LF is not at a line start
    EXPECT_TRUE(after_lf.complete);
    EXPECT_EQ(after_lf.out, "a\n.\r\nb\r\n");
    EXPECT_FALSE(unstuff("a\r\n.\r\r\n").complete);
}

TEST(DotUnstuffer, NormalizeTurnsBareNewlinesIntoCrLf) {
    auto r = unstuff("a\nb\rc\r\n.\r\n", BareNewline::normalize);
    EXPECT_TRUE(r.complete);
    EXPECT_EQ(r.out, "a\r\nb\r\nc\r\n");
    EXPECT_EQ(r.bare_lf, 1u);
    EXPECT_EQ(r.bare_cr, 1u);
    // A normalised line end starts a line (its dot is removed) but never ends the message.
    auto dot = unstuff("a\n..b\n.\r\nc\r\n.\r\n", BareNewline::normalize);
    EXPECT_TRUE(dot.complete);
    EXPECT_EQ(dot.out, "a\r\n.b\r\n\r\nc\r\n");
}

TEST(DotUnstuffer, LongestLineExcludesTerminatorAndStuffingDot) {
    const std::string line998(998, 'x');
    auto r = unstuff("." + line998 + "\r\nshort\r\n.\r\n");
    EXPECT_EQ(r.longest, 998u);
    EXPECT_EQ(unstuff(line998 + "y\r\n.\r\n").longest, 999u);
}

TEST(DotUnstuffer, ResetStartsTheNextMessage) {
    DotUnstuffer u;
    std::string out;
    EXPECT_TRUE(u.feed("a\n\r\n.\r\n", out).complete);
    u.reset();
    EXPECT_FALSE(u.complete());
    EXPECT_EQ(u.bare_lf(), 0u);
    out.clear();
    EXPECT_TRUE(u.feed("b\r\n.\r\n", out).complete);
    EXPECT_EQ(out, "b\r\n");
}

TEST(DotUnstuffer, EverySplitPointGivesTheSameResult) {
    const std::vector<std::string> inputs = {
        "Subject: x\r\n\r\nhello\r\n..dot\r\n.\r\nQUIT\r\n",
        "a\n.\nb\r.\rc\r\n.\r\r\n.\n\r\n.\r\nNOOP\r\n",
        ".\r\n",
        "\r\r\n..\r\n...\r\n.x\r\n.\r\n",
        "unterminated\r\n.\r",
    };
    for (auto mode : {BareNewline::keep, BareNewline::normalize}) {
        for (const auto& in : inputs) {
            const Unstuffed whole = unstuff(in, mode);
            for (std::size_t split = 0; split <= in.size(); ++split)
                ASSERT_EQ(unstuff_pieces(in, {split}, mode), whole) << "split " << split << " of " << in;
            std::vector<std::size_t> every;
            for (std::size_t i = 1; i < in.size(); ++i) every.push_back(i);
            ASSERT_EQ(unstuff_pieces(in, every, mode), whole) << "byte at a time: " << in;
        }
    }
}

TEST(DotRoundTrip, UnstuffOfStuffGivesTheNetworkText) {
    const std::string text = "From: a\r\n\r\n.\r\n..\r\nx.\r\n. \r\n";
    const std::string wire = to_network(text);
    auto r = unstuff(wire);
    EXPECT_TRUE(r.complete);
    EXPECT_EQ(r.consumed, wire.size());
    EXPECT_EQ(r.out, text);
}

}  // namespace
}  // namespace mail
