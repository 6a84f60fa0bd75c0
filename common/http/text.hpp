// Small character helpers shared by the HTTP codec and its users. Pure, header-only.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace http {

/// Upper-case hexadecimal digits by value (percent-encoding, log escapes).
inline constexpr char kHexDigits[] = "0123456789ABCDEF";

/// Value of a hexadecimal digit, or -1.
[[nodiscard]] inline int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/// Parses 1 to 18 decimal digits (no sign, no spaces: 18 digits cannot overflow and are far
/// above any limit). Returns false otherwise, leaving `out` unchanged.
[[nodiscard]] inline bool parse_decimal(std::string_view s, std::uint64_t& out) {
    if (s.empty() || s.size() > 18) return false;
    std::uint64_t v = 0;
    for (char c : s) {
        if (c < '0' || c > '9') return false;
        v = v * 10 + static_cast<std::uint64_t>(c - '0');
    }
    out = v;
    return true;
}

/// ASCII lower-case copy (field names, media type extensions, host names).
[[nodiscard]] inline std::string ascii_lower(std::string_view s) {
    std::string out(s);
    for (auto& c : out)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + ('a' - 'A'));
    return out;
}

}  // namespace http
