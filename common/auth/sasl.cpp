#include "auth/sasl.hpp"

#include <openssl/evp.h>

namespace auth {

namespace {

int sextet(char c) {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}

}  // namespace

std::optional<std::string> base64_decode(std::string_view text) {
    if (text.size() % 4 != 0) return std::nullopt;
    if (text.empty()) return std::string();
    // OpenSSL decodes; it is lenient (blanks at either end, '=' anywhere in the last group,
    // non-zero pad bits), so the strict form is checked first.
    const std::size_t pad = text.ends_with("==") ? 2 : text.ends_with("=") ? 1 : 0;
    for (std::size_t i = 0; i + pad < text.size(); ++i)
        if (sextet(text[i]) < 0) return std::nullopt;
    const int last = sextet(text[text.size() - 1 - pad]);
    if ((pad == 1 && (last & 0x3) != 0) || (pad == 2 && (last & 0xf) != 0)) return std::nullopt;
    std::string out(text.size() / 4 * 3, '\0');
    const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                  reinterpret_cast<const unsigned char*>(text.data()), static_cast<int>(text.size()));
    // EVP_DecodeBlock counts the padding as decoded zero bytes.
    if (n < 0 || static_cast<std::size_t>(n) != out.size()) return std::nullopt;
    out.resize(out.size() - pad);
    return out;
}

std::string base64_encode(std::string_view bytes) {
    std::string out((bytes.size() + 2) / 3 * 4 + 1, '\0');
    const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                  reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()));
    out.resize(static_cast<std::size_t>(n));
    return out;
}

PlainError split_plain(std::string_view s, PlainCredentials& out) {
    const auto a = s.find('\0');
    const auto b = a == std::string_view::npos ? a : s.find('\0', a + 1);
    if (b == std::string_view::npos) return PlainError::no_separator;
    out.authzid.assign(s.substr(0, a));
    out.authcid.assign(s.substr(a + 1, b - a - 1));
    out.password.assign(s.substr(b + 1));
    if (s.find('\0', b + 1) != std::string_view::npos) return PlainError::extra_separator;
    if (out.authcid.empty() || out.password.empty()) return PlainError::empty_field;
    if (out.authzid.size() > kMaxSaslField || out.authcid.size() > kMaxSaslField || out.password.size() > kMaxSaslField)
        return PlainError::too_long;
    return PlainError::ok;
}

}  // namespace auth
