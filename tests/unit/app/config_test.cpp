#include "app/config.hpp"

#include <gtest/gtest.h>

#include <CLI/CLI.hpp>

#include <fstream>

namespace app {
namespace {

struct Cfg {
    std::string root = "/default";
    unsigned port = 80;
    bool listing = false;
    std::vector<std::string> listen{"127.0.0.1:80"};
    std::string file_only = "x";
    std::vector<std::uint16_t> ports{443};
};

struct Fixture {
    CLI::App cli{"t"};
    Options opts{cli};
    Cfg cfg;
    Fixture() {
        opts.add("--root", "http.root", cfg.root, "root");
        opts.add("--port", "http.port", cfg.port, "port");
        opts.add("--listing", "http.listing", cfg.listing, "listing");
        opts.add("--listen", "listen", cfg.listen, "listen");
        opts.add("", "http.file_only", cfg.file_only, "");
        opts.add("--port-list", "http.ports", cfg.ports, "ports");
    }
    void parse(std::vector<std::string> args) {
        std::reverse(args.begin(), args.end());
        cli.parse(args);
    }
};

toml::table parse(std::string_view text) { return toml::parse(text); }

TEST(Config, DefaultThenFileThenFlag) {
    {
        Fixture f;
        f.parse({});
        f.opts.apply(parse(""), "t.toml");
        EXPECT_EQ(f.cfg.root, "/default");
        EXPECT_EQ(f.cfg.port, 80u);
    }
    {
        Fixture f;
        f.parse({});
        f.opts.apply(
            parse("listen = ['[::1]:8080']\n[http]\nroot = '/file'\nport = 8080\nlisting = true\nfile_only='y'"),
            "t.toml");
        EXPECT_EQ(f.cfg.root, "/file");
        EXPECT_EQ(f.cfg.port, 8080u);
        EXPECT_TRUE(f.cfg.listing);
        EXPECT_EQ(f.cfg.listen, std::vector<std::string>{"[::1]:8080"});
        EXPECT_EQ(f.cfg.file_only, "y");
        EXPECT_EQ(f.cfg.ports, std::vector<std::uint16_t>{443});
    }
    {
        Fixture f;
        f.parse({});
        f.opts.apply(parse("[http]\nports = [443, 8443]"), "t.toml");
        EXPECT_EQ(f.cfg.ports, (std::vector<std::uint16_t>{443, 8443}));
    }
    {
        Fixture f;
        f.parse({"--port-list", "563", "--port-list", "443"});
        f.opts.apply(parse("[http]\nports = [8443]"), "t.toml");
        EXPECT_EQ(f.cfg.ports, (std::vector<std::uint16_t>{563, 443}));
    }
    {
        Fixture f;
        f.parse({"--root", "/flag", "--listen", "a:1", "--listen", "b:2"});
        f.opts.apply(parse("listen = 'c:3'\n[http]\nroot = '/file'\nport = 8080"), "t.toml");
        EXPECT_EQ(f.cfg.root, "/flag");                                     // flag wins
        EXPECT_EQ(f.cfg.port, 8080u);                                       // file fills the rest
        EXPECT_EQ(f.cfg.listen, (std::vector<std::string>{"a:1", "b:2"}));  // repeatable flag
    }
}

TEST(Config, WrongTypesAndRangesAreErrorsNamingTheKey) {
    for (const char* text :
         {"[http]\nport = 'eighty'", "[http]\nport = -1", "[http]\nport = 99999999999", "[http]\nlisting = 1",
          "listen = [1, 2]", "[http]\nports = 443", "[http]\nports = ['443']", "[http]\nports = [70000]"}) {
        Fixture f;
        f.parse({});
        try {
            f.opts.apply(parse(text), "t.toml");
            FAIL() << "accepted: " << text;
        } catch (const ConfigError& e) {
            EXPECT_NE(std::string(e.what()).find("t.toml:"), std::string::npos) << e.what();
        }
    }
}

TEST(Config, UnknownKeysAreReported) {
    Fixture f;
    f.opts.allow_key("zone");
    auto unknown = f.opts.unknown_keys(parse("[http]\nroot='/'\nrot='/'\n[[zone]]\nfile='a'\n[misc]\nx=1"));
    EXPECT_EQ(unknown, (std::vector<std::string>{"http.rot", "misc.x"}));
}

TEST(Config, LoadTomlReportsLineAndColumn) {
    auto path = testing::TempDir() + "bad.toml";
    std::ofstream(path) << "[http]\nroot = \n";
    try {
        (void)load_toml(path);
        FAIL();
    } catch (const ConfigError& e) {
        EXPECT_NE(std::string(e.what()).find("bad.toml:2:"), std::string::npos) << e.what();
    }
}

TEST(Config, FindKeyWalksDottedPaths) {
    auto t = parse("[a.b]\nc = 1");
    ASSERT_NE(find_key(t, "a.b.c"), nullptr);
    EXPECT_EQ(find_key(t, "a.b.d"), nullptr);
    EXPECT_EQ(find_key(t, "a.b.c.d"), nullptr);
}

TEST(Config, PathsInAFileAreRelativeToItsDirectory) {
    EXPECT_EQ(path_in_file("/etc/netsuite/dnsd.toml", "zones/a.zone"), "/etc/netsuite/zones/a.zone");
    EXPECT_EQ(path_in_file("/etc/netsuite/dnsd.toml", "../a.zone"), "/etc/a.zone");
    EXPECT_EQ(path_in_file("/etc/netsuite/dnsd.toml", "/srv/a.zone"), "/srv/a.zone");
    EXPECT_EQ(path_in_file("dnsd.toml", "a.zone"), "a.zone");  // file in the working directory
    EXPECT_EQ(path_in_file("", "a.zone"), "a.zone");           // no file: as given
    EXPECT_EQ(path_in_file("/etc/x.toml", ""), "");
}

}  // namespace
}  // namespace app
