#include "dns/types.hpp"

#include <array>
#include <charconv>
#include <utility>

namespace dns {
namespace {

constexpr std::array<std::pair<std::uint16_t, std::string_view>, 24> type_names{{
    {type::A, "A"},
    {type::NS, "NS"},
    {type::CNAME, "CNAME"},
    {type::SOA, "SOA"},
    {type::PTR, "PTR"},
    {type::HINFO, "HINFO"},
    {type::MX, "MX"},
    {type::TXT, "TXT"},
    {type::AAAA, "AAAA"},
    {type::SRV, "SRV"},
    {type::OPT, "OPT"},
    {type::DS, "DS"},
    {type::RRSIG, "RRSIG"},
    {type::NSEC, "NSEC"},
    {type::DNSKEY, "DNSKEY"},
    {type::IXFR, "IXFR"},
    {type::AXFR, "AXFR"},
    {type::MAILB, "MAILB"},
    {type::MAILA, "MAILA"},
    {type::ANY, "ANY"},
    {type::CAA, "CAA"},
    {99, "SPF"},
    {44, "SSHFP"},
    {52, "TLSA"},
}};

bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        char x = a[i], y = b[i];
        if (x >= 'a' && x <= 'z') x = static_cast<char>(x - 32);
        if (y >= 'a' && y <= 'z') y = static_cast<char>(y - 32);
        if (x != y) return false;
    }
    return true;
}

std::optional<std::uint16_t> numeric_suffix(std::string_view s, std::string_view prefix) {
    if (s.size() <= prefix.size() || !iequals(s.substr(0, prefix.size()), prefix)) return std::nullopt;
    auto digits = s.substr(prefix.size());
    unsigned v = 0;
    auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v);
    if (ec != std::errc() || p != digits.data() + digits.size() || v > 65535) return std::nullopt;
    return static_cast<std::uint16_t>(v);
}

}  // namespace

std::string type_to_string(std::uint16_t t) {
    for (auto& [v, n] : type_names)
        if (v == t) return std::string(n);
    return "TYPE" + std::to_string(t);
}

std::optional<std::uint16_t> type_from_string(std::string_view s) {
    for (auto& [v, n] : type_names)
        if (iequals(n, s)) return v;
    return numeric_suffix(s, "TYPE");
}

std::string class_to_string(std::uint16_t c) {
    switch (c) {
        case klass::IN: return "IN";
        case klass::CH: return "CH";
        case klass::HS: return "HS";
        case klass::ANY: return "ANY";
        default: return "CLASS" + std::to_string(c);
    }
}

std::optional<std::uint16_t> class_from_string(std::string_view s) {
    if (iequals(s, "IN")) return klass::IN;
    if (iequals(s, "CH") || iequals(s, "CHAOS")) return klass::CH;
    if (iequals(s, "HS")) return klass::HS;
    return numeric_suffix(s, "CLASS");
}

std::string rcode_to_string(std::uint16_t r) {
    switch (r) {
        case rcode::NOERROR: return "NOERROR";
        case rcode::FORMERR: return "FORMERR";
        case rcode::SERVFAIL: return "SERVFAIL";
        case rcode::NXDOMAIN: return "NXDOMAIN";
        case rcode::NOTIMP: return "NOTIMP";
        case rcode::REFUSED: return "REFUSED";
        case rcode::NOTAUTH: return "NOTAUTH";
        case rcode::BADVERS: return "BADVERS";
        default: return "RCODE" + std::to_string(r);
    }
}

}  // namespace dns
