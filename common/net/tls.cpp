#include "net/tls.hpp"

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
    return ctx;
}

}  // namespace net
