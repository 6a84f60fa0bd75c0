#include "httpd/https.hpp"

#include <spdlog/spdlog.h>

#include "net/endpoint.hpp"

namespace httpd {

namespace {

constexpr std::chrono::milliseconds kCloseNotifyTime{1000};

}  // namespace

net::SessionHandler https_session(const net::CertificateSet& certs, const http::Handler& handler,
                                  const http::ServerOptions& opts, std::chrono::milliseconds handshake_timeout) {
    return [&certs, &handler, &opts, handshake_timeout](net::Stream& stream) -> net::task<void> {
        // The set is held for the whole connection: a reload (SIGHUP) may replace it meanwhile.
        const auto ctx = certs.get();
        if (!ctx) co_return;
        net::error_code ec;
        stream.expires_after(handshake_timeout);
        co_await stream.start_tls(*ctx, ec);
        if (ec) {
            spdlog::debug("https {}: handshake failed: {}", net::to_string(stream.peer()), ec.message());
            co_return;
        }
        co_await http::serve(stream, handler, opts);
        // The driver sent close_notify where it closed; after an idle timeout or a client's
        // close it did not (a second call is a no-op once sent).
        if (stream.is_open()) {
            stream.expires_after(kCloseNotifyTime);
            co_await stream.shutdown_tls(ec, /*wait_for_peer=*/false);
        }
    };
}

}  // namespace httpd
