#include "httpd/cache_policy.hpp"

#include <gtest/gtest.h>

#include "http/date.hpp"

using namespace httpd::cache;
using namespace std::chrono_literals;

namespace {

const std::time_t kNow = 1796000000;  // 2026-11-29
std::string date(std::time_t t) { return http::format_http_date(t); }

FetchTimes at_now() {
    const auto t = Clock::now();
    return {t, t, kNow};
}

std::optional<Entry> store(const Fields& f, int status = 200, RequestFacts q = {}) {
    std::string body = "hello";
    return storable(q, "GET http://h:80/", status, f, std::move(body), at_now(), 1 << 20);
}

}  // namespace

TEST(Target, AbsoluteForm) {
    auto t = parse_absolute("http://Example.COM:8080/a/b?q=1#frag");
    ASSERT_TRUE(t);
    EXPECT_EQ(t->host, "example.com");
    EXPECT_EQ(t->port, 8080);
    EXPECT_EQ(t->authority, "Example.COM:8080");
    EXPECT_EQ(t->path, "/a/b?q=1");
    t = parse_absolute("http://h");
    ASSERT_TRUE(t);
    EXPECT_EQ(t->port, 80);
    EXPECT_EQ(t->path, "/");
    t = parse_absolute("http://h?x");
    ASSERT_TRUE(t);
    EXPECT_EQ(t->path, "/?x");
    t = parse_absolute("http://[::1]:81/x");
    ASSERT_TRUE(t);
    EXPECT_EQ(t->host, "::1");
    EXPECT_EQ(t->port, 81);
}

TEST(Target, AbsoluteFormRefused) {
    for (const char* bad : {"https://h/", "ftp://h/", "http://user@h/", "http:///x", "http://h:0/", "http://h:99999/",
                            "http://h:x/", "http://::1/", "http://[::1/", "/relative"})
        EXPECT_FALSE(parse_absolute(bad)) << bad;
}

TEST(Target, AuthorityForm) {
    auto t = parse_authority("Example.org:443");
    ASSERT_TRUE(t);
    EXPECT_EQ(t->host, "example.org");
    EXPECT_EQ(t->port, 443);
    EXPECT_EQ(t->path, "");
    t = parse_authority("[2001:db8::1]:8443");
    ASSERT_TRUE(t);
    EXPECT_EQ(t->host, "2001:db8::1");
    EXPECT_EQ(t->port, 8443);
    for (const char* bad : {"example.org", "example.org:", "a b:443", "u@h:443", "h/x:443", ":443", "[::1]"})
        EXPECT_FALSE(parse_authority(bad)) << bad;
}

TEST(Fields, HopByHopAndRelayable) {
    const Fields origin{{"Connection", "close, X-Private"},
                        {"X-Private", "1"},
                        {"Keep-Alive", "timeout=5"},
                        {"Transfer-Encoding", "chunked"},
                        {"Proxy-Authenticate", "Basic"},
                        {"Content-Length", "5"},
                        {"Date", "x"},
                        {"Server", "origin"},
                        {"Age", "3"},
                        {"X-Cache", "HIT"},
                        {"ETag", "\"a\""},
                        {"Cache-Control", "max-age=5"}};
    const Fields out = relayable(origin);
    ASSERT_EQ(out.size(), 2u);
    EXPECT_EQ(out[0].first, "ETag");
    EXPECT_EQ(out[1].first, "Cache-Control");
    EXPECT_TRUE(is_hop_by_hop("TE", {}));
    EXPECT_TRUE(is_hop_by_hop("proxy-connection", {}));
    EXPECT_TRUE(is_hop_by_hop("x-named", {"X-Named"}));
    EXPECT_FALSE(is_hop_by_hop("Content-Type", {}));
}

TEST(Fields, JoinedAndSplit) {
    const Fields f{{"Vary", "Accept"}, {"vary", " Accept-Encoding ,, "}};
    EXPECT_EQ(joined(f, "VARY"), "Accept,  Accept-Encoding ,, ");
    const std::string all = joined(f, "vary");
    const auto parts = split_list(all);
    ASSERT_EQ(parts.size(), 2u);
    EXPECT_EQ(parts[1], "Accept-Encoding");
    EXPECT_EQ(field(f, "missing"), "");
}

TEST(CacheControl, Directives) {
    const auto cc = cache_control("max-age=60, no-cache=\"Set-Cookie\", Private, S-MAXAGE = 7");
    EXPECT_EQ(cc.at("max-age"), "60");
    EXPECT_EQ(cc.at("no-cache"), "Set-Cookie");
    EXPECT_EQ(cc.at("private"), "");
    EXPECT_EQ(seconds(cc, "s-maxage"), 7u);
    EXPECT_EQ(seconds(cc, "max-age"), 60u);
    EXPECT_FALSE(seconds(cc, "stale-if-error"));
    EXPECT_EQ(seconds(cache_control("max-age=soon"), "max-age"), 0u);  // invalid: stale
}

TEST(Freshness, ExplicitAndHeuristic) {
    const Fields none;
    EXPECT_EQ(freshness(none, cache_control("max-age=60, s-maxage=5"), 200, kNow), 5u);
    EXPECT_EQ(freshness(none, cache_control("max-age=60"), 200, kNow), 60u);
    const Fields expires{{"Expires", date(kNow + 90)}};
    EXPECT_EQ(freshness(expires, {}, 200, kNow), 90u);
    const Fields expired{{"Expires", date(kNow - 90)}};
    EXPECT_EQ(freshness(expired, {}, 200, kNow), 0u);
    const Fields bad_expires{{"Expires", "0"}};
    EXPECT_EQ(freshness(bad_expires, {}, 200, kNow), 0u);
    // RFC 9111 4.2.2: 10% of the time since Last-Modified, for heuristically cacheable codes.
    const Fields lm{{"Last-Modified", date(kNow - 1000)}};
    EXPECT_EQ(freshness(lm, {}, 200, kNow), 100u);
    EXPECT_EQ(freshness(lm, {}, 404, kNow), 100u);
    EXPECT_EQ(freshness(lm, {}, 302, kNow), 0u);
}

TEST(Storable, WhatAStoreRefuses) {
    EXPECT_FALSE(store({{"Cache-Control", "no-store, max-age=60"}}));
    EXPECT_FALSE(store({{"Cache-Control", "private, max-age=60"}}));
    EXPECT_FALSE(store({{"Cache-Control", "max-age=60"}, {"Vary", "*"}}));
    EXPECT_FALSE(store({{"Cache-Control", "max-age=60"}}, 206));
    EXPECT_FALSE(store({}));                                           // no freshness, no validator
    EXPECT_FALSE(store({{"Last-Modified", date(kNow - 1000)}}, 302));  // not heuristically cacheable
    EXPECT_FALSE(store({{"Cache-Control", "max-age=60"}}, 200, {.get = false}));
    EXPECT_FALSE(store({{"Cache-Control", "max-age=60"}}, 200, {.no_store = true}));
    EXPECT_FALSE(store({{"Cache-Control", "max-age=60"}}, 200, {.authorization = true}));
    EXPECT_TRUE(store({{"Cache-Control", "public, max-age=60"}}, 200, {.authorization = true}));
    EXPECT_TRUE(store({{"Cache-Control", "max-age=60"}}, 302));  // explicit freshness
    EXPECT_TRUE(store({{"ETag", "\"v1\""}}));                    // a validator alone: stored, revalidated
}

TEST(Storable, BodyKeptWhenRefused) {
    std::string body = "payload";
    EXPECT_FALSE(storable({}, "k", 200, {{"Cache-Control", "no-store"}}, std::move(body), at_now(), 100));
    EXPECT_EQ(body, "payload");
    EXPECT_FALSE(storable({}, "k", 200, {{"Cache-Control", "max-age=9"}}, std::move(body), at_now(), 3));
    EXPECT_EQ(body, "payload");
    auto e = storable({}, "k", 200, {{"Cache-Control", "max-age=9"}}, std::move(body), at_now(), 100);
    ASSERT_TRUE(e);
    EXPECT_EQ(e->body, "payload");
}

TEST(Storable, EntryFields) {
    auto e = store({{"Cache-Control", "max-age=60, must-revalidate"},
                    {"ETag", "\"v1\""},
                    {"Last-Modified", date(kNow - 5000)},
                    {"Date", date(kNow - 20)},
                    {"Age", "30"},
                    {"Connection", "keep-alive"}});
    ASSERT_TRUE(e);
    EXPECT_EQ(e->lifetime, 60u);
    EXPECT_TRUE(e->must_revalidate);
    EXPECT_FALSE(e->no_cache);
    EXPECT_EQ(e->etag, "\"v1\"");
    EXPECT_EQ(e->initial_age, 30u);  // RFC 9111 4.2.3: max(apparent 20, Age 30 + delay 0)
    EXPECT_EQ(field(e->fields, "connection"), "");
    EXPECT_EQ(field(e->fields, "date"), "");
    EXPECT_EQ(e->body, "hello");
}

TEST(Entry, AgeFreshAndStaleWindows) {
    Entry e;
    e.lifetime = 10;
    e.fields = {{"Cache-Control", "max-age=10, stale-while-revalidate=20"}};
    const auto now = Clock::now();
    e.stored = now - 5s;
    EXPECT_EQ(e.age(now), 5u);
    EXPECT_TRUE(e.fresh(now));
    e.stored = now - 15s;
    EXPECT_FALSE(e.fresh(now));
    EXPECT_TRUE(e.stale_allowed(now, "stale-while-revalidate"));
    EXPECT_FALSE(e.stale_allowed(now, "stale-if-error"));
    e.stored = now - 31s;
    EXPECT_FALSE(e.stale_allowed(now, "stale-while-revalidate"));
    e.stored = now - 15s;
    e.must_revalidate = true;
    EXPECT_FALSE(e.stale_allowed(now, "stale-while-revalidate"));
    e.must_revalidate = false;
    e.no_cache = true;
    e.stored = now;
    EXPECT_FALSE(e.fresh(now));
}

TEST(Entry, FreshenedBy304) {
    auto e = store({{"Cache-Control", "max-age=0"}, {"ETag", "\"v1\""}, {"X-Kept", "yes"}});
    ASSERT_TRUE(e);
    EXPECT_EQ(e->lifetime, 0u);
    freshen(*e, {{"Cache-Control", "max-age=100"}, {"Date", date(kNow)}, {"Connection", "close"}}, at_now());
    EXPECT_EQ(e->lifetime, 100u);
    EXPECT_EQ(field(e->fields, "cache-control"), "max-age=100");
    EXPECT_EQ(field(e->fields, "x-kept"), "yes");
    EXPECT_EQ(field(e->fields, "connection"), "");
    EXPECT_EQ(e->etag, "\"v1\"");
    EXPECT_TRUE(e->fresh(Clock::now()));
}

TEST(Entry, ClientConditionals) {
    Entry e;
    e.etag = "W/\"v1\"";
    e.last_modified = date(kNow - 100);
    EXPECT_TRUE(not_modified("\"v1\"", "", e));  // weak comparison
    EXPECT_TRUE(not_modified("\"x\", W/\"v1\"", "", e));
    EXPECT_TRUE(not_modified("*", "", e));
    EXPECT_FALSE(not_modified("\"v2\"", date(kNow), e));  // If-None-Match wins over If-Modified-Since
    EXPECT_TRUE(not_modified("", date(kNow - 100), e));
    EXPECT_TRUE(not_modified("", date(kNow), e));
    EXPECT_FALSE(not_modified("", date(kNow - 200), e));
    EXPECT_FALSE(not_modified("", "", e));
    e.etag.clear();
    EXPECT_FALSE(not_modified("*", "", e));
}

TEST(DiskForm, RoundTrip) {
    auto e = store({{"Cache-Control", "max-age=60"}, {"ETag", "\"v1\""}, {"Content-Type", "text/plain"}});
    ASSERT_TRUE(e);
    e->body = std::string("binary\0\r\n body", 15);
    const auto now = Clock::now();
    e->stored = now - 7s;
    const std::string data = serialize(*e, kNow, now);
    // Read back a minute later (a restart): the entry aged by the wall clock.
    const auto later = now + 600s;
    auto back = deserialize(data, kNow + 60, later);
    ASSERT_TRUE(back);
    EXPECT_EQ(back->key, e->key);
    EXPECT_EQ(back->body, e->body);
    EXPECT_EQ(back->fields, e->fields);
    EXPECT_EQ(back->etag, "\"v1\"");
    EXPECT_EQ(back->lifetime, 60u);
    EXPECT_EQ(back->age(later), e->initial_age + 67);
}

TEST(DiskForm, TornOrForeignFilesRefused) {
    auto e = store({{"Cache-Control", "max-age=60"}});
    ASSERT_TRUE(e);
    const std::string data = serialize(*e, kNow, Clock::now());
    for (std::size_t cut : {std::size_t{0}, std::size_t{5}, data.size() / 2, data.size() - 1})
        EXPECT_FALSE(deserialize(data.substr(0, cut), kNow, Clock::now())) << cut;
    EXPECT_FALSE(deserialize(data + "x", kNow, Clock::now()));
    EXPECT_FALSE(deserialize("NSCACHE1 200 60 0 0 0 0 0 5 0 0 99999999999\nkey..", kNow, Clock::now()));
    EXPECT_FALSE(deserialize("GIF89a", kNow, Clock::now()));
    EXPECT_EQ(file_of("GET http://h:80/").size(), 16u);
    EXPECT_EQ(file_of("a"), file_of("a"));
    EXPECT_NE(file_of("a"), file_of("b"));
}
