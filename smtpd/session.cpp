#include "smtpd/session.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <ctime>

#include <spdlog/spdlog.h>

#include "mail/rfc5322.hpp"
#include "net/blocking.hpp"
#include "net/endpoint.hpp"
#include "smtpd/report.hpp"

namespace smtpd {

namespace {

using line::Arg;
using line::Command;
using line::Shown;

constexpr std::size_t kBodyBuffer = 64 * 1024;
constexpr std::size_t kTracedBodyLines = 5;

const std::array<Command<Session>, 16> kCommands{{
    {"HELO", Arg::required, st_any, &Session::helo},
    {"EHLO", Arg::required, st_any, &Session::ehlo},
    {"MAIL", Arg::required, st_ready, &Session::mail},
    {"RCPT", Arg::required, st_mail | st_rcpt, &Session::rcpt},
    {"DATA", Arg::none, st_rcpt, &Session::data},
    // Allowed everywhere: a refused chunk's octets must still be read, never taken as commands.
    {"BDAT", Arg::required, st_any, &Session::bdat},
    {"RSET", Arg::none, st_any, &Session::rset},
    {"NOOP", Arg::any, st_any, &Session::noop},
    {"VRFY", Arg::required, st_any, &Session::vrfy},
    {"HELP", Arg::any, st_any, &Session::help},
    {"QUIT", Arg::none, st_any, &Session::quit},
    {"STARTTLS", Arg::none, st_ready, &Session::starttls},
    {"AUTH", Arg::required, st_ready, &Session::auth, Shown::first_word},
    {"EXPN", Arg::any, st_any, &Session::not_implemented},
    {"TURN", Arg::any, st_any, &Session::not_implemented},
    {"ETRN", Arg::any, st_any, &Session::not_implemented},
}};

// Address for Received: and the relay check: IPv4-mapped IPv6 shown as IPv4.
asio::ip::address plain_address(const asio::ip::address& a) {
    if (a.is_v6() && a.to_v6().is_v4_mapped()) return asio::ip::make_address_v4(asio::ip::v4_mapped, a.to_v6());
    return a;
}

std::string angle(std::string_view a) { return "<" + std::string(a) + ">"; }

}  // namespace

line::Limits session_limits(const Config& cfg) {
    line::Limits l;
    // RFC 5321 4.5.3.1.4-6: a command line is at most 512 octets, a text line 1000 (CRLF
    // included); extensions may lengthen commands, so both are held to 1000 with CRLF.
    l.max_line = 998;
    l.max_line_before_login = 998;
    l.max_commands_before_login = cfg.max_commands_before_auth;
    l.max_errors = cfg.max_errors;
    l.idle_timeout = std::chrono::milliseconds(cfg.idle_timeout_ms);
    l.allow_bare_lf = true;  // commands typed with nc end in LF; DATA is stricter (see data())
    return l;
}

line::Dialect session_dialect(const std::string& hostname) {
    return {
        .protocol = "smtp",
        .line_too_long = "500 5.5.2 Line too long",
        .timeout = "421 4.4.2 " + hostname + " Error: timeout exceeded",
        .too_many_errors = "421 4.7.0 " + hostname + " Error: too many errors",
        .too_many_commands = "421 4.7.0 " + hostname + " Error: too many commands",
        .shutting_down = "421 4.3.2 " + hostname + " Service shutting down",
    };
}

Session::Session(line::Connection& c, Shared& shared) : c_(c), s_(shared) {}

std::span<const Command<Session>> Session::commands() const { return kCommands; }

net::task<void> Session::greet() {
    c_.reply("220 " + s_.settings.hostname + " ESMTP netsuite smtpd");
    co_return;
}

void Session::refuse(line::Refusal why, const line::CommandLine& cl) {
    switch (why) {
        case line::Refusal::unknown: c_.reply("500 5.5.2 Command not recognized"); break;
        case line::Refusal::not_now:
            if (state_ == st_init && !line::iequals(cl.verb, "STARTTLS")) c_.reply("503 5.5.1 Send HELO/EHLO first");
            else if (line::iequals(cl.verb, "DATA") && state_ == st_mail) c_.reply("503 5.5.1 Need RCPT (recipient)");
            else c_.reply("503 5.5.1 Bad sequence of commands");
            break;
        case line::Refusal::missing_argument:
        case line::Refusal::unexpected_argument: c_.reply("501 5.5.4 Syntax error in parameters or arguments"); break;
    }
}

void Session::reset_transaction() {
    spool_.abort();
    from_ = MailFrom{};
    rcpts_.clear();
    rcpt_count_ = 0;
    received_bytes_ = 0;
    chunk_failed_ = false;
    hops_ = HopCounter{};
    state_ = helo_.empty() ? st_init : st_ready;
}

void Session::start_session(std::string_view helo, bool esmtp) {
    helo_ = std::string(helo);
    esmtp_ = esmtp;
    reset_transaction();
}

net::task<void> Session::helo(std::string_view arg) {
    if (!valid_helo(arg)) {
        c_.reply("501 5.5.4 Invalid domain name");
        co_return;
    }
    start_session(arg, false);
    // The textbook's wording (RFC 5321 4.1.1.1 leaves the text after the code free).
    c_.reply("250 Hello " + helo_ + ", pleased to meet you");
}

net::task<void> Session::ehlo(std::string_view arg) {
    if (!valid_helo(arg)) {
        c_.reply("501 5.5.4 Invalid domain name");
        co_return;
    }
    start_session(arg, true);
    std::vector<std::string> lines{s_.settings.hostname + " Hello " + helo_ + ", pleased to meet you"};
    const Capabilities caps{.max_size = s_.cfg.max_message_size,
                            .starttls = s_.tls.enabled() && !c_.stream().is_tls(),
                            .auth = may_auth() && user_.empty(),
                            .dsn = !s_.cfg.no_dsn};
    for (auto& k : ehlo_keywords(caps)) lines.push_back(std::move(k));
    c_.reply_lines("250", lines);
}

bool Session::may_auth() const {
    // RFC 4954 4: plain-text mechanisms only over TLS; loopback clients (a local submission
    // agent, a lab) are trusted as Postfix trusts mynetworks.
    return s_.users != nullptr && (c_.stream().is_tls() || c_.stream().peer().address().is_loopback() ||
                                   plain_address(c_.stream().peer().address()).is_loopback());
}

bool Session::may_relay() const {
    return !user_.empty() || s_.settings.relay_nets.contains(c_.stream().peer().address());
}

net::task<void> Session::mail(std::string_view arg) {
    MailFrom m;
    switch (parse_mail(arg, m)) {
        case PathError::ok: break;
        case PathError::syntax: c_.reply("501 5.5.4 Syntax: MAIL FROM:<address>"); co_return;
        case PathError::too_long: c_.reply("501 5.1.7 Address too long"); co_return;
        case PathError::utf8: c_.reply("553 5.6.7 Non-ASCII address needs SMTPUTF8"); co_return;
        case PathError::bad_address: c_.reply("501 5.1.7 Bad sender address syntax"); co_return;
        case PathError::bad_parameter: c_.reply("555 5.5.4 Unsupported or malformed MAIL parameter"); co_return;
    }
    // RFC 1870 6.1: a declared size over the limit is refused at once.
    if (m.size && *m.size > s_.cfg.max_message_size) {
        c_.reply("552 5.3.4 Message size exceeds fixed maximum message size");
        co_return;
    }
    from_ = std::move(m);
    state_ = st_mail;
    c_.reply("250 2.1.0 " + angle(from_.address) + "... Sender ok");
}

net::task<void> Session::rcpt(std::string_view arg) {
    RcptTo r;
    switch (parse_rcpt(arg, from_.smtputf8, r)) {
        case PathError::ok: break;
        case PathError::syntax: c_.reply("501 5.5.4 Syntax: RCPT TO:<address>"); co_return;
        case PathError::too_long: c_.reply("501 5.1.3 Address too long"); co_return;
        case PathError::utf8: c_.reply("553 5.6.7 Non-ASCII address needs SMTPUTF8"); co_return;
        case PathError::bad_address: c_.reply("501 5.1.3 Bad recipient address syntax"); co_return;
        case PathError::bad_parameter: c_.reply("555 5.5.4 Unsupported or malformed RCPT parameter"); co_return;
    }
    // RFC 5321 4.5.3.1.8: at least 100 recipients must be accepted; more get 452.
    if (rcpt_count_ >= s_.cfg.max_recipients) {
        c_.reply("452 4.5.3 Too many recipients");
        co_return;
    }
    const std::string domain = domain_of(r.address);
    const bool local = domain.empty() || std::find(s_.settings.domains.begin(), s_.settings.domains.end(), domain) !=
                                             s_.settings.domains.end();
    Recipient rc{std::move(r), {}};
    if (local) {
        std::string name(local_of(rc.rcpt.address));
        auto user = s_.users ? s_.users->find(name) : std::nullopt;
        if (!user) {
            // Local parts are compared as the users file spells them, then in lower case.
            for (char& ch : name)
                if (ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch + 32);
            user = s_.users ? s_.users->find(name) : std::nullopt;
        }
        if (!user || !mail::user_maildir(s_.cfg.maildir_root, user->name)) {
            c_.reply("550 5.1.1 " + angle(rc.rcpt.address) + "... User unknown");
            co_return;
        }
        rc.user = user->name;
    } else if (!may_relay() || s_.cfg.queue_dir.empty()) {
        // Never an open relay: other domains only for authenticated clients or relay networks.
        c_.reply("554 5.7.1 " + angle(rc.rcpt.address) + "... Relay access denied");
        co_return;
    }
    c_.reply("250 2.1.5 " + angle(rc.rcpt.address) + "... Recipient ok");
    ++rcpt_count_;
    // The same recipient twice gets one copy (as Postfix's duplicate elimination).
    for (const auto& seen : rcpts_)
        if (seen.rcpt.address == rc.rcpt.address && seen.user == rc.user) co_return;
    rcpts_.push_back(std::move(rc));
    state_ = st_rcpt;
}

std::string Session::received(std::string_view id) const {
    const std::string addr = net::to_string(plain_address(c_.stream().peer().address()));
    const std::string rcpt = rcpts_.size() == 1 ? rcpts_.front().rcpt.address : std::string();
    return mail::received_field({
        .helo = helo_,
        .client_address = addr,
        .by = s_.settings.hostname,
        .protocol = mail::received_protocol(esmtp_, c_.stream().is_tls(), !user_.empty(), from_.smtputf8),
        .id = id,
        .for_recipient = rcpt,
        .time = std::time(nullptr),
    });
}

net::task<std::error_code> Session::begin_spool() {
    const std::string id = std::to_string(c_.stream().id()) + "." + std::to_string(++messages_);
    bool remote = false;
    std::vector<mail::Maildir> locals;
    for (const auto& r : rcpts_) {
        if (r.user.empty()) remote = true;
        else if (auto md = mail::user_maildir(s_.cfg.maildir_root, r.user)) locals.push_back(*md);
    }
    if (!remote) {
        const std::string prefix = mail::return_path_field(from_.address) + received(id);
        const std::string no_queue, no_local_prefix;
        const Envelope none;
        co_return co_await spool_.begin(locals, no_queue, none, prefix, no_local_prefix);
    }
    // A message with a remote recipient is written to the queue for those; the local ones get
    // copies of the queue file when it is committed.
    Envelope e{.sender = from_.address,
               .arrival = std::time(nullptr),
               .ret = from_.ret,
               .envid = from_.envid,
               .utf8 = from_.smtputf8};
    for (const auto& r : rcpts_)
        if (r.user.empty()) e.rcpts.push_back({r.rcpt.address, r.rcpt.notify, r.rcpt.orcpt});
    const std::string prefix = received(id);
    const std::string local_prefix = mail::return_path_field(from_.address);
    co_return co_await spool_.begin(locals, s_.cfg.queue_dir, e, prefix, local_prefix);
}

void Session::end_on_read(net::ReadStatus st) {
    spool_.abort();
    if (st == net::ReadStatus::timeout) c_.reply(s_.dialect.timeout);
    c_.close_after_reply();
}

// RFC 5321 4.1.1.4 and 4.5.2: the body up to <CRLF>.<CRLF>, dot-unstuffed; only that
// sequence ends it (the 2023 smuggling attacks rely on <LF>.<LF> or <CR>.<CR> ending it on one
// side only). False when the connection ended.
net::task<bool> Session::read_data_body(bool& too_big) {
    auto& r = c_.bytes();
    const std::size_t old_capacity = r.capacity();
    r.set_capacity(kBodyBuffer);
    mail::DotUnstuffer un(s_.settings.reject_bare_newline ? mail::BareNewline::keep : mail::BareNewline::normalize);
    std::string out, head;
    bool write_failed = false;
    for (;;) {
        if (r.empty()) {
            if (!co_await c_.flush()) co_return false;
            // RFC 5321 4.5.3.2.5: a timeout for each block of data.
            c_.stream().expires_after(std::chrono::milliseconds(s_.cfg.data_timeout_ms));
            const auto st = co_await r.fill(false);
            if (st != net::ReadStatus::ok) {
                end_on_read(st);
                co_return false;
            }
        }
        out.clear();
        const auto res = un.feed(r.data(), out);
        r.consume(res.consumed);
        if (head.size() < 4096) head.append(out, 0, std::min(out.size(), 4096 - head.size()));
        hops_.feed(out);
        if (un.size() > s_.cfg.max_message_size) too_big = true;
        if (!too_big && !write_failed && spool_.active()) write_failed = static_cast<bool>(co_await spool_.write(out));
        if (res.complete) break;
    }
    r.set_capacity(old_capacity);
    // --trace: the first lines of the body, then its size.
    std::size_t pos = 0;
    for (std::size_t i = 0; i < kTracedBodyLines && pos < head.size(); ++i) {
        const auto end = std::min(head.find("\r\n", pos), head.size());
        c_.trace().client(std::string_view(head).substr(pos, end - pos));
        pos = end + 2;
    }
    c_.trace().client(".");
    c_.note("message body: " + std::to_string(un.size()) + " bytes");
    if (write_failed) spool_.abort();
    if (s_.settings.reject_bare_newline && (un.bare_lf() != 0 || un.bare_cr() != 0)) {
        spool_.abort();
        c_.reply("554 5.6.0 Message contains bare CR or LF (RFC 5321 2.3.8)");
        reset_transaction();
        co_return true;
    }
    if (too_big) {
        spool_.abort();
        c_.reply("552 5.3.4 Message size exceeds fixed maximum message size");
        reset_transaction();
    }
    co_return true;
}

net::task<void> Session::data(std::string_view) {
    if (auto ec = co_await begin_spool()) {
        spdlog::error("smtp: cannot start a message: {}", ec.message());
        c_.reply("451 4.3.0 Error: cannot store the message now");
        reset_transaction();
        co_return;
    }
    c_.reply("354 Enter mail, end with \".\" on a line by itself");
    bool too_big = false;
    if (!co_await read_data_body(too_big)) co_return;
    if (state_ != st_rcpt) co_return;  // refused in read_data_body
    co_await finish_message();
}

// Commits the spooled message (fsync) and only then answers 250.
net::task<void> Session::finish_message() {
    // RFC 5321 6.3: a message that went through too many hops is looping. Postfix's cleanup
    // says "554 5.4.0 too many hops"; 5.4.6 is RFC 3463's "routing loop detected".
    if (s_.cfg.max_hops != 0 && hops_.hops() > s_.cfg.max_hops) {
        spool_.abort();
        c_.note("message refused: " + std::to_string(hops_.hops()) + " hops");
        c_.reply("554 5.4.6 Too many hops");
        reset_transaction();
        co_return;
    }
    if (!spool_.active()) {
        c_.reply("451 4.3.0 Error: cannot store the message now");
        reset_transaction();
        co_return;
    }
    auto r = co_await spool_.commit();
    if (r.error) {
        spdlog::error("smtp: delivery failed: {}", r.error.message());
        c_.reply("451 4.3.0 Error: cannot store the message now");
        reset_transaction();
        co_return;
    }
    co_await report_delivered();
    c_.reply("250 2.0.0 Message accepted for delivery");
    if (!r.value.empty() && s_.queued) s_.queued(r.value);
    // A client that delivered a message is a mail server, not a command-sending bot: the
    // budget before AUTH no longer applies (Postfix's smtpd_junk_command_limit counts junk only).
    c_.set_logged_in(true);
    reset_transaction();
}

// RFC 3461 4.1 NOTIFY=SUCCESS: a "delivered" report for the local recipients that asked,
// queued before the 250 (the queue runner delivers it, locally or by MX; no queue, no report).
net::task<void> Session::report_delivered() {
    if (from_.address.empty() || s_.cfg.queue_dir.empty() || !s_.queued) co_return;
    ReportJob j{.queue_dir = s_.cfg.queue_dir,
                .reporting_mta = s_.settings.hostname,
                .about = {.sender = from_.address,
                          .arrival = std::time(nullptr),
                          .ret = from_.ret,
                          .envid = from_.envid,
                          .utf8 = from_.smtputf8},
                .action = Action::delivered,
                .original_path = spool_.committed_path(),
                .offset = spool_.committed_offset()};
    for (const auto& r : rcpts_) {
        if (r.user.empty() || !wants_report(r.rcpt.notify, Action::delivered)) continue;
        j.about.rcpts.push_back({r.rcpt.address, r.rcpt.notify, r.rcpt.orcpt});
        j.recipients.push_back({r.rcpt.address, r.rcpt.orcpt, "2.0.0", "", ""});
    }
    if (j.recipients.empty()) co_return;
    auto job = [j = std::move(j)] { return queue_report(j); };
    auto path = co_await net::run_blocking(std::move(job));
    if (path.error) spdlog::error("smtp: cannot queue a delivery report: {}", path.error.message());
    else if (!path.value.empty()) s_.queued(path.value);
}

// Reads `size` octets of a BDAT chunk into the spool (`keep`) or discards them. False when the
// connection ended.
net::task<bool> Session::read_chunk(std::uint64_t size, bool keep) {
    auto& r = c_.bytes();
    const std::size_t old_capacity = r.capacity();
    r.set_capacity(kBodyBuffer);
    bool write_failed = false;
    while (size > 0) {
        if (r.empty()) {
            if (!co_await c_.flush()) co_return false;
            c_.stream().expires_after(std::chrono::milliseconds(s_.cfg.data_timeout_ms));
            const auto st = co_await r.fill(false);
            if (st != net::ReadStatus::ok) {
                end_on_read(st);
                co_return false;
            }
        }
        const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(size, r.data().size()));
        if (keep && !write_failed) {
            const std::string chunk(r.data().substr(0, n));
            hops_.feed(chunk);
            write_failed = static_cast<bool>(co_await spool_.write(chunk));
        }
        r.consume(n);
        size -= n;
    }
    r.set_capacity(old_capacity);
    if (write_failed) spool_.abort();
    co_return true;
}

// RFC 3030 2: BDAT <size> [LAST]; the octets follow the command line exactly.
net::task<void> Session::bdat(std::string_view arg) {
    const auto sp = std::min(arg.find(' '), arg.size());
    std::uint64_t size = 0;
    const std::string_view num = arg.substr(0, sp), rest = arg.substr(std::min(sp + 1, arg.size()));
    const bool parsed = std::from_chars(num.data(), num.data() + num.size(), size).ptr == num.data() + num.size();
    const bool last = line::iequals(rest, "LAST");
    if (!parsed || num.empty() || (!rest.empty() && !last)) {
        // The size is unknown, so the octets cannot be skipped: end the session.
        c_.reply("501 5.5.4 Syntax: BDAT <size> [LAST]");
        c_.close_after_reply();
        co_return;
    }
    const bool ok_state = state_ == st_rcpt || state_ == st_bdat;
    if (ok_state && state_ == st_rcpt) {
        if (auto ec = co_await begin_spool()) {
            spdlog::error("smtp: cannot start a message: {}", ec.message());
            chunk_failed_ = true;
        }
        state_ = st_bdat;
    }
    received_bytes_ += size;
    const bool too_big = received_bytes_ > s_.cfg.max_message_size;
    const bool keep = ok_state && !chunk_failed_ && !too_big;
    if (!co_await read_chunk(size, keep)) co_return;
    c_.note("BDAT chunk: " + std::to_string(size) + " octets");
    if (!ok_state) {
        c_.reply(state_ == st_init ? "503 5.5.1 Send HELO/EHLO first" : "503 5.5.1 Bad sequence of commands");
        co_return;
    }
    if (too_big) {
        c_.reply("552 5.3.4 Message size exceeds fixed maximum message size");
        reset_transaction();
        co_return;
    }
    if (chunk_failed_ || !spool_.active()) {
        c_.reply("451 4.3.0 Error: cannot store the message now");
        reset_transaction();
        co_return;
    }
    if (!last) {
        c_.reply("250 2.0.0 " + std::to_string(size) + " octets received");
        co_return;
    }
    co_await finish_message();
}

net::task<void> Session::rset(std::string_view) {
    reset_transaction();
    c_.reply("250 2.0.0 Ok");
    co_return;
}

net::task<void> Session::noop(std::string_view) {
    c_.reply("250 2.0.0 Ok");
    co_return;
}

net::task<void> Session::vrfy(std::string_view) {
    // RFC 5321 3.5.3: 252 when we will not say (address harvesting).
    c_.reply("252 2.5.2 Cannot VRFY user, but will accept message and attempt delivery");
    co_return;
}

net::task<void> Session::help(std::string_view) {
    c_.reply("214 2.0.0 Commands: HELO EHLO MAIL RCPT DATA BDAT RSET NOOP VRFY HELP QUIT STARTTLS AUTH");
    co_return;
}

net::task<void> Session::quit(std::string_view) {
    c_.reply("221 2.0.0 " + s_.settings.hostname + " closing connection");
    c_.close_after_reply();
    co_return;
}

net::task<void> Session::not_implemented(std::string_view) {
    c_.reply("502 5.5.1 Command not implemented");
    co_return;
}

net::task<void> Session::starttls(std::string_view) {
    auto ctx = s_.tls.get();
    if (!ctx || c_.stream().is_tls()) {
        c_.reply(ctx ? "503 5.5.1 TLS already active" : "454 4.7.0 TLS not available");
        co_return;
    }
    c_.reply("220 2.0.0 Ready to start TLS");
    if (!co_await c_.start_tls(*ctx)) {
        c_.close_after_reply();
        co_return;
    }
    // RFC 3207 4.2: forget everything learnt before the handshake; the client sends EHLO again.
    helo_.clear();
    user_.clear();
    reset_transaction();
}

}  // namespace smtpd
