// Builds zones from text for dnsd's unit tests.
#pragma once

#include <gtest/gtest.h>

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include "dnsd/zone.hpp"

namespace dnsd::test {

inline std::shared_ptr<Zone> build_zone(const std::string& text, const std::string& origin, std::string& error) {
    auto parsed = dns::parse_zone_text(text, "t.zone");
    if (!parsed.ok()) {
        error = parsed.error;
        return nullptr;
    }
    return Zone::build(dns::Name::parse(origin), parsed, error);
}

inline const char* example_zone = R"($ORIGIN example.test.
$TTL 3600
@        SOA   ns1 hostmaster 1 7200 3600 1209600 300
         NS    ns1
         NS    ns2.example.net.
         MX    10 mail
ns1      A     192.0.2.1
www      A     192.0.2.10
www      A     192.0.2.11
www      A     192.0.2.12
mail     A     192.0.2.25
alias    CNAME www
chain    CNAME alias
dangling CNAME nowhere
away     CNAME www.example.net.
loop1    CNAME loop2
loop2    CNAME loop1
a.b.ent  A     192.0.2.60
*.wild   A     192.0.2.99
sub      NS    ns.sub
ns.sub   A     192.0.2.53
big      TXT   "0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789"
big      TXT   "1123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789"
big      TXT   "2123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789"
big      TXT   "3123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789"
big      TXT   "4123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789"
big      TXT   "5123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789"
)";

/// The example zone as a set; `prepare` runs `prepared` (e.g. prepare_answers) before sharing.
template <class Prepare = std::nullptr_t>
std::shared_ptr<const ZoneSet> example_set(Prepare prepared = nullptr) {
    std::string err;
    auto z = build_zone(example_zone, "example.test.", err);
    EXPECT_TRUE(z) << err;
    auto set = std::make_shared<ZoneSet>();
    std::string bad;
    z->axfr_allow = net::CidrList::parse({"127.0.0.1"}, bad).value();
    EXPECT_TRUE(set->add(z));
    if constexpr (!std::is_same_v<Prepare, std::nullptr_t>) prepared(*set, std::vector<std::shared_ptr<Zone>>{z});
    return set;
}

/// A temporary directory for zone and config files, removed with its contents.
class ZoneDir {
public:
    ZoneDir() {
        std::string tmpl = (std::filesystem::temp_directory_path() / "dnsd-test-XXXXXX").string();
        if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
        path_ = tmpl;
    }
    ~ZoneDir() {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    ZoneDir(const ZoneDir&) = delete;
    ZoneDir& operator=(const ZoneDir&) = delete;
    /// The absolute path of `rel` inside the directory.
    [[nodiscard]] std::string path(const std::string& rel) const { return path_ + "/" + rel; }
    /// Writes `text` to `rel` (creating directories); returns its path.
    std::string write(const std::string& rel, const std::string& text) const {
        std::filesystem::create_directories(std::filesystem::path(path(rel)).parent_path());
        std::ofstream(path(rel), std::ios::trunc) << text;
        return path(rel);
    }

private:
    std::string path_;
};

}  // namespace dnsd::test
