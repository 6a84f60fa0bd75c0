#include "dnsd/config.hpp"

#include <gtest/gtest.h>

#include <CLI/CLI.hpp>

#include <algorithm>

#include "test_zones.hpp"

namespace dnsd {
namespace {

using dnsd::test::ZoneDir;

/// A daemon with dnsd's options, its flags parsed and the config file (if any) applied.
struct Configured {
    app::Daemon d{"dnsd", "test"};
    Config cfg;
    toml::table file;

    explicit Configured(std::vector<std::string> args, const std::string& config_text = "",
                        const ZoneDir* dir = nullptr) {
        bind_options(d, cfg);
        if (dir != nullptr) {
            std::string conf = dir->write("etc/dnsd.toml", config_text);
            args.insert(args.begin(), {"--config", conf});
            file = toml::parse(config_text);
        }
        std::reverse(args.begin(), args.end());
        d.cli().parse(args);
        if (dir != nullptr) d.options().apply(file, d.common().config_file);
    }
    std::vector<ZoneSpec> specs() const { return zone_specs(cfg, d, file); }
};

std::string config_error(const Configured& c) {
    try {
        (void)c.specs();
    } catch (const app::ConfigError& e) {
        return e.what();
    }
    return "no error";
}

TEST(Config, ZoneFlagIsRelativeToTheWorkingDirectory) {
    ZoneDir dir;
    Configured c({"--zone", "zones/a.zone"}, "[dns]\nzone = ['ignored.zone']\n", &dir);
    auto specs = c.specs();
    ASSERT_EQ(specs.size(), 1u);
    EXPECT_EQ(specs[0].file, "zones/a.zone");
    EXPECT_FALSE(specs[0].origin);
}

TEST(Config, ZoneKeyAndTablesAreRelativeToTheConfigFile) {
    ZoneDir dir;
    Configured c({},
                 "[dns]\nzone = ['a.zone', '/abs/b.zone']\naxfr_allow = ['127.0.0.1']\n\n"
                 "[[zone]]\nfile = '../zones/c.zone'\nname = 'example.test'\n\n"
                 "[[zone]]\nfile = 'd.zone'\naxfr_allow = '10.0.0.0/8'\n",
                 &dir);
    auto specs = c.specs();
    ASSERT_EQ(specs.size(), 4u);
    EXPECT_EQ(specs[0].file, dir.path("etc/a.zone"));
    EXPECT_EQ(specs[1].file, "/abs/b.zone");
    EXPECT_EQ(specs[2].file, dir.path("zones/c.zone"));
    ASSERT_TRUE(specs[2].origin);
    EXPECT_EQ(specs[2].origin->to_text(), "example.test.");
    auto local = boost::asio::ip::make_address("127.0.0.1");
    auto ten = boost::asio::ip::make_address("10.1.2.3");
    for (int i = 0; i < 3; ++i) EXPECT_TRUE(specs[static_cast<std::size_t>(i)].axfr_allow.contains(local)) << i;
    // A table's axfr_allow replaces the default one.
    EXPECT_FALSE(specs[3].axfr_allow.contains(local));
    EXPECT_TRUE(specs[3].axfr_allow.contains(ten));
}

TEST(Config, MalformedTablesNameTheirPlace) {
    ZoneDir dir;
    struct Case {
        const char* text;
        const char* error;
    } cases[] = {
        {"zone = 3\n", "zone: expected [[zone]] tables"},
        {"zone = [3]\n", "zone[0]: expected a table"},
        {"[[zone]]\nfile = 'a.zone'\nnmae = 'x'\n", "zone[0]: unknown key `nmae`"},
        {"[[zone]]\nname = 'example.test'\n", "zone[0].file: expected a string"},
        {"[[zone]]\nfile = 'a.zone'\n[[zone]]\nfile = 'b.zone'\nname = 'a..b'\n", "zone[1].name: "},
        {"[[zone]]\nfile = 'a.zone'\naxfr_allow = [1]\n", "zone[0].axfr_allow: expected an array of strings"},
        {"[[zone]]\nfile = 'a.zone'\naxfr_allow = ['10.0.0.0/33']\n",
         "zone[0].axfr_allow: `10.0.0.0/33` is not an address, a CIDR range or \"any\""},
    };
    for (const auto& k : cases) {
        Configured c({}, k.text, &dir);
        EXPECT_NE(config_error(c).find(k.error), std::string::npos) << k.text << " -> " << config_error(c);
    }
}

TEST(Config, BadDefaultAccessListIsAConfigError) {
    Configured c({"--zone", "a.zone", "--axfr-allow", "127.0.0.1", "--axfr-allow", "192.0.2.1/24"});
    EXPECT_EQ(config_error(c).rfind("axfr_allow: `192.0.2.1/24`", 0), 0u) << config_error(c);
}

TEST(Config, ResponderOptionsClampTheEdnsSize) {
    Config cfg;
    EXPECT_EQ(responder_options(cfg).edns_size, 1232);
    cfg.edns_size = 100;
    EXPECT_EQ(responder_options(cfg).edns_size, 512);
    cfg.edns_size = 65535;
    EXPECT_EQ(responder_options(cfg).edns_size, 4096);
    cfg.round_robin = false;
    cfg.minimal_responses = true;
    EXPECT_FALSE(responder_options(cfg).round_robin);
    EXPECT_TRUE(responder_options(cfg).minimal_responses);
}

TEST(Config, FlagsOverrideKeys) {
    ZoneDir dir;
    Configured c({"--edns-size", "4096"}, "[dns]\nedns_size = 512\ntcp_idle_timeout_ms = 1500\n", &dir);
    EXPECT_EQ(c.cfg.edns_size, 4096u);
    EXPECT_EQ(c.cfg.tcp_idle_timeout_ms, 1500u);
}

TEST(Config, ResolverModes) {
    Configured c({"--recursive", "--forward", "127.0.0.20:5300", "--forward", "[::1]:53", "--no-qname-minimisation",
                  "--serve-stale", "--stale-max-age", "3600", "--upstream-ipv6", "no"});
    const RecursorOptions o = recursor_options(c.cfg);
    ASSERT_EQ(o.forwarders.size(), 2u);
    EXPECT_EQ(o.forwarders[0], net::udp::endpoint(asio::ip::make_address("127.0.0.20"), 5300));
    EXPECT_EQ(o.forwarders[1], net::udp::endpoint(asio::ip::make_address("::1"), 53));
    EXPECT_FALSE(o.qname_minimisation);
    EXPECT_TRUE(o.serve_stale);
    EXPECT_EQ(c.cfg.stale_max_age, 3600u);
    EXPECT_EQ(o.stale_answer_timeout, std::chrono::milliseconds(1800));
    EXPECT_FALSE(o.upstream_ipv6);
    EXPECT_TRUE(recursor_options(Config{}).qname_minimisation);  // on by default
    EXPECT_FALSE(recursor_options(Config{}).serve_stale);        // off by default
    Config bad;
    bad.forward = {"resolver.example"};
    EXPECT_THROW((void)recursor_options(bad), app::ConfigError);
    bad.forward = {};
    bad.upstream_ipv6 = "maybe";
    EXPECT_THROW((void)recursor_options(bad), app::ConfigError);
    bad.upstream_ipv6 = "yes";
    EXPECT_TRUE(recursor_options(bad).upstream_ipv6);
}

}  // namespace
}  // namespace dnsd
