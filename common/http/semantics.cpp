#include "http/semantics.hpp"

#include <cstdint>

#include "http/message.hpp"

namespace http {
namespace {
std::string_view trim(std::string_view v) {
    while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
    while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
    return v;
}

// A byte position, 1*DIGIT (RFC 9110 14.1.1), with no limit on digits: a value past 64 bits
// saturates, which is past any representation's end (a last-byte-pos is then clamped, a
// first-byte-pos unsatisfiable). Content-Length keeps the strict 18-digit parse.
bool parse_position(std::string_view s, std::uint64_t& out) {
    if (s.empty()) return false;
    std::uint64_t v = 0;
    for (char c : s) {
        if (c < '0' || c > '9') return false;
        const auto d = static_cast<std::uint64_t>(c - '0');
        v = v > (UINT64_MAX - d) / 10 ? UINT64_MAX : v * 10 + d;
    }
    out = v;
    return true;
}

std::string_view opaque(std::string_view tag, bool& is_weak) {
    is_weak = tag.size() >= 2 && tag[0] == 'W' && tag[1] == '/';
    if (is_weak) tag.remove_prefix(2);
    return tag;
}
}  // namespace

RangeResult evaluate_range(std::string_view value, std::uint64_t size, std::size_t max_ranges) {
    value = trim(value);
    const auto eq = value.find('=');
    if (eq == std::string_view::npos || !iequals(trim(value.substr(0, eq)), "bytes")) return {};
    std::string_view specs = value.substr(eq + 1);
    std::size_t satisfiable = 0, count = 0;
    ByteRange found;
    while (true) {
        const auto comma = specs.find(',');
        const auto spec = trim(specs.substr(0, comma));
        if (!spec.empty()) {
            if (++count > max_ranges) return {};
            const auto dash = spec.find('-');
            if (dash == std::string_view::npos) return {};
            const auto a = spec.substr(0, dash), b = spec.substr(dash + 1);
            std::uint64_t first = 0, last = 0;
            if (a.empty()) {
                // suffix-range "-N": the last N bytes
                if (!parse_position(b, last)) return {};
                if (last > 0 && size > 0) {
                    ++satisfiable;
                    found = {last >= size ? 0 : size - last, size - 1};
                }
            } else {
                if (!parse_position(a, first)) return {};
                if (b.empty()) {
                    last = size == 0 ? 0 : size - 1;
                } else if (!parse_position(b, last) || last < first) {
                    return {};  // invalid syntax: ignore the field
                }
                if (first < size) {
                    ++satisfiable;
                    found = {first, last >= size ? size - 1 : last};
                }
            }
        }
        if (comma == std::string_view::npos) break;
        specs.remove_prefix(comma + 1);
    }
    if (count == 0) return {};
    if (satisfiable == 0) return {RangeKind::unsatisfiable, {}};
    if (count > 1) return {RangeKind::multiple, {}};
    return {RangeKind::single, found};
}

bool etag_matches(std::string_view list, std::string_view etag, bool weak) {
    list = trim(list);
    if (list == "*") return true;
    bool etag_weak = false;
    const auto etag_opaque = opaque(etag, etag_weak);
    if (etag_weak && !weak) return false;
    while (!list.empty()) {
        const auto comma = list.find(',');
        const auto tag = trim(list.substr(0, comma));
        bool tag_weak = false;
        const auto tag_opaque = opaque(tag, tag_weak);
        if (!tag_opaque.empty() && tag_opaque == etag_opaque && (weak || !tag_weak)) return true;
        if (comma == std::string_view::npos) break;
        list.remove_prefix(comma + 1);
    }
    return false;
}

}  // namespace http
