#include "net/sni.hpp"

#include <openssl/ssl.h>

#include <algorithm>
#include <cctype>
#include <utility>

#include "net/tls.hpp"

namespace net {

namespace {

std::string lower(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
    return out;
}

std::shared_ptr<asio::ssl::context> make_context(const CertificatePair& p) {
    auto ctx = make_server_tls(p.cert_file, p.key_file);
    // TLS 1.2 and 1.3 only, whatever the library's defaults allow.
    SSL_CTX_set_min_proto_version(ctx->native_handle(), TLS1_2_VERSION);
    // An idle connection gives its record buffers (about 34 KiB) back to the allocator.
    SSL_CTX_set_mode(ctx->native_handle(), SSL_MODE_RELEASE_BUFFERS);
    return ctx;
}

}  // namespace

struct CertificateSet::Loaded {
    std::shared_ptr<asio::ssl::context> fallback;
    std::vector<std::pair<std::string, std::shared_ptr<asio::ssl::context>>> by_name;  // lower-case

    [[nodiscard]] SSL_CTX* find(std::string_view name) const {
        const std::string key = lower(name);
        for (const auto& [n, ctx] : by_name)
            if (n == key) return ctx->native_handle();
        return nullptr;
    }

    // RFC 6066 3: the client names the host it wants; switch to that host's certificate. An
    // unknown name is not an error (the default certificate is served, as nginx does).
    static int on_server_name(SSL* ssl, int* /*alert*/, void* arg) {
        const auto* self = static_cast<const Loaded*>(arg);
        const char* name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
        if (name == nullptr) return SSL_TLSEXT_ERR_NOACK;
        SSL_CTX* ctx = self->find(name);
        if (ctx == nullptr) return SSL_TLSEXT_ERR_NOACK;
        SSL_set_SSL_CTX(ssl, ctx);
        return SSL_TLSEXT_ERR_OK;
    }
};

void CertificateSet::load(CertificatePair fallback, std::vector<CertificatePair> named) {
    {
        std::lock_guard lock(mu_);
        fallback_ = std::move(fallback);
        named_ = std::move(named);
    }
    reload();
}

void CertificateSet::reload() {
    CertificatePair fallback;
    std::vector<CertificatePair> named;
    {
        std::lock_guard lock(mu_);
        fallback = fallback_;
        named = named_;
    }
    auto set = std::make_shared<Loaded>();
    set->fallback = make_context(fallback);
    for (const auto& p : named) {
        auto ctx = make_context(p);
        for (const auto& n : p.names) set->by_name.emplace_back(lower(n), ctx);
    }
    SSL_CTX_set_tlsext_servername_callback(set->fallback->native_handle(), &Loaded::on_server_name);
    SSL_CTX_set_tlsext_servername_arg(set->fallback->native_handle(), set.get());
    std::lock_guard lock(mu_);
    current_ = std::move(set);
}

std::shared_ptr<asio::ssl::context> CertificateSet::get() const {
    std::lock_guard lock(mu_);
    if (!current_) return nullptr;
    return {current_, current_->fallback.get()};  // aliasing: holds the whole set
}

}  // namespace net
