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

namespace detail {

// Commands until the session ends (true: finished) or, with `may_park`, until it would wait.
template <Protocol P>
net::task<bool> commands(Connection& c, P& p, bool may_park) {
    std::string_view text;
    for (;;) {
        const Next next = co_await c.next_command(text, may_park);
        if (next == Next::park) co_return false;
        if (next == Next::end) break;
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
    // Work a handler started beside the loop (an FTP transfer) ends before the connection does.
    if constexpr (requires {
                      { p.on_end() } -> std::same_as<net::task<void>>;
                  })
        co_await p.on_end();
    co_await c.finish();
    co_return true;
}

}  // namespace detail

/// Runs one session to its end (the client quits or goes away, a limit or deadline ends it,
/// a handler calls close_after_reply(), or the server drains), then flushes and closes
/// gracefully, in one coroutine. A handler's exception ends the session. P may also have
/// `net::task<void> on_end()`, awaited before the connection closes.
template <Protocol P>
net::task<void> run(Connection& c, P& p) {
    co_await p.greet();
    (void)co_await detail::commands(c, p, /*may_park=*/false);
}

/// One connection as a resumable session: the Connection and P live in this object, and
/// between commands the session parks without a coroutine (see net::Resumable).
template <Protocol P>
class Session final : public net::Resumable {
public:
    template <class Make>
    Session(net::Stream& s, const Limits& limits, const Dialect& dialect, const Make& make)
        : c_(s, limits, dialect), p_(make(c_)) {}

    net::task<net::Step> resume(net::Stream& /*stream*/) override {  // c_ has it
        if (!greeted_) {
            greeted_ = true;
            co_await p_.greet();
        }
        co_return co_await detail::commands(c_, p_, /*may_park=*/true) ? net::Step::done : net::Step::park;
    }

private:
    Connection c_;
    P p_;
    bool greeted_ = false;
};

/// The runtime's session factory for protocol P: each connection gets a Connection with these
/// limits and dialect, and a P made by `make(Connection&)` (returning P by value), which park
/// while idle. `limits`, `dialect` and whatever `make` refers to must outlive the runtime.
template <Protocol P, class Make>
[[nodiscard]] net::ResumableFactory serve(const Limits& limits, const Dialect& dialect, Make make) {
    return [&limits, &dialect, make = std::move(make)](net::Stream& s) -> std::unique_ptr<net::Resumable> {
        return std::make_unique<Session<P>>(s, limits, dialect, make);
    };
}

}  // namespace line
