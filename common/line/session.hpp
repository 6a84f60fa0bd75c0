// The line-protocol session loop shared by SMTP, POP3 and FTP: greet, then read a command,
// trace it, check it against the protocol's command table and state, run its handler or
// refuse it, until the session ends. Beast's do_session, for line protocols.
#pragma once

#include <concepts>
#include <cstdint>
#include <span>
#include <string_view>
#include <utility>

#include "line/command.hpp"
#include "line/connection.hpp"
#include "net/server.hpp"

namespace line {

/// What `run` needs of a protocol P (its state machine and handlers; the replies go through
/// the Connection it was given):
///   net::task<void> greet();                              the greeting (may close at once)
///   std::span<const Command<P>> commands() const;         the command table
///   std::uint32_t state() const;                          the current state, one bit of Command::states
///   void refuse(Refusal why, const CommandLine& line);    the reply to a refused command
template <class P>
concept Protocol = requires(P& p, const P& cp, Refusal why, const CommandLine& cl) {
    { p.greet() } -> std::same_as<net::task<void>>;
    { cp.commands() } -> std::convertible_to<std::span<const Command<P>>>;
    { cp.state() } -> std::convertible_to<std::uint32_t>;
    p.refuse(why, cl);
};

/// Runs one session to its end (the client quits or goes away, a limit or deadline ends it,
/// a handler calls close_after_reply(), or the server drains), then flushes and closes
/// gracefully. A handler's exception ends the session (the runtime logs it with the peer).
template <Protocol P>
net::task<void> run(Connection& c, P& p) {
    co_await p.greet();
    std::string_view text;
    while (co_await c.next_command(text)) {
        const CommandLine cl = split_command(text);
        const std::span<const Command<P>> table = p.commands();
        const Command<P>* cmd = find_command(table, cl.verb);
        c.trace_command(text, cmd != nullptr ? cmd->shown : Shown::whole);
        if (const auto why = refusal(cmd, cl, p.state())) {
            p.refuse(*why, cl);
            c.count_error();
            continue;
        }
        co_await (p.*(cmd->handler))(cl.arg);
    }
    co_await c.finish();
}

/// The runtime's session handler for protocol P: each connection gets a Connection with these
/// limits and dialect, and a P made by `make(Connection&)` (returning P by value), run to its
/// end. Daemons register this rather than writing the coroutine themselves, so that how an
/// idle session waits stays the driver's business. `limits`, `dialect` and whatever `make`
/// refers to must outlive the runtime.
template <Protocol P, class Make>
[[nodiscard]] net::SessionHandler serve(const Limits& limits, const Dialect& dialect, Make make) {
    return [&limits, &dialect, make = std::move(make)](net::Stream& s) -> net::task<void> {
        Connection c(s, limits, dialect);
        P p = make(c);
        co_await run(c, p);
    };
}

}  // namespace line
