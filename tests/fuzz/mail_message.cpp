// The RFC 5322 header parser and dot-stuffing both ways: any bytes as a message, as DATA input.
#include <cstdlib>
#include <string>
#include <string_view>

#include "mail/dot.hpp"
#include "mail/rfc5322.hpp"

namespace {

mail::UnstuffResult unstuff(std::string_view in, std::size_t split, mail::BareNewline mode, std::string& out) {
    mail::DotUnstuffer u(mode);
    auto r = u.feed(in.substr(0, split), out);
    if (r.complete) return r;
    auto rest = u.feed(in.substr(split), out);
    return {r.consumed + rest.consumed, rest.complete};
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view in(reinterpret_cast<const char*>(data), size);
    auto h = mail::parse_header(in);
    if (h.body_offset > size) std::abort();
    (void)mail::parse_header(in, {.max_bytes = 64, .max_fields = 3});
    // DATA input: whole and split at one point agree.
    for (auto mode : {mail::BareNewline::keep, mail::BareNewline::normalize}) {
        std::string whole, split;
        auto a = unstuff(in, size, mode, whole);
        auto b = unstuff(in, size / 2, mode, split);
        if (a.consumed != b.consumed || a.complete != b.complete || whole != split) std::abort();
    }
    // Any text, stuffed, reads back as one complete message ending exactly at its terminator.
    const std::string wire = mail::to_network(in);
    std::string back;
    auto r = mail::DotUnstuffer().feed(wire, back);
    if (!r.complete || r.consumed != wire.size()) std::abort();
    (void)mail::to_network(in, 2);
    return 0;
}
