#include "net/tls.hpp"

#include <openssl/ssl.h>

#include <stdexcept>

namespace net {

std::shared_ptr<asio::ssl::context> make_server_tls(const std::string& cert_file, const std::string& key_file) {
    auto ctx = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_server);
    ctx->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                     asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 | asio::ssl::context::no_tlsv1_1 |
                     asio::ssl::context::single_dh_use);
    error_code ec;
    ctx->use_certificate_chain_file(cert_file, ec);
    if (ec) throw std::runtime_error(cert_file + ": " + ec.message());
    ctx->use_private_key_file(key_file, asio::ssl::context::pem, ec);
    if (ec) throw std::runtime_error(key_file + ": " + ec.message());
    if (SSL_CTX_check_private_key(ctx->native_handle()) != 1)
        throw std::runtime_error(key_file + ": the private key does not match the certificate in " + cert_file);
    return ctx;
}

void TlsContext::load(const std::string& cert_file, const std::string& key_file) {
    auto ctx = make_server_tls(cert_file, key_file);
    std::lock_guard lock(mu_);
    cert_file_ = cert_file;
    key_file_ = key_file;
    ctx_ = std::move(ctx);
}

void TlsContext::reload() {
    std::string cert, key;
    {
        std::lock_guard lock(mu_);
        if (!ctx_) return;
        cert = cert_file_;
        key = key_file_;
    }
    auto ctx = make_server_tls(cert, key);
    std::lock_guard lock(mu_);
    ctx_ = std::move(ctx);
}

std::shared_ptr<asio::ssl::context> TlsContext::get() const {
    std::lock_guard lock(mu_);
    return ctx_;
}

}  // namespace net
