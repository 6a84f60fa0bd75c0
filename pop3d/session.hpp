// One POP3 session (RFC 1939): the AUTHORIZATION commands, the TRANSACTION commands on a
// locked maildrop, and UPDATE at QUIT. Talks only through line::Connection; the loop, limits
// and transcript are the driver's (line/session.hpp).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "auth/users.hpp"
#include "line/command.hpp"
#include "line/connection.hpp"
#include "pop3d/maildrop.hpp"
#include "pop3d/protocol.hpp"
#include "pop3d/service.hpp"

namespace pop3d {

/// The protocol object of one connection (line::Protocol). All state lives here, never in a
/// coroutine across commands: sessions park between commands.
class Session {
public:
    Session(line::Connection& c, Service& svc) : c_(&c), svc_(&svc) {}

    [[nodiscard]] net::task<void> greet();
    [[nodiscard]] std::span<const line::Command<Session>> commands() const;
    [[nodiscard]] std::uint32_t state() const { return state_; }
    void refuse(line::Refusal why, const line::CommandLine& cl);

    // AUTHORIZATION (RFC 1939 4, 7; RFC 5034; RFC 2595 4; RFC 6856 3)
    net::task<void> user(std::string_view arg);
    net::task<void> pass(std::string_view arg);
    net::task<void> apop(std::string_view arg);
    net::task<void> auth(std::string_view arg);
    net::task<void> stls(std::string_view arg);
    net::task<void> utf8(std::string_view arg);
    // both states (RFC 2449 5)
    net::task<void> capa(std::string_view arg);
    net::task<void> quit(std::string_view arg);
    // TRANSACTION (RFC 1939 5, 7)
    net::task<void> stat(std::string_view arg);
    net::task<void> list(std::string_view arg);
    net::task<void> retr(std::string_view arg);
    net::task<void> top(std::string_view arg);
    net::task<void> dele(std::string_view arg);
    net::task<void> noop(std::string_view arg);
    net::task<void> rset(std::string_view arg);
    net::task<void> uidl(std::string_view arg);

private:
    /// After a password check: the user's maildrop locked and listed, or the reply saying why not.
    net::task<void> begin_transaction(const std::optional<auth::User>& user);
    /// Checks `password` for `name` and begins the transaction (PASS, AUTH PLAIN).
    net::task<void> login(std::string name, std::string password);
    /// Sends message `n` (RETR, or TOP with `body_lines`).
    net::task<void> send_message(std::size_t n, std::optional<std::size_t> body_lines);
    /// Message `n` of the maildrop for `arg`, or null after the -ERR reply.
    mail::Message* message_for(std::string_view arg, std::size_t& n);
    /// The delay after a failed login the session checked itself (APOP).
    net::task<void> failure_delay();

    line::Connection* c_;
    Service* svc_;
    std::uint32_t state_ = kAuthorization;
    std::string user_;       // USER's name, until PASS
    std::string timestamp_;  // the greeting's APOP timestamp; "" when APOP is off
    std::optional<Maildrop> drop_;
};

}  // namespace pop3d
