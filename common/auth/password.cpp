#include "auth/password.hpp"

#include <crypt.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <stdexcept>

namespace auth {
namespace {

// crypt_data is about 32 KiB: one per thread that verifies (the blocking pool's few threads),
// on the heap, never on a coroutine frame or per connection.
crypt_data& thread_crypt_data() {
    thread_local std::unique_ptr<crypt_data> data = std::make_unique<crypt_data>();
    return *data;
}

bool crypt_alphabet(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '/' ||
           c == '$' || c == '=' || c == ',';
}

}  // namespace

bool is_crypt_hash(std::string_view hash) {
    if (hash.empty() || !std::all_of(hash.begin(), hash.end(), crypt_alphabet)) return false;
    const std::string h(hash);
    const int check = crypt_checksalt(h.c_str());
    if (check != CRYPT_SALT_OK && check != CRYPT_SALT_METHOD_LEGACY) return false;
    // crypt_checksalt looks at the settings only ("$6$salt" passes): a "$id$" hash also needs
    // its hash part after the settings.
    // Traditional DES is exactly 13 characters, BSDi's extended DES "_" and 19 more.
    if (hash.front() == '_') return hash.size() == 20;
    if (hash.front() != '$') return hash.size() == 13;
    return std::count(hash.begin(), hash.end(), '$') >= 3 && hash.back() != '$';
}

bool verify_crypt(std::string_view password, const std::string& hash) {
    if (password.find('\0') != std::string_view::npos) return false;
    const std::string pw(password);
    crypt_data& data = thread_crypt_data();
    const char* out = crypt_r(pw.c_str(), hash.c_str(), &data);
    // libxcrypt returns a string starting with "*" (or NULL) for a hash it cannot use.
    bool ok = out != nullptr && out[0] != '*';
    if (ok) {
        const std::size_t len = std::strlen(out);
        ok = len == hash.size() && CRYPTO_memcmp(out, hash.data(), len) == 0;
    }
    OPENSSL_cleanse(&data, sizeof data);  // derived key material; also resets `initialized`
    return ok;
}

bool verify_plain(std::string_view password, std::string_view secret) {
    // Comparing digests takes the same time whatever the lengths and contents.
    unsigned char a[EVP_MAX_MD_SIZE], b[EVP_MAX_MD_SIZE];
    unsigned int la = 0, lb = 0;
    EVP_Digest(password.data(), password.size(), a, &la, EVP_sha256(), nullptr);
    EVP_Digest(secret.data(), secret.size(), b, &lb, EVP_sha256(), nullptr);
    return la == lb && CRYPTO_memcmp(a, b, la) == 0;
}

std::string hash_password(std::string_view password) {
    if (password.find('\0') != std::string_view::npos) throw std::runtime_error("password contains a NUL byte");
    char setting[CRYPT_GENSALT_OUTPUT_SIZE];
    // Default cost and random bytes from the OS (libxcrypt's CRYPT_GENSALT_IMPLEMENTS_AUTO_ENTROPY).
    if (!crypt_gensalt_rn("$y$", 0, nullptr, 0, setting, sizeof setting))
        throw std::runtime_error(std::string("crypt_gensalt: ") + std::strerror(errno));
    const std::string pw(password);
    crypt_data& data = thread_crypt_data();
    const char* out = crypt_r(pw.c_str(), setting, &data);
    if (!out || out[0] == '*') throw std::runtime_error("crypt_r failed for yescrypt");
    std::string hash(out);
    OPENSSL_cleanse(&data, sizeof data);
    return hash;
}

}  // namespace auth
