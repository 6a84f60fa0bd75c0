// TLS server contexts (OpenSSL through asio::ssl).
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "net/asio.hpp"

namespace net {

/// A TLS 1.2+ server context from PEM files (certificate chain, private key that matches it).
/// Throws std::runtime_error naming the file.
[[nodiscard]] std::shared_ptr<asio::ssl::context> make_server_tls(const std::string& cert_file,
                                                                  const std::string& key_file);

/// A daemon's TLS context, shared by every worker thread and replaced on reload (a renewed
/// certificate): each handshake takes the current context, so a reload never disturbs a
/// handshake in progress. Thread-safe.
class TlsContext {
public:
    /// Loads the pair now. Throws std::runtime_error naming the file.
    void load(const std::string& cert_file, const std::string& key_file);
    /// Re-reads the files given to load(); on failure keeps the current context and throws.
    void reload();
    /// The current context; null when TLS is not configured.
    [[nodiscard]] std::shared_ptr<asio::ssl::context> get() const;
    [[nodiscard]] bool enabled() const { return get() != nullptr; }

private:
    mutable std::mutex mu_;
    std::string cert_file_;
    std::string key_file_;
    std::shared_ptr<asio::ssl::context> ctx_;
};

}  // namespace net
