// The cookie shop's pure parts: cookie parsing, the table's limits and its file, the handler
// driven with hand-built requests (no sockets).
#include "httpd/shop.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "http/parser.hpp"
#include "support/temp_dir.hpp"

using namespace httpd;
using suite::test::TempDir;

TEST(ShopCookie, FindsTheNamedCookie) {
    EXPECT_EQ(cookie_value("shop_id=abc", "shop_id"), "abc");
    EXPECT_EQ(cookie_value("a=1; shop_id=abc; b=2", "shop_id"), "abc");
    EXPECT_EQ(cookie_value("a=1;shop_id=\"abc\"", "shop_id"), "abc");
    EXPECT_EQ(cookie_value("xshop_id=abc; shop_idx=d", "shop_id"), "");
    EXPECT_EQ(cookie_value("", "shop_id"), "");
    EXPECT_EQ(cookie_value("shop_id", "shop_id"), "");
}

TEST(ShopStore, IdsAreRandomAndWellFormed) {
    TempDir dir;
    ShopStore st(dir.path("t.tsv"), {});
    const auto a = st.create(1), b = st.create(1);
    EXPECT_TRUE(valid_shop_id(a));
    EXPECT_NE(a, b);
    EXPECT_FALSE(valid_shop_id("0123456789ABCDEF0123456789abcdef"));  // upper case
    EXPECT_FALSE(valid_shop_id("0123"));
}

TEST(ShopStore, LimitsOnBothSides) {
    TempDir dir;
    ShopStore st(dir.path("t.tsv"), {.max_rows = 2, .max_cart = 2, .max_history = 3});
    const auto old = st.create(1);
    const auto id = st.create(2);
    EXPECT_EQ(st.add(id, "cat6", 3), ShopStore::Change::ok);
    EXPECT_EQ(st.add(id, "cat6", 3), ShopStore::Change::ok);
    EXPECT_EQ(st.add(id, "fibre", 3), ShopStore::Change::cart_full);
    EXPECT_EQ(st.remove(id, "fibre", 3), ShopStore::Change::not_in_cart);
    EXPECT_EQ(st.remove(id, "cat6", 3), ShopStore::Change::ok);
    EXPECT_EQ(st.add(id, "fibre", 3), ShopStore::Change::ok);
    EXPECT_EQ(st.add(std::string(31, '0') + "x", "fibre", 3), ShopStore::Change::unknown_id);
    EXPECT_EQ(st.get(id)->history, (std::vector<std::string>{"cat6", "cat6", "fibre"}));
    // A third visitor drops the least recently seen one.
    const auto third = st.create(4);
    EXPECT_EQ(st.size(), 2u);
    EXPECT_FALSE(st.get(old).has_value());
    EXPECT_TRUE(st.get(id).has_value());
    EXPECT_TRUE(st.get(third).has_value());
}

TEST(ShopStore, TableSurvivesReopenAndSkipsBadLines) {
    TempDir dir;
    std::string id;
    {
        ShopStore st(dir.path("t.tsv"), {});
        id = st.create(10);
        (void)st.visit(id, 11);
        (void)st.add(id, "router", 12);
    }
    {
        std::ofstream out(dir.path("t.tsv"), std::ios::app);
        out << "garbage line\n"
            << "zz\t1\t2\t3\t\t\n";
    }
    ShopStore st(dir.path("t.tsv"), {});
    EXPECT_EQ(st.size(), 1u);
    const auto row = st.get(id);
    ASSERT_TRUE(row.has_value());
    EXPECT_EQ(row->visits, 1u);
    EXPECT_EQ(row->cart, std::vector<std::string>{"router"});
    EXPECT_EQ(row->first_seen, 10);
}

namespace {
struct Call {
    http::Response resp;
    std::string text;
};
Call call(Shop& shop, const std::string& head, bool tls = false, const std::string& body = "") {
    Call c;
    c.text = head + "\r\n";
    http::RequestParser p;
    EXPECT_EQ(p.parse(c.text).status, http::ParseStatus::complete) << head;
    const http::Peer peer{"127.0.0.1", 1};
    const http::ServerRequest rq{p.request(), body, peer, 1, 1, false, tls};
    shop.handle(rq, c.resp);
    return c;
}
std::string cookie_of(const http::Response& r) {
    const auto at = r.fields.find("Set-Cookie: shop_id=");
    if (at == std::string::npos) return {};
    return r.fields.substr(at + 20, 32);
}
}  // namespace

TEST(Shop, CookieAttributesAndRecognition) {
    TempDir dir;
    ShopConfig cfg;
    cfg.enabled = true;
    cfg.store = dir.path("t.tsv");
    Shop shop(cfg);
    EXPECT_TRUE(shop.owns("/shop"));
    EXPECT_TRUE(shop.owns("/shop/add"));
    EXPECT_FALSE(shop.owns("/shopping"));
    auto first = call(shop, "GET /shop HTTP/1.1\r\nHost: h\r\n");
    EXPECT_EQ(first.resp.status, 200);
    EXPECT_NE(first.resp.fields.find("; HttpOnly; SameSite=Lax\r\n"), std::string::npos);
    const std::string id = cookie_of(first.resp);
    ASSERT_TRUE(valid_shop_id(id));
    auto again = call(shop, "GET /shop HTTP/1.1\r\nHost: h\r\nCookie: shop_id=" + id + "\r\n");
    EXPECT_EQ(cookie_of(again.resp), "");
    EXPECT_NE(again.resp.body.find("visit number 2"), std::string::npos);
    auto add = call(shop, "POST /shop/add HTTP/1.1\r\nHost: h\r\nContent-Length: 9\r\nCookie: shop_id=" + id + "\r\n",
                    false, "item=cat6");
    EXPECT_EQ(add.resp.status, 303);
    auto tls = call(shop, "GET /shop HTTP/1.1\r\nHost: h\r\n", true);
    EXPECT_NE(tls.resp.fields.find("; HttpOnly; SameSite=Lax; Secure\r\n"), std::string::npos);
    auto big = call(shop, "GET /shop HTTP/1.1\r\nHost: h\r\nCookie: a=" + std::string(5000, 'x') + "\r\n");
    EXPECT_EQ(big.resp.status, 400);
    EXPECT_EQ(call(shop, "GET /shop/nothing HTTP/1.1\r\nHost: h\r\n").resp.status, 404);
    EXPECT_EQ(call(shop, "PUT /shop HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n").resp.status, 405);
}
