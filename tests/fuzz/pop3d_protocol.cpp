// POP3's argument parsers, strict base64 / SASL PLAIN and UTF-8 validation on any bytes: no
// crash, and what parses is what a well-formed argument would say.
#include <cstdlib>
#include <string>
#include <string_view>

#include "pop3d/protocol.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view in(reinterpret_cast<const char*>(data), size);
    if (auto n = pop3d::parse_number(in)) {
        if (*n == 0 || std::to_string(*n).size() > in.size()) std::abort();
    }
    if (auto t = pop3d::parse_top(in)) {
        if (t->msg == 0) std::abort();
    }
    if (auto a = pop3d::parse_apop(in)) {
        if (a->digest.size() != 32 || a->name.empty()) std::abort();
        (void)pop3d::digest_matches(a->digest, pop3d::apop_digest("<1.2@h>", a->name));
    }
    if (auto b = auth::base64_decode(in)) {
        if (b->size() != in.size() / 4 * 3 - (in.ends_with("==") ? 2 : in.ends_with("=") ? 1 : 0)) std::abort();
    }
    if (auto c = pop3d::decode_plain(in)) {
        if (c->authcid.empty() || c->password.empty()) std::abort();
    }
    (void)pop3d::valid_utf8(in);
    (void)pop3d::apop_timestamp(1, 2, 3, in);
    return 0;
}
