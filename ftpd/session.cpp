// Access control, parameters and status (RFC 959 4.1.1, 4.1.2, 4.1.3; RFC 2389; RFC 4217).
#include "ftpd/session.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>

#include <spdlog/spdlog.h>

#include "ftpd/listing.hpp"
#include "ftpd/transfer.hpp"
#include "net/endpoint.hpp"

namespace ftpd {

namespace {
constexpr std::uint32_t kAll = kNew | kNeedPass | kIn;
constexpr std::uint32_t kOut = kNew | kNeedPass;

using S = Session;
using line::Arg;
using line::Shown;
using Cmd = line::Command<Session>;

bool is_anonymous_name(std::string_view n) { return n == "anonymous" || n == "ftp"; }

}  // namespace

template <net::task<void> (Session::*H)(std::string_view)>
net::task<void> Session::queued(std::string_view arg) {
    if (xfer_) {
        std::string copy(arg);  // the line buffer is not read meanwhile, but stay safe
        co_await wait_transfer();
        if (H != &Session::rnto) rename_from_.clear();
        co_await (this->*H)(copy);
        co_return;
    }
    if (H != &Session::rnto) rename_from_.clear();
    co_await (this->*H)(arg);
}

// The verbs, their argument rule and the states where they are allowed: 530 before login and
// 503 out of sequence come from refuse(). The X* aliases are RFC 775's, still sent by some
// clients; the ABOR and STAT variants carry the Telnet IP and Synch that RFC 959 4.1.3 asks
// clients to send first (inline: the control socket has SO_OOBINLINE).
const std::array<Cmd, 50> kCommands{{
    {"USER", Arg::required, kOut, &S::queued<&S::user>},
    {"PASS", Arg::any, kNeedPass, &S::queued<&S::pass>, Shown::verb_only},
    {"ACCT", Arg::any, kAll, &S::queued<&S::acct>, Shown::verb_only},
    {"AUTH", Arg::required, kNew, &S::queued<&S::auth>},
    {"PBSZ", Arg::required, kAll, &S::queued<&S::pbsz>},
    {"PROT", Arg::required, kAll, &S::queued<&S::prot>},
    {"QUIT", Arg::none, kAll, &S::queued<&S::quit>},
    {"FEAT", Arg::none, kAll, &S::queued<&S::feat>},
    {"OPTS", Arg::required, kAll, &S::queued<&S::opts>},
    {"SYST", Arg::none, kAll, &S::queued<&S::syst>},
    {"HELP", Arg::any, kAll, &S::queued<&S::help>},
    {"NOOP", Arg::any, kAll, &S::noop},
    {"TYPE", Arg::required, kIn, &S::queued<&S::type>},
    {"MODE", Arg::required, kIn, &S::queued<&S::mode>},
    {"STRU", Arg::required, kIn, &S::queued<&S::stru>},
    {"REST", Arg::required, kIn, &S::queued<&S::rest>},
    {"STAT", Arg::optional, kIn, &S::stat},
    {"\xff\xf4\xff\xf2STAT", Arg::optional, kIn, &S::stat},
    {"ABOR", Arg::none, kIn, &S::abor},
    {"\xff\xf4\xff\xf2"
     "ABOR",
     Arg::none, kIn, &S::abor},
    {"\xff\xf2"
     "ABOR",
     Arg::none, kIn, &S::abor},
    {"PWD", Arg::none, kIn, &S::queued<&S::pwd>},
    {"XPWD", Arg::none, kIn, &S::queued<&S::pwd>},
    {"CWD", Arg::required, kIn, &S::queued<&S::cwd>},
    {"XCWD", Arg::required, kIn, &S::queued<&S::cwd>},
    {"CDUP", Arg::none, kIn, &S::queued<&S::cdup>},
    {"XCUP", Arg::none, kIn, &S::queued<&S::cdup>},
    {"MKD", Arg::required, kIn, &S::queued<&S::mkd>},
    {"XMKD", Arg::required, kIn, &S::queued<&S::mkd>},
    {"RMD", Arg::required, kIn, &S::queued<&S::rmd>},
    {"XRMD", Arg::required, kIn, &S::queued<&S::rmd>},
    {"DELE", Arg::required, kIn, &S::queued<&S::dele>},
    {"RNFR", Arg::required, kIn, &S::queued<&S::rnfr>},
    {"RNTO", Arg::required, kIn, &S::queued<&S::rnto>},
    {"SIZE", Arg::required, kIn, &S::queued<&S::size>},
    {"MDTM", Arg::required, kIn, &S::queued<&S::mdtm>},
    {"MLST", Arg::optional, kIn, &S::queued<&S::mlst>},
    {"PORT", Arg::required, kIn, &S::queued<&S::port>},
    {"EPRT", Arg::required, kIn, &S::queued<&S::eprt>},
    {"PASV", Arg::none, kIn, &S::queued<&S::pasv>},
    {"EPSV", Arg::optional, kIn, &S::queued<&S::epsv>},
    {"RETR", Arg::required, kIn, &S::queued<&S::retr>},
    {"STOR", Arg::required, kIn, &S::queued<&S::stor>},
    {"STOU", Arg::optional, kIn, &S::queued<&S::stou>},
    {"APPE", Arg::required, kIn, &S::queued<&S::appe>},
    {"LIST", Arg::optional, kIn, &S::queued<&S::list>},
    {"NLST", Arg::optional, kIn, &S::queued<&S::nlst>},
    {"MLSD", Arg::optional, kIn, &S::queued<&S::mlsd>},
    {"SITE", Arg::any, kIn, &S::queued<&S::acct>},
    {"SMNT", Arg::any, kIn, &S::queued<&S::acct>},
}};

Session::Session(line::Connection& c, const Shared& shared)
    : c_(&c), shared_(&shared), state_(kNew), facts_(kAllFacts) {}
Session::Session(Session&&) noexcept = default;
Session::~Session() = default;

std::span<const Cmd> Session::commands() const { return kCommands; }

net::task<void> Session::greet() {
    // Telnet Synch (RFC 959 4.1.3) arrives as TCP urgent data; keep it in the stream, or the
    // last byte of an urgent "ABOR" line would be taken out of it.
    net::error_code ec;
    c_->stream().socket().set_option(asio::socket_base::out_of_band_inline(true), ec);
    c_->reply("220 ftpd ready");
    co_return;
}

void Session::refuse(line::Refusal why, const line::CommandLine& cl) {
    switch (why) {
        case line::Refusal::unknown: c_->reply("500 Unknown command"); return;
        case line::Refusal::missing_argument:
        case line::Refusal::unexpected_argument: c_->reply("501 Syntax error in parameters or arguments"); return;
        case line::Refusal::not_now: break;
    }
    if (line::iequals(cl.verb, "PASS")) c_->reply("503 Login with USER first");
    else if (state_ != kIn && !line::iequals(cl.verb, "AUTH")) c_->reply("530 Please login with USER and PASS");
    else c_->reply("503 Bad sequence of commands");
}

net::task<void> Session::on_end() {
    if (xfer_) xfer_->cancel();
    co_await wait_transfer();
}

net::task<void> Session::user(std::string_view arg) {
    user_ = arg;
    state_ = kNeedPass;
    if (shared_->cfg.anonymous && is_anonymous_name(user_))
        c_->reply("331 Anonymous login okay, send your e-mail address as password");
    else c_->reply("331 Password required for " + user_);
    co_return;
}

void Session::logged_in(std::string name, fs::FileHandle root, bool anonymous, bool writable) {
    state_ = kIn;
    root_ = std::move(root);
    anonymous_ = anonymous;
    writable_ = writable;
    cwd_ = "/";
    c_->set_logged_in(true);
    c_->note("logged in as " + name + (writable ? " (read-write)" : " (read-only)"));
    c_->reply(anonymous ? "230 Anonymous access granted, restrictions apply" : "230 User " + name + " logged in");
}

net::task<void> Session::pass(std::string_view arg) {
    state_ = kNew;
    const auto peer = c_->stream().peer().address();
    auto& users = *shared_->users;
    if (users.blocked(peer)) {
        c_->reply("421 Too many failed logins from your address, try later");
        c_->close_after_reply();
        co_return;
    }
    if (shared_->cfg.anonymous && is_anonymous_name(user_)) {
        fs::FileHandle root(::open(shared_->cfg.root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
        if (!root) {
            spdlog::error("ftpd: anonymous root {}: {}", shared_->cfg.root, std::strerror(errno));
            c_->reply("421 Service not available");
            c_->close_after_reply();
            co_return;
        }
        logged_in("anonymous", std::move(root), true, false);
        co_return;
    }
    const auto u = co_await users.login(user_, arg, peer);
    if (u && !u->home.empty()) {
        fs::FileHandle root(::open(u->home.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
        if (root) {
            logged_in(u->name, std::move(root), false, u->flag("write"));
            co_return;
        }
        spdlog::error("ftpd: home of {} ({}): {}", u->name, u->home, std::strerror(errno));
    }
    if (u) c_->note("user " + u->name + " has no usable home directory");
    c_->reply("530 Login incorrect");
    if (++failures_ >= shared_->cfg.max_login_attempts && shared_->cfg.max_login_attempts != 0) {
        c_->reply("421 Too many failed logins");
        c_->close_after_reply();
    }
}

net::task<void> Session::acct(std::string_view) {
    c_->reply("502 Command not implemented");
    co_return;
}

net::task<void> Session::auth(std::string_view arg) {
    const auto ctx = shared_->tls.get();
    if (!ctx) {
        c_->reply("502 TLS not configured");
        co_return;
    }
    if (tls_) {
        c_->reply("503 Already using TLS");
        co_return;
    }
    // RFC 4217 4: "TLS" (and the older "TLS-C", "SSL" that clients still send).
    if (!line::iequals(arg, "TLS") && !line::iequals(arg, "TLS-C") && !line::iequals(arg, "SSL")) {
        c_->reply("504 Security mechanism not understood");
        co_return;
    }
    c_->reply("234 Proceed with negotiation");
    if (co_await c_->start_tls(*ctx)) tls_ = true;
}

net::task<void> Session::pbsz(std::string_view arg) {
    if (!tls_) {
        c_->reply("503 PBSZ needs AUTH TLS first");
        co_return;
    }
    // RFC 4217 8: a streaming protocol's buffer size is 0.
    pbsz_ = true;
    c_->reply(arg == "0" ? "200 PBSZ=0" : "200 PBSZ=0");
}

net::task<void> Session::prot(std::string_view arg) {
    if (!tls_) {
        c_->reply("503 PROT needs AUTH TLS first");
        co_return;
    }
    if (line::iequals(arg, "C")) {
        protect_ = false;
        c_->reply("200 Protection level set to Clear");
    } else if (line::iequals(arg, "P")) {
        protect_ = true;
        c_->reply("200 Protection level set to Private");
    } else if (line::iequals(arg, "S") || line::iequals(arg, "E")) {
        c_->reply("536 Protection level not supported");
    } else {
        c_->reply("504 Unknown protection level");
    }
    co_return;
}

net::task<void> Session::quit(std::string_view) {
    c_->reply("221 Goodbye");
    c_->close_after_reply();
    co_return;
}

net::task<void> Session::feat(std::string_view) {
    // RFC 2389 3.2: feature lines start with a space and carry no reply code.
    std::string text = "211-Features:\r\n";
    if (shared_->tls.enabled()) text += " AUTH TLS\r\n PBSZ\r\n PROT\r\n";
    text += " EPRT\r\n EPSV\r\n MDTM\r\n " + mlst_feature(facts_) +
            "\r\n PASV\r\n REST STREAM\r\n SIZE\r\n TVFS\r\n UTF8\r\n211 End";
    c_->reply(text);
    co_return;
}

net::task<void> Session::opts(std::string_view arg) {
    const auto space = arg.find(' ');
    const auto what = arg.substr(0, space);
    const auto value = space == std::string_view::npos ? std::string_view() : arg.substr(space + 1);
    if (line::iequals(what, "UTF8")) {
        // RFC 2640: paths are bytes here, UTF-8 when the client sends UTF-8.
        c_->reply(value.empty() || line::iequals(value, "ON") ? "200 Always in UTF8 mode"
                                                              : "504 UTF8 cannot be turned off");
    } else if (line::iequals(what, "MLST")) {
        facts_ = parse_mlst_opts(value);
        c_->reply(mlst_opts_reply(facts_));
    } else {
        c_->reply("501 Option not understood");
    }
    co_return;
}

net::task<void> Session::syst(std::string_view) {
    c_->reply("215 UNIX Type: L8");
    co_return;
}

net::task<void> Session::help(std::string_view) {
    std::vector<std::string> lines{"The following commands are recognized:"};
    std::string row;
    for (const auto& cmd : kCommands) {
        if (static_cast<unsigned char>(cmd.verb[0]) >= 0x80) continue;
        row += ' ';
        row += cmd.verb;
        if (row.size() > 60) lines.push_back(std::exchange(row, {}));
    }
    if (!row.empty()) lines.push_back(row);
    lines.emplace_back("Help OK");
    c_->reply_lines("214", lines);
    co_return;
}

net::task<void> Session::noop(std::string_view) {
    c_->reply("200 NOOP ok");
    co_return;
}

net::task<void> Session::type(std::string_view arg) {
    TypeError err{};
    const auto t = parse_type(arg, err);
    if (!t) {
        c_->reply(err == TypeError::unsupported ? "504 Type not supported" : "501 Syntax error in TYPE");
        co_return;
    }
    type_ = *t;
    c_->reply(type_ == Type::ascii ? "200 Switching to ASCII mode" : "200 Switching to Binary mode");
}

net::task<void> Session::mode(std::string_view arg) {
    c_->reply(line::iequals(arg, "S") ? "200 Mode set to S" : "504 Only stream mode is supported");
    co_return;
}

net::task<void> Session::stru(std::string_view arg) {
    c_->reply(line::iequals(arg, "F") ? "200 Structure set to F" : "504 Only file structure is supported");
    co_return;
}

net::task<void> Session::rest(std::string_view arg) {
    const auto off = parse_rest(arg);
    if (!off) {
        c_->reply("501 REST needs a byte offset");
        co_return;
    }
    rest_ = *off;
    c_->reply("350 Restarting at " + std::to_string(rest_) + ". Send STOR or RETR");
}

net::task<void> Session::stat(std::string_view arg) {
    if (!arg.empty() && !xfer_) {
        co_await listing(arg, "STAT");
        co_return;
    }
    std::vector<std::string> lines{"FTP server status:"};
    lines.push_back(" Connected to " + net::to_string(c_->stream().peer()));
    lines.push_back(" Logged in as " + (anonymous_ ? std::string("anonymous") : user_));
    lines.push_back(std::string(" TYPE: ") + (type_ == Type::ascii ? "ASCII" : "BINARY") +
                    (tls_ ? protect_ ? ", TLS, data protected" : ", TLS, data clear" : ""));
    if (xfer_) {
        lines.push_back(" " + xfer_->verb + " " + xfer_->name + ": " + std::to_string(xfer_->moved) +
                        " bytes transferred");
    } else {
        lines.emplace_back(" No data connection");
    }
    lines.emplace_back("End of status");
    c_->reply_lines("211", lines);
}

}  // namespace ftpd
