#include "pop3d/protocol.hpp"

#include <array>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "auth/sasl.hpp"

namespace pop3d {

namespace {

std::optional<std::size_t> parse_count(std::string_view s) {
    if (s.empty() || s.size() > kMaxNumberDigits) return std::nullopt;
    std::size_t n = 0;
    for (char c : s) {
        if (c < '0' || c > '9') return std::nullopt;
        n = n * 10 + static_cast<std::size_t>(c - '0');
    }
    return n;
}

bool is_hex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; }

}  // namespace

std::optional<std::size_t> parse_number(std::string_view arg) {
    auto n = parse_count(arg);
    if (!n || *n == 0) return std::nullopt;
    return n;
}

std::optional<TopArgs> parse_top(std::string_view arg) {
    const auto sp = arg.find(' ');
    if (sp == std::string_view::npos) return std::nullopt;
    auto msg = parse_number(arg.substr(0, sp));
    auto lines = parse_count(arg.substr(sp + 1));
    if (!msg || !lines) return std::nullopt;
    return TopArgs{*msg, *lines};
}

std::optional<ApopArgs> parse_apop(std::string_view arg) {
    // RFC 1939 7: "APOP name digest"; names hold no spaces.
    const auto sp = arg.rfind(' ');
    if (sp == std::string_view::npos || sp == 0) return std::nullopt;
    ApopArgs a{arg.substr(0, sp), arg.substr(sp + 1)};
    if (a.name.find(' ') != std::string_view::npos || a.digest.size() != 32) return std::nullopt;
    for (char c : a.digest)
        if (!is_hex(c)) return std::nullopt;
    return a;
}

std::string apop_digest(std::string_view timestamp, std::string_view secret) {
    std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
    unsigned len = 0;
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    // RFC 1939 7: MD5 over the timestamp (angle brackets included) followed by the secret.
    EVP_DigestInit_ex(ctx, EVP_md5(), nullptr);
    EVP_DigestUpdate(ctx, timestamp.data(), timestamp.size());
    EVP_DigestUpdate(ctx, secret.data(), secret.size());
    EVP_DigestFinal_ex(ctx, md.data(), &len);
    EVP_MD_CTX_free(ctx);
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    for (unsigned i = 0; i < len; ++i) {
        out += kHex[md[i] >> 4];
        out += kHex[md[i] & 15];
    }
    return out;
}

bool digest_matches(std::string_view client, std::string_view expected) {
    if (client.size() != expected.size()) return false;
    std::string folded(client);
    for (char& c : folded) c = lower(c);
    return CRYPTO_memcmp(folded.data(), expected.data(), folded.size()) == 0;
}

std::string apop_timestamp(std::uint64_t pid, std::uint64_t counter, std::uint64_t seconds, std::string_view host) {
    std::string h;
    for (char c : host)  // a msg-id's right side: no brackets, spaces or controls
        if (c > 0x20 && c < 0x7f && c != '<' && c != '>' && c != '@') h += c;
    if (h.empty()) h = "localhost";
    return "<" + std::to_string(pid) + "." + std::to_string(counter) + "." + std::to_string(seconds) + "@" + h + ">";
}

std::optional<PlainCredentials> decode_plain(std::string_view base64) {
    auto raw = auth::base64_decode(base64);
    if (!raw) return std::nullopt;
    PlainCredentials c;
    const auto err = auth::split_plain(*raw, c);
    OPENSSL_cleanse(raw->data(), raw->size());  // the password is in there
    if (err != auth::PlainError::ok) {
        OPENSSL_cleanse(c.password.data(), c.password.size());
        return std::nullopt;
    }
    return c;
}

bool valid_utf8(std::string_view s) {
    std::size_t i = 0;
    while (i < s.size()) {
        const auto c = static_cast<unsigned char>(s[i]);
        std::size_t n = 0;
        std::uint32_t cp = 0;
        if (c < 0x80) {
            ++i;
            continue;
        }
        if ((c & 0xe0) == 0xc0) n = 1, cp = c & 0x1f;
        else if ((c & 0xf0) == 0xe0) n = 2, cp = c & 0x0f;
        else if ((c & 0xf8) == 0xf0) n = 3, cp = c & 0x07;
        else return false;
        if (i + n >= s.size()) return false;
        for (std::size_t k = 1; k <= n; ++k) {
            const auto d = static_cast<unsigned char>(s[i + k]);
            if ((d & 0xc0) != 0x80) return false;
            cp = cp << 6 | (d & 0x3f);
        }
        static constexpr std::uint32_t kMin[] = {0, 0x80, 0x800, 0x10000};
        if (cp < kMin[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
        i += n + 1;
    }
    return true;
}

std::vector<std::string> capabilities(const CapaContext& ctx) {
    std::vector<std::string> caps{"TOP", "UIDL", "RESP-CODES", "AUTH-RESP-CODE", "PIPELINING", "UTF8 USER"};
    if (!ctx.logged_in) {
        caps.emplace_back("USER");
        caps.emplace_back("SASL PLAIN");
        if (ctx.tls_available && !ctx.tls_active) caps.emplace_back("STLS");
    }
    caps.emplace_back("IMPLEMENTATION netsuite-pop3d");
    return caps;
}

}  // namespace pop3d
