// TLS server contexts (OpenSSL through asio::ssl).
#pragma once

#include <memory>
#include <string>

#include "net/asio.hpp"

namespace net {

/// A TLS 1.2+ server context from PEM files. Throws std::runtime_error naming the file.
[[nodiscard]] std::shared_ptr<asio::ssl::context> make_server_tls(const std::string& cert_file,
                                                                  const std::string& key_file);

}  // namespace net
