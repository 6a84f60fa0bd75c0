#include "pop3d/session.hpp"

#include <unistd.h>

#include <algorithm>
#include <array>
#include <ctime>
#include <utility>

#include <openssl/crypto.h>
#include <spdlog/spdlog.h>

#include "net/blocking.hpp"

namespace pop3d {

using line::Arg;
using line::Shown;

namespace {

using Cmd = line::Command<Session>;

// The command table (RFC 1939, 2449, 2595, 5034, 6856): verb, argument rule, states, handler.
const std::array<Cmd, 16> kCommands{{
    {"USER", Arg::required, kBeforeLogin, &Session::user},
    {"PASS", Arg::required, kUserGiven, &Session::pass, Shown::verb_only},
    {"APOP", Arg::required, kBeforeLogin, &Session::apop, Shown::first_word},
    {"AUTH", Arg::optional, kBeforeLogin, &Session::auth, Shown::first_word},
    {"STLS", Arg::none, kBeforeLogin, &Session::stls},
    {"UTF8", Arg::none, kBeforeLogin, &Session::utf8},
    {"CAPA", Arg::none, kAnyState, &Session::capa},
    {"QUIT", Arg::none, kAnyState, &Session::quit},
    {"STAT", Arg::none, kTransaction, &Session::stat},
    {"LIST", Arg::optional, kTransaction, &Session::list},
    {"RETR", Arg::required, kTransaction, &Session::retr},
    {"TOP", Arg::required, kTransaction, &Session::top},
    {"DELE", Arg::required, kTransaction, &Session::dele},
    {"NOOP", Arg::none, kTransaction, &Session::noop},
    {"RSET", Arg::none, kTransaction, &Session::rset},
    {"UIDL", Arg::optional, kTransaction, &Session::uidl},
}};

std::string octets(std::size_t count, std::uint64_t bytes) {
    return std::to_string(count) + " messages (" + std::to_string(bytes) + " octets)";
}

}  // namespace

std::span<const line::Command<Session>> Session::commands() const { return kCommands; }

line::Dialect pop3_dialect() {
    return {
        .protocol = "pop3",
        .line_too_long = "-ERR Line too long",
        .timeout = "-ERR Autologout: idle for too long",
        .too_many_errors = "-ERR Too many errors, closing",
        .too_many_commands = "-ERR Too many commands before login, closing",
        .shutting_down = "-ERR [SYS/TEMP] Server shutting down",
    };
}

net::task<void> Session::greet() {
    std::string text = "+OK POP3 server ready";
    // RFC 1939 7: APOP needs a timestamp unique to this greeting; only offered when plain
    // secrets (which APOP needs) may exist.
    if (svc_->apop) {
        timestamp_ = apop_timestamp(static_cast<std::uint64_t>(::getpid()), ++svc_->greetings,
                                    static_cast<std::uint64_t>(std::time(nullptr)), svc_->host);
        text += ' ';
        text += timestamp_;
    }
    c_->reply(text);
    co_return;
}

void Session::refuse(line::Refusal why, const line::CommandLine&) {
    switch (why) {
        case line::Refusal::unknown: c_->reply("-ERR Unknown command"); break;
        case line::Refusal::not_now: c_->reply("-ERR Command not valid in this state"); break;
        case line::Refusal::missing_argument:
        case line::Refusal::unexpected_argument: c_->reply("-ERR Syntax error"); break;
    }
}

// -- AUTHORIZATION -------------------------------------------------------------------------

net::task<void> Session::user(std::string_view arg) {
    // RFC 6856 3.1 ("UTF8 USER"): names may be UTF-8, but well-formed.
    if (!valid_utf8(arg)) {
        c_->reply("-ERR Invalid UTF-8 in user name");
        c_->count_error();
        co_return;
    }
    // The same answer for every name (RFC 1939 13: do not tell which names exist).
    user_ = std::string(arg);
    state_ = kUserGiven;
    c_->reply("+OK");
}

net::task<void> Session::pass(std::string_view arg) {
    std::string name = std::exchange(user_, {});
    state_ = kAuthorization;
    // RFC 1939 7: the argument is the whole rest of the line, spaces included.
    co_await login(std::move(name), std::string(arg));
}

net::task<void> Session::login(std::string name, std::string password) {
    const auto peer = c_->stream().peer().address();
    if (svc_->users->blocked(peer)) {
        OPENSSL_cleanse(password.data(), password.size());
        c_->reply("-ERR [SYS/TEMP] Too many failed logins from your address, try again later");
        co_return;
    }
    auto user = co_await svc_->users->login(name, password, peer);
    OPENSSL_cleanse(password.data(), password.size());
    co_await begin_transaction(user);
}

net::task<void> Session::failure_delay() {
    const auto delay = svc_->users->record_failure(c_->stream().peer().address());
    asio::steady_timer timer(c_->stream().executor(), delay);
    (void)co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
}

net::task<void> Session::apop(std::string_view arg) {
    const auto args = parse_apop(arg);
    if (timestamp_.empty() || !args) {
        c_->reply(timestamp_.empty() ? "-ERR APOP not available" : "-ERR Syntax error");
        c_->count_error();
        co_return;
    }
    const auto peer = c_->stream().peer().address();
    if (svc_->users->blocked(peer)) {
        c_->reply("-ERR [SYS/TEMP] Too many failed logins from your address, try again later");
        co_return;
    }
    auto user = svc_->users->find(args->name);
    const auto secret = user ? user->plain_secret() : std::nullopt;
    // The digest is computed for unknown names too (with an empty secret), so that timing
    // does not tell names apart.
    const std::string expected = apop_digest(timestamp_, secret ? *secret : std::string_view{});
    if (!secret || !digest_matches(args->digest, expected)) {
        co_await failure_delay();
        c_->reply("-ERR [AUTH] Authentication failed");
        co_return;
    }
    svc_->users->record_success(peer);
    co_await begin_transaction(user);
}

net::task<void> Session::auth(std::string_view arg) {
    if (arg.empty()) {  // the pre-RFC 5034 listing some clients still ask for (Dovecot answers it)
        c_->reply("+OK\r\nPLAIN\r\n.");
        co_return;
    }
    const auto sp = arg.find(' ');
    const std::string_view mech = arg.substr(0, sp);
    std::string response = sp == std::string_view::npos ? std::string() : std::string(arg.substr(sp + 1));
    if (!line::iequals(mech, "PLAIN")) {
        c_->reply("-ERR Unsupported authentication mechanism");
        c_->count_error();
        co_return;
    }
    if (sp == std::string_view::npos) {
        // RFC 5034 4: an empty challenge, then the client's response on a line of its own.
        c_->reply("+ ");
        std::string_view l;
        c_->stream().expires_after(c_->limits().idle_timeout);
        const auto st = co_await c_->read_line(l, svc_->cfg.max_auth_line);
        if (st != net::LineStatus::ok) {
            c_->note(st == net::LineStatus::too_long ? "AUTH response too long" : "AUTH response not received");
            if (st == net::LineStatus::too_long) c_->reply("-ERR [AUTH] Response too long");
            c_->close_after_reply();
            co_return;
        }
        c_->note("C: ****");
        response.assign(l);
    }
    if (response == "*") {  // RFC 5034 4: the client cancels
        c_->reply("-ERR Authentication cancelled");
        co_return;
    }
    // RFC 5034 4: "=" is an empty initial response (which PLAIN cannot use).
    auto creds = decode_plain(response == "=" ? std::string_view{} : std::string_view(response));
    OPENSSL_cleanse(response.data(), response.size());
    if (!creds) {
        c_->reply("-ERR [AUTH] Malformed PLAIN response");
        c_->count_error();
        co_return;
    }
    // RFC 4616 2: acting as another user is not supported; the authzid, if any, is the user.
    if (!creds->authzid.empty() && creds->authzid != creds->authcid) {
        OPENSSL_cleanse(creds->password.data(), creds->password.size());
        co_await failure_delay();
        c_->reply("-ERR [AUTH] Authentication failed");
        co_return;
    }
    co_await login(std::move(creds->authcid), std::move(creds->password));
}

net::task<void> Session::begin_transaction(const std::optional<auth::User>& user) {
    if (!user) {
        c_->reply("-ERR [AUTH] Authentication failed");
        co_return;
    }
    auto dir = mail::user_maildir(svc_->cfg.maildir_root, user->name);
    if (!dir) {
        c_->reply("-ERR [SYS/TEMP] No maildrop for this user");
        co_return;
    }
    struct Opened {
        std::optional<Maildrop> drop;
        OpenFailure why = OpenFailure::failed;
        std::error_code error;
    };
    auto job = [d = std::move(*dir)]() {
        Opened o;
        o.drop = Maildrop::open(d, o.why, o.error);
        return o;
    };
    Opened o = co_await net::run_blocking(std::move(job));
    if (!o.drop) {
        if (o.why == OpenFailure::in_use) {
            // RFC 2449 8.1.1: another session has the maildrop.
            c_->reply("-ERR [IN-USE] Maildrop is locked by another session");
        } else {
            spdlog::warn("pop3: cannot open the maildrop of {}: {}", user->name, o.error.message());
            c_->reply("-ERR [SYS/TEMP] Cannot open the maildrop");
        }
        co_return;
    }
    drop_ = std::move(o.drop);
    state_ = kTransaction;
    c_->set_logged_in(true);
    c_->note("maildrop of " + user->name + ": " + octets(drop_->live_count(), drop_->live_octets()));
    c_->reply("+OK user successfully logged on");
}

net::task<void> Session::stls(std::string_view) {
    auto ctx = svc_->tls != nullptr ? svc_->tls->get() : nullptr;
    if (!ctx || c_->stream().is_tls()) {
        c_->reply(ctx ? "-ERR Already using TLS" : "-ERR STLS not available");
        c_->count_error();
        co_return;
    }
    c_->reply("+OK Begin TLS negotiation");
    // RFC 2595 4: the session starts over in the AUTHORIZATION state, forgetting USER.
    user_.clear();
    state_ = kAuthorization;
    (void)co_await c_->start_tls(*ctx);
}

net::task<void> Session::utf8(std::string_view) {
    // RFC 6856 3.1: UTF-8 mode; our messages go out as stored either way (no downgrading),
    // and names and passwords may be UTF-8 with or without it ("UTF8 USER"): nothing to switch.
    c_->reply("+OK UTF8 enabled");
    co_return;
}

// -- both states -----------------------------------------------------------------------------

net::task<void> Session::capa(std::string_view) {
    const CapaContext ctx{.tls_available = svc_->tls != nullptr && svc_->tls->enabled(),
                          .tls_active = c_->stream().is_tls(),
                          .logged_in = state_ == kTransaction};
    std::string text = "+OK Capability list follows";
    for (const auto& cap : capabilities(ctx)) {
        text += "\r\n";
        text += cap;
    }
    text += "\r\n.";
    c_->reply(text);
    co_return;
}

net::task<void> Session::quit(std::string_view) {
    c_->close_after_reply();
    if (!drop_) {
        c_->reply("+OK POP3 server signing off");
        co_return;
    }
    // RFC 1939 6: the UPDATE state; only now are the messages marked deleted removed.
    const std::size_t deleted = drop_->deleted_count();
    std::size_t failed = 0;
    if (deleted > 0) {
        auto job = [d = &*drop_]() { return d->update(); };
        failed = co_await net::run_blocking(std::move(job));
        c_->note("update: " + std::to_string(deleted - failed) + " message(s) removed");
    }
    drop_.reset();  // the lock goes now, before the last reply
    c_->reply(failed == 0 ? "+OK POP3 server signing off" : "-ERR [SYS/TEMP] Some deleted messages not removed");
}

// -- TRANSACTION -----------------------------------------------------------------------------

mail::Message* Session::message_for(std::string_view arg, std::size_t& n) {
    const auto num = parse_number(arg);
    mail::Message* m = num ? drop_->get(*num) : nullptr;
    if (m == nullptr) {
        // RFC 1939 5: a message marked deleted is not to be referred to.
        const bool deleted = num && *num <= drop_->size();
        c_->reply(!num      ? "-ERR Invalid message number"
                  : deleted ? "-ERR Message " + std::to_string(*num) + " already deleted"
                            : "-ERR No such message");
        return nullptr;
    }
    n = *num;
    return m;
}

net::task<void> Session::stat(std::string_view) {
    c_->reply("+OK " + std::to_string(drop_->live_count()) + " " + std::to_string(drop_->live_octets()));
    co_return;
}

net::task<void> Session::list(std::string_view arg) {
    std::size_t n = 0;
    if (!arg.empty()) {
        if (const auto* m = message_for(arg, n))
            c_->reply("+OK " + std::to_string(n) + " " + std::to_string(m->crlf_size));
        co_return;
    }
    // RFC 1939 5: "+OK", one "n size" line per message not marked deleted, ".".
    std::string text = "+OK " + octets(drop_->live_count(), drop_->live_octets());
    for (std::size_t i = 1; i <= drop_->size(); ++i) {
        if (const auto* m = drop_->get(i)) {
            text += "\r\n";
            text += std::to_string(i);
            text += ' ';
            text += std::to_string(m->crlf_size);
        }
    }
    text += "\r\n.";
    c_->reply(text);
}

net::task<void> Session::uidl(std::string_view arg) {
    std::size_t n = 0;
    if (!arg.empty()) {
        if (const auto* m = message_for(arg, n)) c_->reply("+OK " + std::to_string(n) + " " + m->uid);
        co_return;
    }
    // RFC 1939 7: ids stay the same across sessions (fetchmail's keep, "leave on server").
    std::string text = "+OK";
    for (std::size_t i = 1; i <= drop_->size(); ++i) {
        if (const auto* m = drop_->get(i)) {
            text += "\r\n";
            text += std::to_string(i);
            text += ' ';
            text += m->uid;
        }
    }
    text += "\r\n.";
    c_->reply(text);
}

net::task<void> Session::retr(std::string_view arg) {
    std::size_t n = 0;
    if (message_for(arg, n) != nullptr) co_await send_message(n, std::nullopt);
}

net::task<void> Session::top(std::string_view arg) {
    const auto args = parse_top(arg);
    if (!args) {
        c_->reply("-ERR Syntax error: TOP msg lines");
        c_->count_error();
        co_return;
    }
    std::size_t n = 0;
    if (message_for(std::to_string(args->msg), n) != nullptr) co_await send_message(n, args->lines);
}

// Messages up to this size are read on the I/O thread (see send_message).
constexpr std::uint64_t kInlineRead = 64 * 1024;

net::task<void> Session::send_message(std::size_t n, std::optional<std::size_t> body_lines) {
    mail::Message* m = drop_->get(n);
    Transfer t(body_lines);
    t.mark_seen = !body_lines;  // RETR, not TOP, makes a message read
    std::uint64_t sent = 0;
    for (bool first = true; !t.done; first = false) {
        // One pool job per chunk (a small message: open, read, stuff and mark seen in one).
        auto job = [d = &drop_->dir(), m, tp = &t]() {
            std::pair<std::error_code, std::string> r;
            // Room for this piece with CRLFs and stuffing dots (a 5 KB message: about 5 KB, not
            // a whole chunk's worth per RETR).
            const std::uint64_t left = m->size > tp->offset ? m->size - tp->offset : 0;
            const std::size_t piece = static_cast<std::size_t>(std::min<std::uint64_t>(left, kReadChunk));
            r.second.reserve(piece + piece / 8 + 16);
            r.first = read_step(*d, *m, *tp, r.second);
            return r;
        };
        // A small message is one page-cache read: done here, as nginx and Dovecot read files,
        // since a hop to the pool and back costs more than the read. Larger ones go to the pool.
        std::pair<std::error_code, std::string> r;
        if (m->size <= kInlineRead) r = job();
        else r = co_await net::run_blocking(std::move(job));  // not inside a ?: (g++ 12, common/README)
        auto& [ec, out] = r;
        if (ec && first) {
            // Nothing sent yet: a plain error reply.
            if (!mail::is_gone(ec)) spdlog::warn("pop3: cannot read {}: {}", m->name, ec.message());
            c_->reply(mail::is_gone(ec) ? "-ERR [SYS/TEMP] Message was removed by another program"
                                        : "-ERR [SYS/TEMP] Cannot read the message");
            co_return;
        }
        if (ec) {
            // A multi-line reply cannot turn into an error: end the session instead.
            spdlog::warn("pop3: read error in {} after {} bytes: {}", m->name, sent, ec.message());
            c_->note("read error: " + ec.message());
            c_->close_after_reply();
            co_return;
        }
        if (first)
            c_->reply(body_lines ? "+OK Top of message follows" : "+OK " + std::to_string(m->crlf_size) + " octets");
        sent += out.size();
        if (!co_await c_->send_data(out)) co_return;
    }
    c_->note((body_lines ? "TOP " : "RETR ") + std::to_string(n) + ": " + std::to_string(sent) + " bytes sent");
}

net::task<void> Session::dele(std::string_view arg) {
    std::size_t n = 0;
    if (message_for(arg, n) == nullptr) co_return;
    (void)drop_->erase(n);
    c_->reply("+OK Message " + std::to_string(n) + " deleted");
}

net::task<void> Session::noop(std::string_view) {
    c_->reply("+OK");
    co_return;
}

net::task<void> Session::rset(std::string_view) {
    drop_->reset();
    c_->reply("+OK maildrop has " + octets(drop_->live_count(), drop_->live_octets()));
    co_return;
}

}  // namespace pop3d
