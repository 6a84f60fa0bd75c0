#include "dns/types.hpp"

#include <gtest/gtest.h>

namespace dns {
namespace {

TEST(Types, MnemonicsRoundTripCaseInsensitively) {
    for (std::uint16_t t : {type::A,      type::NS,   type::CNAME, type::SOA,   type::PTR,   type::HINFO, type::MX,
                            type::TXT,    type::AAAA, type::SRV,   type::OPT,   type::DS,    type::RRSIG, type::NSEC,
                            type::DNSKEY, type::IXFR, type::AXFR,  type::MAILB, type::MAILA, type::ANY,   type::CAA}) {
        auto text = type_to_string(t);
        EXPECT_EQ(type_from_string(text), t) << text;
        std::string lower;
        for (char c : text) lower.push_back(static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c));
        EXPECT_EQ(type_from_string(lower), t) << lower;
    }
    EXPECT_EQ(type_to_string(99), "SPF");
    EXPECT_EQ(type_from_string("Tlsa"), 52);
}

TEST(Types, Rfc3597GenericNamesAtTheLimits) {
    EXPECT_EQ(type_to_string(65280), "TYPE65280");
    EXPECT_EQ(type_from_string("type65280"), 65280);
    EXPECT_EQ(type_from_string("TYPE1"), type::A);  // a known type in generic form
    EXPECT_EQ(type_from_string("TYPE0"), 0);
    EXPECT_EQ(type_from_string("TYPE65535"), 65535);
    EXPECT_FALSE(type_from_string("TYPE65536"));
    for (const char* bad : {"TYPE", "TYPE-1", "TYPE+1", "TYPE 1", "TYPE1x", "", "XYZZY", "A "})
        EXPECT_FALSE(type_from_string(bad)) << bad;
}

TEST(Types, Classes) {
    EXPECT_EQ(class_from_string("in"), klass::IN);
    EXPECT_EQ(class_from_string("CHAOS"), klass::CH);
    EXPECT_EQ(class_from_string("ch"), klass::CH);
    EXPECT_EQ(class_from_string("HS"), klass::HS);
    EXPECT_EQ(class_from_string("CLASS65535"), 65535);
    EXPECT_FALSE(class_from_string("CLASS65536"));
    // "ANY" is read as the type in a zone file's type/class position, never as a class.
    EXPECT_FALSE(class_from_string("ANY"));
    EXPECT_EQ(class_to_string(klass::ANY), "ANY");
    EXPECT_EQ(class_to_string(klass::IN), "IN");
    EXPECT_EQ(class_to_string(42), "CLASS42");
}

TEST(Types, Rcodes) {
    EXPECT_EQ(rcode_to_string(rcode::NOERROR), "NOERROR");
    EXPECT_EQ(rcode_to_string(rcode::NXDOMAIN), "NXDOMAIN");
    EXPECT_EQ(rcode_to_string(rcode::NOTAUTH), "NOTAUTH");
    EXPECT_EQ(rcode_to_string(rcode::BADVERS), "BADVERS");  // 12-bit, through OPT (RFC 6891 6.1.3)
    EXPECT_EQ(rcode_to_string(11), "RCODE11");
}

TEST(Types, MetaTypesBothSides) {
    EXPECT_TRUE(is_meta_type(type::OPT));
    EXPECT_FALSE(is_meta_type(127));
    EXPECT_TRUE(is_meta_type(128));
    EXPECT_TRUE(is_meta_type(type::AXFR));
    EXPECT_TRUE(is_meta_type(type::ANY));
    EXPECT_FALSE(is_meta_type(256));
    EXPECT_FALSE(is_meta_type(type::CAA));
}

}  // namespace
}  // namespace dns
