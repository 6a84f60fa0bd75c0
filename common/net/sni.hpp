// TLS server certificates chosen by SNI (RFC 6066 3): one default pair and one per host name.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "net/asio.hpp"

namespace net {

/// A certificate chain and key in PEM files, served to clients that ask for one of `names`
/// (case-insensitive, exact; empty for the default pair).
struct CertificatePair {
    std::vector<std::string> names;
    std::string cert_file;
    std::string key_file;
};

/// TLS 1.2+ server contexts for several host names behind one listener: the handshake's
/// server_name picks the pair that lists it, any other name (or none) gets the default pair.
/// Shared by every worker thread, replaced whole on reload; a handshake keeps the set it began
/// with. Thread-safe.
class CertificateSet {
public:
    /// Loads every pair now. Throws std::runtime_error naming the file.
    void load(CertificatePair fallback, std::vector<CertificatePair> named);
    /// Re-reads the files; on failure keeps the current set and throws.
    void reload();
    /// The context to start a handshake with (the default pair's, switching to a named pair's
    /// on SNI); it keeps the whole set alive. Null before load().
    [[nodiscard]] std::shared_ptr<asio::ssl::context> get() const;

    struct Loaded;

private:
    mutable std::mutex mu_;
    CertificatePair fallback_;
    std::vector<CertificatePair> named_;
    std::shared_ptr<Loaded> current_;
};

}  // namespace net
