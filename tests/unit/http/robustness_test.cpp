// Deterministic mutation testing of the pure parsers (a fuzzer's poor cousin that runs in CI):
// mutated requests and chunked bodies, fed whole and split, must give the same answer and
// never read outside their input (ASan in CI).
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "http/chunked.hpp"
#include "http/parser.hpp"
#include "http/semantics.hpp"
#include "http/url.hpp"

using namespace http;

namespace {

const std::vector<std::string> kRequests = {
    "GET /index.html HTTP/1.1\r\nHost: www.someschool.edu\r\nConnection: keep-alive\r\n\r\n",
    "POST /form HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nContent-Type: a/b\r\n\r\nhello",
    "PUT /u HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nExpect: 100-continue\r\n\r\n",
    "GET http://h:80/x?y=%41 HTTP/1.0\r\nRange: bytes=0-5\r\nIf-None-Match: \"a\", W/\"b\"\r\n\r\n",
};
const std::vector<std::string> kChunked = {
    "5\r\nhello\r\n0\r\n\r\n",
    "3;ext=v\r\nabc\r\n10\r\n0123456789abcdef\r\n0\r\nTrailer: x\r\n\r\n",
};
const char kAlphabet[] = "\r\n :;,-=\"%0123456789abcdefABCDEF/HTTP\t\x00\x7f\xff";

std::string mutate(std::string s, std::mt19937& rng) {
    const int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits && !s.empty(); ++e) {
        const std::size_t pos = rng() % s.size();
        const char c = kAlphabet[rng() % (sizeof kAlphabet - 1)];
        switch (rng() % 4) {
            case 0: s[pos] = c; break;
            case 1: s.insert(s.begin() + static_cast<std::ptrdiff_t>(pos), c); break;
            case 2: s.erase(pos, 1); break;
            default: s.insert(pos, s.substr(pos, rng() % 16)); break;
        }
    }
    return s;
}

struct HeadOutcome {
    ParseStatus status;
    std::size_t consumed;
    ParseError error;
    std::string target;
};

HeadOutcome parse_whole(const std::string& msg) {
    RequestParser p({.max_request_line = 64, .max_header_bytes = 256, .max_headers = 8});
    const auto r = p.parse(msg);
    return {r.status, r.consumed, r.error, r.status == ParseStatus::complete ? std::string(p.request().target) : ""};
}

HeadOutcome parse_split(const std::string& msg, std::size_t split) {
    RequestParser p({.max_request_line = 64, .max_header_bytes = 256, .max_headers = 8});
    const std::string part = msg.substr(0, split);
    auto r = p.parse(part);
    if (r.status == ParseStatus::need_more) r = p.parse(msg);
    else if (r.status == ParseStatus::complete) return {r.status, r.consumed, r.error, std::string(p.request().target)};
    return {r.status, r.consumed, r.error, r.status == ParseStatus::complete ? std::string(p.request().target) : ""};
}

}  // namespace

TEST(Robustness, MutatedRequestHeadsAgreeWholeAndSplit) {
    std::mt19937 rng(12345);
    for (int i = 0; i < 3000; ++i) {
        const std::string msg = mutate(kRequests[rng() % kRequests.size()], rng);
        const auto whole = parse_whole(msg);
        const std::size_t split = msg.empty() ? 0 : rng() % msg.size();
        const auto split_r = parse_split(msg, split);
        // An early error on a prefix is allowed only if the whole message also fails.
        if (split_r.status == ParseStatus::error && whole.status == ParseStatus::error) continue;
        ASSERT_EQ(whole.status, split_r.status) << i << " split " << split;
        ASSERT_EQ(whole.consumed, split_r.consumed) << i;
        ASSERT_EQ(whole.target, split_r.target) << i;
        if (whole.status == ParseStatus::complete) {
            ASSERT_LE(whole.consumed, msg.size());
        }
    }
}

TEST(Robustness, MutatedChunkedBodiesAgreeWholeAndByteAtATime) {
    std::mt19937 rng(54321);
    for (int i = 0; i < 3000; ++i) {
        const std::string msg = mutate(kChunked[rng() % kChunked.size()], rng);
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

TEST(Robustness, MutatedRangesDatesAndQueriesStayInBounds) {
    std::mt19937 rng(777);
    const std::vector<std::string> ranges = {"bytes=0-5", "bytes=-10", "bytes=5-,1-2", "bytes=999999999999-"};
    QueryParams params;
    for (int i = 0; i < 3000; ++i) {
        const auto size = static_cast<std::uint64_t>(rng() % 100);
        const auto r = evaluate_range(mutate(ranges[rng() % ranges.size()], rng), size);
        if (r.kind == RangeKind::single) {
            ASSERT_LE(r.range.first, r.range.last);
            ASSERT_LT(r.range.last, size);
        }
        (void)parse_query(mutate("a=1&b=%41&c&d=x+y", rng), params);
        (void)percent_decode(mutate("%2e%2E/%00%zz", rng));
        (void)etag_matches(mutate("\"a\", W/\"b\", *", rng), "\"a\"", rng() % 2 == 0);
    }
}
