// The relay's SMTP client (RFC 5321 client side): one transaction with one server address,
// EHLO then HELO, STARTTLS when offered (opportunistic, RFC 7435), the DSN, SIZE, 8BITMIME
// and SMTPUTF8 parameters when offered, the message streamed from its queue file.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "net/asio.hpp"
#include "smtpd/envelope.hpp"

namespace smtpd {

/// A parsed server reply: the code and the text lines (joined by "; " for diagnostics).
struct Reply {
    int code = 0;                      ///< 0 when no reply was read (connection or protocol failure)
    std::string text{};                ///< "250 2.0.0 Ok" (the last line, code included)
    std::vector<std::string> lines{};  ///< every line without the "250-" prefix
    [[nodiscard]] bool positive() const { return code >= 200 && code < 400; }
    [[nodiscard]] bool permanent() const { return code >= 500; }
};

/// Incremental parser of multi-line replies ("250-a", "250 b"). Pure.
class ReplyParser {
public:
    /// Feeds one line (without CRLF); true when the reply is complete (then see reply()).
    /// A malformed line makes a reply with code 0.
    bool line(std::string_view l);
    [[nodiscard]] const Reply& reply() const { return reply_; }
    void reset() { reply_ = Reply{}; }

private:
    Reply reply_;
};

/// How a transaction went, per recipient: code 2xx delivered, 5xx permanent, else temporary.
struct TransactionResult {
    bool connected = false;
    bool failed = false;        ///< the transaction as a whole failed (see session, error)
    bool dsn = false;           ///< the server advertised DSN: success reports are its job now
    Reply session{};            ///< the reply that ended the transaction early (greeting, MAIL, DATA), if any
    std::vector<Reply> rcpt{};  ///< one per recipient given (code 0: not attempted)
    std::string error{};        ///< a local failure ("connect: Connection refused")
};

/// What the client needs besides the message.
struct ClientOptions {
    std::string helo{};                         ///< our host name
    std::chrono::milliseconds timeout{300000};  ///< each read/write (RFC 5321 4.5.3.2 minimums)
    asio::ssl::context* tls = nullptr;          ///< for STARTTLS; null = never
};

/// Sockets of transactions in progress, so that a stop can close them (one thread).
using LiveSockets = std::set<net::tcp::socket*>;

/// Sends the message of queue file `path` (stored form from `offset`) to `rcpts` through the
/// server at `server`. Never throws for network failures (see TransactionResult).
[[nodiscard]] net::task<TransactionResult> send_message(const ClientOptions& opts, net::tcp::endpoint server,
                                                        const Envelope& envelope, std::vector<QueuedRcpt> rcpts,
                                                        std::string path, std::uint64_t offset, LiveSockets& live);

}  // namespace smtpd
