// Parsing "HOST:PORT" listen addresses.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "net/asio.hpp"

namespace net {

/// A numeric listen address: "127.0.0.1:80", "[::1]:53", "0.0.0.0:0" (port 0 = ephemeral),
/// "localhost:8080" (resolves to 127.0.0.1). Returns nullopt for anything else.
[[nodiscard]] std::optional<asio::ip::address> parse_address(std::string_view host);
struct HostPort {
    asio::ip::address address;
    std::uint16_t port = 0;
};
[[nodiscard]] std::optional<HostPort> parse_host_port(std::string_view text);
/// "127.0.0.1:80" / "[::1]:53".
[[nodiscard]] std::string to_string(const tcp::endpoint& ep);
[[nodiscard]] std::string to_string(const udp::endpoint& ep);
/// The address as text without brackets ("127.0.0.1", "::1"), as address::to_string().
[[nodiscard]] std::string address_text(const asio::ip::address& a);
[[nodiscard]] std::string to_string(const asio::ip::address& a);

}  // namespace net
