#include "httpd/shop.hpp"

#include <algorithm>
#include <array>
#include <ctime>

#include "http/url.hpp"

namespace httpd {

namespace {

struct Item {
    std::string_view id;
    std::string_view name;
    std::string_view kind;  // recommendations come from the kinds the cart has held
};

constexpr std::array<Item, 10> kCatalogue{{
    {"top-down", "Computer Networking: A Top-Down Approach", "book"},
    {"tcpip", "TCP/IP Illustrated, Volume 1", "book"},
    {"dns-bind", "DNS and BIND", "book"},
    {"cat6", "Ethernet cable, Cat 6, 2 m", "cable"},
    {"fibre", "Fibre patch cord, LC-LC", "cable"},
    {"router", "Home Wi-Fi router", "gear"},
    {"switch", "Network switch, 8 ports", "gear"},
    {"sniffer", "Packet sniffer mug", "gift"},
    {"rfc2549", "RFC 2549 T-shirt (IP over avian carriers)", "gift"},
    {"crimper", "RJ45 crimping tool", "gear"},
}};

const Item* find_item(std::string_view id) {
    for (const auto& i : kCatalogue)
        if (i.id == id) return &i;
    return nullptr;
}

// Items of the kinds most often added, newest first, not in the cart now (at most four).
std::vector<const Item*> recommend(const ShopRow& row) {
    std::vector<const Item*> out;
    for (auto h = row.history.rbegin(); h != row.history.rend() && out.size() < 4; ++h) {
        const Item* seen = find_item(*h);
        if (seen == nullptr) continue;
        for (const auto& i : kCatalogue) {
            if (i.kind != seen->kind || out.size() >= 4) continue;
            if (std::find(row.cart.begin(), row.cart.end(), i.id) != row.cart.end()) continue;
            if (std::find(out.begin(), out.end(), &i) != out.end()) continue;
            out.push_back(&i);
        }
    }
    return out;
}

void escape_into(std::string& out, std::string_view s) {
    for (char c : s) {
        switch (c) {
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '&': out += "&amp;"; break;
            case '"': out += "&quot;"; break;
            default: out += c;
        }
    }
}

void redirect(const std::string& to, http::Response& resp) {
    resp.status = 303;  // RFC 9110 15.4.4: see the page, with GET
    resp.add_header("Location", to);
    resp.add_header("Cache-Control", "no-store");
    resp.add_header("Content-Type", "text/plain; charset=utf-8");
    resp.body = "See " + to + "\n";
}

}  // namespace

std::string_view cookie_value(std::string_view field, std::string_view name) {
    while (!field.empty()) {
        const auto semi = field.find(';');
        std::string_view pair = field.substr(0, semi);
        field = semi == std::string_view::npos ? std::string_view{} : field.substr(semi + 1);
        while (!pair.empty() && (pair.front() == ' ' || pair.front() == '\t')) pair.remove_prefix(1);
        while (!pair.empty() && (pair.back() == ' ' || pair.back() == '\t')) pair.remove_suffix(1);
        const auto eq = pair.find('=');
        if (eq == std::string_view::npos || pair.substr(0, eq) != name) continue;
        std::string_view v = pair.substr(eq + 1);
        if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
        return v;
    }
    return {};
}

Shop::Shop(ShopConfig cfg) : cfg_(std::move(cfg)), store_(cfg_.store, cfg_.limits) {}

bool Shop::owns(std::string_view path) const {
    if (path == cfg_.path) return true;
    return path.size() > cfg_.path.size() && path.starts_with(cfg_.path) && path[cfg_.path.size()] == '/';
}

void Shop::handle(const http::ServerRequest& rq, http::Response& resp) {
    const http::Request& req = rq.head;
    using http::Method;
    const std::string_view path = req.path();
    const std::string_view action = path.substr(std::min(path.size(), cfg_.path.size()));
    const bool is_page = action.empty() || action == "/";
    const bool is_change = action == "/add" || action == "/remove";
    if (!is_page && !is_change) {
        http::set_error(resp, 404);
        return;
    }
    const bool may =
        req.method == Method::get || req.method == Method::head || (is_change && req.method == Method::post);
    if (!may) {
        http::set_error(resp, 405);
        resp.add_header("Allow", is_change ? "GET, HEAD, POST" : "GET, HEAD");
        return;
    }
    // RFC 6265 5.4: one Cookie field (HTTP/1.1); its size is the client's to bound, so we do.
    std::size_t cookie_bytes = 0;
    for (const auto& h : req.headers)
        if (http::iequals(h.name, "Cookie")) cookie_bytes += h.value.size();
    if (cookie_bytes > cfg_.max_cookie_bytes) {
        http::set_error(resp, 400, "The Cookie header is larger than allowed.");
        return;
    }
    const std::time_t now = std::time(nullptr);
    std::string id(cookie_value(req.header("Cookie"), kShopCookie));
    std::optional<ShopRow> row;
    if (valid_shop_id(id)) row = is_page ? store_.visit(id, now) : store_.get(id);
    // An id we never issued (or dropped) is replaced by a fresh one, never adopted: a client
    // cannot choose its id (session fixation).
    const bool fresh = !row.has_value();
    if (fresh) {
        id = store_.create(now);
        row = is_page ? store_.visit(id, now) : store_.get(id);
    }
    if (fresh) {
        std::string c = std::string(kShopCookie) + "=" + id + "; Path=" + cfg_.path +
                        "; Max-Age=" + std::to_string(cfg_.cookie_max_age) + "; HttpOnly; SameSite=Lax";
        if (rq.tls) c += "; Secure";
        resp.add_header("Set-Cookie", c);
    }
    if (is_page) {
        page(id, *row, fresh, resp);
        return;
    }
    // add / remove: the item from the form body (POST) or the query (a link, GET).
    http::QueryParams params;
    const std::string_view source = req.method == Method::post ? rq.body : req.query();
    if (http::parse_query(source, params) != http::QueryError::none) {
        http::set_error(resp, 400, "Malformed form.");
        return;
    }
    const auto item = params.find("item");
    if (!item || find_item(*item) == nullptr) {
        http::set_error(resp, 400, "No such item.");
        return;
    }
    const std::string name(*item);
    const auto change = action == "/add" ? store_.add(id, name, now) : store_.remove(id, name, now);
    if (change == ShopStore::Change::cart_full) {
        http::set_error(resp, 409, "The cart is full: remove something first.");
        return;
    }
    if (change == ShopStore::Change::not_in_cart) {
        http::set_error(resp, 409, "That item is not in the cart.");
        return;
    }
    redirect(cfg_.path, resp);
}

void Shop::page(const std::string& id, const ShopRow& row, bool first, http::Response& resp) const {
    std::string& b = resp.body;
    b = "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>The cookie shop</title></head><body>\n"
        "<h1>The cookie shop</h1>\n";
    if (first) b += "<p id=\"visits\">Welcome! This is your first visit: you have been given a cookie.</p>\n";
    else b += "<p id=\"visits\">Welcome back: visit number " + std::to_string(row.visits) + ".</p>\n";
    b += "<p>Your id (from the cookie): <code id=\"id\">" + id + "</code></p>\n<h2>Your cart</h2>\n<ul id=\"cart\">\n";
    for (const auto& c : row.cart) {
        const Item* i = find_item(c);
        if (i == nullptr) continue;
        b += "<li data-item=\"";
        escape_into(b, i->id);
        b += "\">";
        escape_into(b, i->name);
        b += " <form method=\"post\" action=\"" + cfg_.path +
             "/remove\" style=\"display:inline\">"
             "<input type=\"hidden\" name=\"item\" value=\"";
        escape_into(b, i->id);
        b += "\"><button>remove</button></form></li>\n";
    }
    b += "</ul>\n<p id=\"count\">" + std::to_string(row.cart.size()) + " item(s)</p>\n";
    b += "<h2>Recommended for you</h2>\n<ul id=\"recommended\">\n";
    for (const Item* i : recommend(row)) {
        b += "<li data-item=\"";
        escape_into(b, i->id);
        b += "\">";
        escape_into(b, i->name);
        b += "</li>\n";
    }
    b += "</ul>\n<h2>Catalogue</h2>\n<ul id=\"catalogue\">\n";
    for (const auto& i : kCatalogue) {
        b += "<li>";
        escape_into(b, i.name);
        b += " <form method=\"post\" action=\"" + cfg_.path +
             "/add\" style=\"display:inline\">"
             "<input type=\"hidden\" name=\"item\" value=\"";
        escape_into(b, i.id);
        b += "\"><button>add</button></form> <a href=\"" + cfg_.path + "/add?item=";
        escape_into(b, i.id);
        b += "\">add (link)</a></li>\n";
    }
    b += "</ul>\n</body></html>\n";
    resp.add_header("Content-Type", "text/html; charset=utf-8");
    // Personal: no shared cache may keep it (RFC 9111 5.2.2.3), and it varies by cookie.
    resp.add_header("Cache-Control", "no-store, private");
    resp.add_header("Vary", "Cookie");
}

}  // namespace httpd
