#include "net/endpoint.hpp"

#include <charconv>

namespace net {

std::optional<asio::ip::address> parse_address(std::string_view host) {
    if (host == "localhost") return asio::ip::make_address_v4("127.0.0.1");
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
    error_code ec;
    auto a = asio::ip::make_address(std::string(host), ec);
    if (ec) return std::nullopt;
    return a;
}

std::optional<HostPort> parse_host_port(std::string_view text) {
    std::string_view host, port;
    if (!text.empty() && text.front() == '[') {
        auto close = text.find(']');
        if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') return std::nullopt;
        host = text.substr(1, close - 1);
        port = text.substr(close + 2);
    } else {
        auto colon = text.rfind(':');
        if (colon == std::string_view::npos) return std::nullopt;
        host = text.substr(0, colon);
        port = text.substr(colon + 1);
        if (host.find(':') != std::string_view::npos) return std::nullopt;  // bare IPv6 needs brackets
    }
    if (host.empty()) host = "0.0.0.0";
    auto addr = parse_address(host);
    if (!addr || port.empty()) return std::nullopt;
    unsigned value = 0;
    auto [p, err] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (err != std::errc() || p != port.data() + port.size() || value > 65535) return std::nullopt;
    return HostPort{*addr, static_cast<std::uint16_t>(value)};
}

std::string address_text(const asio::ip::address& a) {
    if (a.is_v6()) return a.to_string();
    // Dotted quad with to_chars: inet_ntop formats through sprintf, which showed in the
    // profile of a server that names its peer once per request.
    const auto b = a.to_v4().to_bytes();
    char buf[16];
    char* p = buf;
    for (std::size_t i = 0; i < 4; ++i) {
        if (i != 0) *p++ = '.';
        p = std::to_chars(p, buf + sizeof buf, static_cast<unsigned>(b[i])).ptr;
    }
    return std::string(buf, p);
}

std::string to_string(const asio::ip::address& a) {
    if (!a.is_v6()) return address_text(a);
    // Appending instead of `"[" + s + "]"` avoids a g++ 12 -Wrestrict false positive at -O2.
    std::string out = "[";
    out.append(a.to_string()).push_back(']');
    return out;
}

std::string to_string(const tcp::endpoint& ep) { return to_string(ep.address()) + ":" + std::to_string(ep.port()); }

std::string to_string(const udp::endpoint& ep) { return to_string(ep.address()) + ":" + std::to_string(ep.port()); }

}  // namespace net
