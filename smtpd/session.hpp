// One SMTP server session (RFC 5321): the command table, the state machine and the handlers.
// It talks to the client only through line::Connection.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "app/daemon.hpp"
#include "auth/authenticator.hpp"
#include "line/connection.hpp"
#include "mail/dot.hpp"
#include "smtpd/config.hpp"
#include "smtpd/protocol.hpp"
#include "smtpd/spool.hpp"

namespace smtpd {

/// What every session of the daemon shares (read-only while serving, except the
/// Authenticator and the TLS context, which are thread-safe).
struct Shared {
    const Config& cfg;
    Settings settings;
    std::shared_ptr<auth::Authenticator> users;
    net::TlsContext& tls;
    line::Limits limits{};
    line::Dialect dialect{};
    /// Called (on the session's thread) with the queue file's path after a message was
    /// committed to the queue.
    std::function<void(std::string)> queued{};
};

/// The limits and dialect of `cfg` (the texts name `hostname`).
[[nodiscard]] line::Limits session_limits(const Config& cfg);
[[nodiscard]] line::Dialect session_dialect(const std::string& hostname);

/// Session states: one bit each, for the command table.
enum State : std::uint32_t {
    st_init = 1,   ///< before HELO/EHLO
    st_ready = 2,  ///< after HELO/EHLO, no transaction
    st_mail = 4,   ///< after MAIL
    st_rcpt = 8,   ///< after at least one accepted RCPT
    st_bdat = 16,  ///< inside a BDAT sequence (RFC 3030)
    st_any = 31,
};

/// One recipient accepted by RCPT.
struct Recipient {
    RcptTo rcpt{};
    std::string user{};  ///< the local user, or "" for a recipient to relay
};

class Session {
public:
    Session(line::Connection& c, Shared& shared);

    net::task<void> greet();
    [[nodiscard]] std::span<const line::Command<Session>> commands() const;
    [[nodiscard]] std::uint32_t state() const { return state_; }
    void refuse(line::Refusal why, const line::CommandLine& cl);

    net::task<void> helo(std::string_view arg);
    net::task<void> ehlo(std::string_view arg);
    net::task<void> mail(std::string_view arg);
    net::task<void> rcpt(std::string_view arg);
    net::task<void> data(std::string_view arg);
    net::task<void> bdat(std::string_view arg);
    net::task<void> rset(std::string_view arg);
    net::task<void> noop(std::string_view arg);
    net::task<void> vrfy(std::string_view arg);
    net::task<void> help(std::string_view arg);
    net::task<void> quit(std::string_view arg);
    net::task<void> starttls(std::string_view arg);
    net::task<void> auth(std::string_view arg);
    net::task<void> not_implemented(std::string_view arg);

private:
    void reset_transaction();
    void start_session(std::string_view helo, bool esmtp);
    [[nodiscard]] bool may_relay() const;
    [[nodiscard]] bool may_auth() const;
    [[nodiscard]] std::string received(std::string_view id) const;
    net::task<std::error_code> begin_spool();
    net::task<void> finish_message();
    net::task<void> report_delivered();
    net::task<bool> read_data_body(bool& too_big);
    net::task<bool> read_chunk(std::uint64_t size, bool keep);
    net::task<std::optional<std::string>> sasl_response(std::string_view challenge, std::string_view initial);
    void end_on_read(net::ReadStatus st);

    line::Connection& c_;
    Shared& s_;
    std::uint32_t state_ = st_init;
    std::string helo_{};
    bool esmtp_ = false;
    std::string user_{};  // after AUTH
    MailFrom from_{};
    std::vector<Recipient> rcpts_{};
    std::size_t rcpt_count_ = 0;  // accepted RCPT commands (duplicates included), for the limit
    Spool spool_{};
    std::uint64_t received_bytes_ = 0;  // BDAT: the message so far
    bool chunk_failed_ = false;         // BDAT: a chunk was refused; the rest are discarded
    HopCounter hops_{};                 // trace fields of the message so far
    std::uint64_t messages_ = 0;
};

}  // namespace smtpd
