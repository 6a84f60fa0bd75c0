// The queue file's envelope block and state file, the relay client's reply parser, config.
#include "smtpd/envelope.hpp"

#include <gtest/gtest.h>

#include "smtpd/client.hpp"
#include "smtpd/config.hpp"

namespace smtpd {
namespace {

Envelope sample() {
    return {.sender = "alice@crepes.fr",
            .arrival = 1764700000,
            .ret = Ret::hdrs,
            .envid = "id with space+plus",
            .utf8 = true,
            .rcpts = {{"bob@hamburger.edu", notify_failure, "rfc822;bob@hamburger.edu"}, {"\"a b\"@x.example", 0, ""}}};
}

TEST(Envelope, RoundTrip) {
    const Envelope e = sample();
    const std::string text = encode_envelope(e) + "Subject: hi\n\nbody\n";
    std::size_t offset = 0;
    auto back = parse_envelope(text, offset);
    ASSERT_TRUE(back);
    EXPECT_EQ(back->sender, e.sender);
    EXPECT_EQ(back->arrival, e.arrival);
    EXPECT_EQ(back->ret, Ret::hdrs);
    EXPECT_EQ(back->envid, e.envid);
    EXPECT_TRUE(back->utf8);
    ASSERT_EQ(back->rcpts.size(), 2u);
    EXPECT_EQ(back->rcpts[0].orcpt, "rfc822;bob@hamburger.edu");
    EXPECT_EQ(back->rcpts[0].notify, notify_failure);
    EXPECT_EQ(back->rcpts[1].address, "\"a b\"@x.example");
    EXPECT_EQ(text.substr(offset), "Subject: hi\n\nbody\n");
}

TEST(Envelope, NullSenderAndDamage) {
    Envelope e = sample();
    e.sender = "";
    std::size_t offset = 0;
    auto back = parse_envelope(encode_envelope(e), offset);
    ASSERT_TRUE(back);
    EXPECT_EQ(back->sender, "");
    EXPECT_FALSE(parse_envelope("not a queue file\n\n", offset));
    const std::string whole = encode_envelope(sample());
    for (std::size_t cut = 0; cut + 1 < whole.size(); ++cut)
        EXPECT_FALSE(parse_envelope(whole.substr(0, cut), offset)) << cut;  // a torn write is never a message
    Envelope none = sample();
    none.rcpts.clear();
    EXPECT_FALSE(parse_envelope(encode_envelope(none), offset));
}

TEST(QueueState, RoundTrip) {
    QueueState s{.attempts = 3, .finished = {"bob@hamburger.edu", "a b@c"}};
    auto back = parse_state(encode_state(s));
    EXPECT_EQ(back.attempts, 3u);
    EXPECT_TRUE(back.is_finished("a b@c"));
    EXPECT_FALSE(back.is_finished("carol@x"));
    EXPECT_EQ(parse_state("garbage\nattempts x\n").attempts, 0u);
    EXPECT_FALSE(back.warned);
    s.warned = true;
    EXPECT_TRUE(parse_state(encode_state(s)).warned);
}

TEST(Replies, MultiLineAndMalformed) {
    ReplyParser p;
    EXPECT_FALSE(p.line("250-mail.example Hello"));
    EXPECT_FALSE(p.line("250-STARTTLS"));
    EXPECT_TRUE(p.line("250 DSN"));
    EXPECT_EQ(p.reply().code, 250);
    ASSERT_EQ(p.reply().lines.size(), 3u);
    EXPECT_EQ(p.reply().lines[1], "STARTTLS");
    p.reset();
    EXPECT_FALSE(p.line("250-a"));
    EXPECT_TRUE(p.line("251 b"));
    EXPECT_EQ(p.reply().code, 0);
    p.reset();
    EXPECT_TRUE(p.line("hello"));
    EXPECT_EQ(p.reply().code, 0);
}

TEST(Config, FirstNameserver) {
    auto ns = first_nameserver("# comment\nsearch x\nnameserver 192.0.2.53\nnameserver 192.0.2.54\n");
    ASSERT_TRUE(ns);
    EXPECT_EQ(ns->address.to_string(), "192.0.2.53");
    EXPECT_EQ(ns->port, 53);
    EXPECT_FALSE(first_nameserver("search x\n"));
}

}  // namespace
}  // namespace smtpd
