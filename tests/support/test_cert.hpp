// A fresh self-signed certificate and key (PEM files in a directory) for TLS tests, made with
// OpenSSL at test time so that no key is checked in.
#pragma once

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <cstdio>
#include <memory>
#include <stdexcept>
#include <string>

namespace suite::test {

struct CertFiles {
    std::string cert;
    std::string key;
};

/// Writes `dir`/cert.pem and `dir`/key.pem (EC P-256, CN and SAN `name`, valid one day).
inline CertFiles make_self_signed(const std::string& dir, const std::string& name = "localhost") {
    std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(EVP_EC_gen("P-256"), EVP_PKEY_free);
    if (!key) throw std::runtime_error("EVP_EC_gen failed");
    std::unique_ptr<X509, decltype(&X509_free)> x(X509_new(), X509_free);
    X509_set_version(x.get(), 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x.get()), 1);
    X509_gmtime_adj(X509_getm_notBefore(x.get()), -60);
    X509_gmtime_adj(X509_getm_notAfter(x.get()), 86400);
    X509_set_pubkey(x.get(), key.get());
    X509_NAME* n = X509_get_subject_name(x.get());
    X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(name.c_str()), -1, -1, 0);
    X509_set_issuer_name(x.get(), n);
    if (X509_sign(x.get(), key.get(), EVP_sha256()) == 0) throw std::runtime_error("X509_sign failed");
    CertFiles f{dir + "/cert.pem", dir + "/key.pem"};
    auto write = [](const std::string& path, auto&& fn) {
        std::unique_ptr<FILE, decltype(&std::fclose)> fp(std::fopen(path.c_str(), "w"), std::fclose);
        if (!fp || fn(fp.get()) != 1) throw std::runtime_error("cannot write " + path);
    };
    write(f.cert, [&](FILE* fp) { return PEM_write_X509(fp, x.get()); });
    write(f.key, [&](FILE* fp) { return PEM_write_PrivateKey(fp, key.get(), nullptr, nullptr, 0, nullptr, nullptr); });
    return f;
}

}  // namespace suite::test
