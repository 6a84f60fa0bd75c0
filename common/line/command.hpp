// Commands as data (Redis's command table): verb, argument rule, the states where a command is
// allowed, and its handler, checked in one place so that "unknown command", "bad sequence" and
// "syntax error" replies come from one function per protocol. Pure: no I/O.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "net/asio.hpp"

namespace line {

/// Whether a command takes an argument.
enum class Arg : std::uint8_t {
    none,      ///< "QUIT"; an argument is refused (unexpected_argument)
    optional,  ///< "LIST [n]"
    required,  ///< "USER name"; none is refused (missing_argument)
    any,       ///< anything, checked by the handler (SMTP HELP, NOOP)
};

/// How a command line appears in the transcript (passwords never do).
enum class Shown : std::uint8_t {
    whole,       ///< as typed
    verb_only,   ///< "PASS ****"
    first_word,  ///< "AUTH PLAIN ****": the mechanism shown, the credentials hidden
};

/// Why the driver refused a command before its handler ran.
enum class Refusal : std::uint8_t {
    unknown,              ///< no such verb (SMTP and FTP 500, POP3 -ERR)
    not_now,              ///< known, but not allowed in this state (503; FTP 530 before login)
    missing_argument,     ///< Arg::required and none given (501)
    unexpected_argument,  ///< Arg::none and one given (501)
};
[[nodiscard]] std::string_view to_string(Refusal r);

/// A command line split at its first space: the verb before it, the argument after it
/// (exactly as sent: protocols differ on extra spaces). `has_arg` is true when a space follows
/// the verb, even with nothing after it.
struct CommandLine {
    std::string_view verb;
    std::string_view arg;
    bool has_arg = false;
};
[[nodiscard]] CommandLine split_command(std::string_view line);

/// ASCII case-insensitive equality (verbs, keywords).
[[nodiscard]] bool iequals(std::string_view a, std::string_view b);

/// One entry of protocol P's command table. `states` is a bit set of P's states in which the
/// command is allowed; the handler gets the argument (empty when none).
template <class P>
struct Command {
    std::string_view verb;  ///< upper case
    Arg arg = Arg::none;
    std::uint32_t states = ~0u;
    net::task<void> (P::*handler)(std::string_view arg) = nullptr;
    Shown shown = Shown::whole;
};

/// The entry for `verb` (case-insensitive), or null.
template <class P>
[[nodiscard]] const Command<P>* find_command(std::span<const Command<P>> table, std::string_view verb) {
    for (const auto& c : table)
        if (iequals(c.verb, verb)) return &c;
    return nullptr;
}

/// Why `cmd` (null: unknown) may not run now with that line in `state` (one bit), if it may not.
/// Order: unknown, then state, then argument (RFC 5321 4.3.2 lists 503 before 501).
template <class P>
[[nodiscard]] std::optional<Refusal> refusal(const Command<P>* cmd, const CommandLine& cl, std::uint32_t state) {
    if (cmd == nullptr) return Refusal::unknown;
    if ((cmd->states & state) == 0) return Refusal::not_now;
    const bool empty = cl.arg.find_first_not_of(' ') == std::string_view::npos;
    if (cmd->arg == Arg::required && empty) return Refusal::missing_argument;
    if (cmd->arg == Arg::none && !empty) return Refusal::unexpected_argument;
    return std::nullopt;
}

/// The line as the transcript shows it: secrets replaced by "****".
[[nodiscard]] std::string shown_line(std::string_view line, Shown shown);

}  // namespace line
