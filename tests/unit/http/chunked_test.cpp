#include "http/chunked.hpp"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "mutate.hpp"

using namespace http;

namespace {
struct Outcome {
    ChunkStatus status;
    ChunkError error = ChunkError::none;
    std::string body;
    std::size_t consumed = 0;
};

// Feeds `msg` in pieces of at most `step` bytes (a receive buffer that keeps the
// unconsumed tail), collecting the body.
Outcome run(std::string_view msg, std::size_t split, ChunkedLimits l = {}) {
    ChunkedDecoder d(l);
    Outcome o{ChunkStatus::need_more, ChunkError::none, {}, 0};
    std::string buf;
    std::size_t fed = 0;
    auto feed = [&](std::size_t upto) {
        buf.append(msg.substr(fed, upto - fed));
        fed = upto;
    };
    feed(std::min(split, msg.size()));
    while (true) {
        auto r = d.decode(buf);
        o.consumed += r.consumed;
        if (r.status == ChunkStatus::data) o.body.append(r.data);
        buf.erase(0, r.consumed);
        if (r.status == ChunkStatus::done || r.status == ChunkStatus::error) {
            o.status = r.status;
            o.error = r.error;
            return o;
        }
        if (r.status == ChunkStatus::need_more) {
            if (fed == msg.size()) {
                o.status = ChunkStatus::need_more;
                return o;
            }
            feed(msg.size());
        }
    }
}
}  // namespace

TEST(Chunked, DecodesAtEverySplitPoint) {
    const std::string msg = "5\r\nhello\r\n1;ext=1\r\n \r\nA\r\n0123456789\r\n0\r\nTrailer: x\r\n\r\nNEXT";
    const std::size_t end = msg.size() - 4;
    for (std::size_t split = 0; split <= msg.size(); ++split) {
        auto o = run(msg, split);
        ASSERT_EQ(o.status, ChunkStatus::done) << split;
        EXPECT_EQ(o.body, "hello 0123456789") << split;
        EXPECT_EQ(o.consumed, end) << split;
    }
}

TEST(Chunked, EmptyBody) {
    auto o = run("0\r\n\r\n", 5);
    EXPECT_EQ(o.status, ChunkStatus::done);
    EXPECT_EQ(o.body, "");
    EXPECT_EQ(run("0\r\n\r", 4).status, ChunkStatus::need_more);
}

TEST(Chunked, MaxBodyBothSides) {
    ChunkedLimits l;
    l.max_body = 10;
    EXPECT_EQ(run("5\r\nhello\r\n5\r\nworld\r\n0\r\n\r\n", 100, l).status, ChunkStatus::done);
    auto o = run("5\r\nhello\r\n6\r\nworld!\r\n0\r\n\r\n", 100, l);
    EXPECT_EQ(o.status, ChunkStatus::error);
    EXPECT_EQ(o.error, ChunkError::body_too_large);
    EXPECT_EQ(status_for(ChunkError::body_too_large), 413);
    // Refused from the size line, before any data arrives.
    o = run("ffffff\r\n", 100, l);
    EXPECT_EQ(o.error, ChunkError::body_too_large);
}

TEST(Chunked, SizeLineLimitBothSides) {
    ChunkedLimits l;
    l.max_line = 10;
    EXPECT_EQ(run("1;aaaaaaa\r\nx\r\n0\r\n\r\n", 100, l).status, ChunkStatus::done);  // 9 + CR = 10
    EXPECT_EQ(run("1;aaaaaaaa\r\nx\r\n0\r\n\r\n", 100, l).error, ChunkError::chunk_line_too_long);
}

TEST(Chunked, TrailerLimitBothSides) {
    ChunkedLimits l;
    l.max_trailer = 8;
    EXPECT_EQ(run("0\r\nA: b\r\n\r\n", 100, l).status, ChunkStatus::done);              // "A: b\r\n\r\n" = 8 bytes
    EXPECT_EQ(run("0\r\nA: bc\r\n\r\n", 100, l).error, ChunkError::trailer_too_large);  // 9 bytes
}

TEST(Chunked, MalformedFraming) {
    EXPECT_EQ(run("x\r\n", 100).error, ChunkError::bad_chunk_size);
    EXPECT_EQ(run("\r\n", 100).error, ChunkError::bad_chunk_size);
    EXPECT_EQ(run("-1\r\n", 100).error, ChunkError::bad_chunk_size);
    EXPECT_EQ(run("1000000000000000\r\n", 100).error, ChunkError::bad_chunk_size);   // 16 hex digits
    EXPECT_EQ(run("5\nhello\r\n0\r\n\r\n", 100).error, ChunkError::bad_chunk_size);  // bare LF
    EXPECT_EQ(run("5\r\nhelloXY0\r\n\r\n", 100).error, ChunkError::bad_line_ending);
    EXPECT_EQ(run("1;a\x01\r\nx\r\n", 100).error, ChunkError::bad_chunk_extension);
    EXPECT_EQ(run("0\r\nA\x01\r\n\r\n", 100).error, ChunkError::bad_trailer);
}

namespace {
const std::vector<std::string> kChunked = {
    "5\r\nhello\r\n0\r\n\r\n",
    "3;ext=v\r\nabc\r\n10\r\n0123456789abcdef\r\n0\r\nTrailer: x\r\n\r\n",
};
}  // namespace

TEST(Chunked, MutatedBodiesAgreeWholeAndByteAtATime) {
    std::mt19937 rng(54321);
    for (int i = 0; i < 3000; ++i) {
        const std::string msg = test::mutate(kChunked[rng() % kChunked.size()], rng);
        auto run = [&](std::size_t step) {
            ChunkedDecoder d({.max_body = 64, .max_line = 32, .max_trailer = 64});
            std::string buf, body;
            std::size_t fed = 0;
            for (int guard = 0; guard < 10000; ++guard) {
                if (buf.empty() || guard > 0) {
                    const std::size_t n = std::min(step, msg.size() - fed);
                    buf.append(msg, fed, n);
                    fed += n;
                }
                const auto r = d.decode(buf);
                if (r.status == ChunkStatus::data) body.append(r.data);
                buf.erase(0, r.consumed);
                if (r.status == ChunkStatus::done) return std::make_pair(std::string("done"), body);
                if (r.status == ChunkStatus::error) return std::make_pair(std::string("error"), std::string());
                if (r.status == ChunkStatus::need_more && fed == msg.size() && buf.empty())
                    return std::make_pair(std::string("need_more"), body);
            }
            return std::make_pair(std::string("loop"), std::string());
        };
        const auto whole = run(msg.size() + 1);
        const auto bytes = run(1);
        ASSERT_NE(whole.first, "loop") << i;
        ASSERT_EQ(whole.first, bytes.first) << i;
        ASSERT_EQ(whole.second, bytes.second) << i;
        ASSERT_LE(whole.second.size(), 64u);
    }
}
