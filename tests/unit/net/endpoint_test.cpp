#include "net/endpoint.hpp"

#include <gtest/gtest.h>

namespace net {
namespace {

TEST(Endpoint, ParsesHostPort) {
    struct Case {
        const char* text;
        bool ok;
        const char* addr;
        int port;
    } cases[] = {
        {"127.0.0.1:80", true, "127.0.0.1", 80},
        {"0.0.0.0:0", true, "0.0.0.0", 0},
        {"[::1]:53", true, "::1", 53},
        {"localhost:8080", true, "127.0.0.1", 8080},
        {":2121", true, "0.0.0.0", 2121},
        {"127.0.0.1:65535", true, "127.0.0.1", 65535},
        {"127.0.0.1:65536", false, "", 0},
        {"127.0.0.1", false, "", 0},
        {"127.0.0.1:", false, "", 0},
        {"127.0.0.1:8x", false, "", 0},
        {"::1:53", false, "", 0},
        {"[::1:53", false, "", 0},
        {"example.com:80", false, "", 0},
    };
    for (const auto& c : cases) {
        auto hp = parse_host_port(c.text);
        ASSERT_EQ(hp.has_value(), c.ok) << c.text;
        if (c.ok) {
            EXPECT_EQ(hp->address.to_string(), c.addr) << c.text;
            EXPECT_EQ(hp->port, c.port) << c.text;
        }
    }
}

TEST(Endpoint, FormatsV6WithBrackets) {
    EXPECT_EQ(to_string(tcp::endpoint(asio::ip::make_address("::1"), 53)), "[::1]:53");
    EXPECT_EQ(to_string(udp::endpoint(asio::ip::make_address("127.0.0.1"), 5353)), "127.0.0.1:5353");
}

TEST(Endpoint, AddressTextIsWhatAsioWrites) {
    for (const char* text : {"0.0.0.0", "127.0.0.1", "10.200.3.45", "255.255.255.255", "192.0.2.9", "::1",
                             "2001:db8::7", "::ffff:127.0.0.1"}) {
        const auto a = asio::ip::make_address(text);
        EXPECT_EQ(address_text(a), a.to_string()) << text;
    }
}

}  // namespace
}  // namespace net
