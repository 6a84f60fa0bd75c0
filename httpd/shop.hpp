// The cookie shop (off unless `shop.enabled`): the textbook's example of cookies keeping state
// over stateless HTTP. The first visit gets Set-Cookie with a new random id and a row in the
// back end; later visits carry the Cookie and are recognised: a visit count, a cart with add
// and remove, and "recommended for you" from what the cart has held.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "http/exchange.hpp"
#include "httpd/config.hpp"
#include "httpd/shop_store.hpp"

namespace httpd {

/// The name of the shop's cookie.
inline constexpr std::string_view kShopCookie = "shop_id";

/// The value of cookie `name` in a Cookie field value ("a=1; shop_id=...; b=2", RFC 6265 5.4);
/// "" if absent.
[[nodiscard]] std::string_view cookie_value(std::string_view field, std::string_view name);

class Shop {
public:
    /// Opens the store. Throws std::runtime_error if its file cannot be read.
    explicit Shop(ShopConfig cfg);
    /// True if `path` (percent-encoded, no query) is the shop's.
    [[nodiscard]] bool owns(std::string_view path) const;
    /// Answers a request for one of the shop's paths. Never throws for client errors.
    void handle(const http::ServerRequest& rq, http::Response& resp);

private:
    void page(const std::string& id, const ShopRow& row, bool first, http::Response& resp) const;
    const ShopConfig cfg_;
    ShopStore store_;
};

}  // namespace httpd
