// SMTP AUTH (RFC 4954) with the PLAIN (RFC 4616) and LOGIN mechanisms.
#include <spdlog/spdlog.h>

#include "auth/sasl.hpp"
#include "smtpd/session.hpp"

namespace smtpd {

namespace {
constexpr std::size_t kMaxSaslLine = 12288;  // RFC 4954 4: at least 12288 octets for responses
}

// One client response to `challenge` (base64; "" for the empty challenge), or the initial
// response given with the command. nullopt: cancelled ("*"), malformed, or the connection ended
// (the reply is queued).
net::task<std::optional<std::string>> Session::sasl_response(std::string_view challenge, std::string_view initial) {
    std::string b64;
    if (!initial.empty()) {
        b64 = std::string(initial);
    } else {
        c_.reply("334 " + std::string(challenge));
        std::string_view l;
        const auto st = co_await c_.read_line(l, kMaxSaslLine);
        if (st != net::LineStatus::ok) {
            if (st == net::LineStatus::too_long) c_.reply("500 5.5.6 Authentication exchange line is too long");
            else c_.close_after_reply();
            co_return std::nullopt;
        }
        b64 = std::string(l);
    }
    if (b64 == "*") {
        c_.reply("501 5.7.0 Authentication cancelled");
        co_return std::nullopt;
    }
    if (b64 == "=") co_return std::string();  // RFC 4954 4: an empty initial response
    auto d = auth::base64_decode(b64);
    if (!d) c_.reply("501 5.5.2 Cannot decode response");
    co_return d;
}

net::task<void> Session::auth(std::string_view arg) {
    if (!user_.empty()) {
        c_.reply("503 5.5.1 Already authenticated");
        co_return;
    }
    if (!may_auth()) {
        // RFC 4954 4 and 6: the plain-text mechanisms need TLS first.
        c_.reply(s_.users ? "538 5.7.11 Encryption required for requested authentication mechanism"
                          : "503 5.5.1 AUTH not available");
        co_return;
    }
    const auto peer = c_.stream().peer().address();
    if (s_.users->blocked(peer)) {
        c_.reply("454 4.7.0 Too many failed logins, try again later");
        co_return;
    }
    const auto sp = std::min(arg.find(' '), arg.size());
    const std::string mech(arg.substr(0, sp));
    const std::string initial(sp < arg.size() ? arg.substr(sp + 1) : std::string_view{});
    std::string name, password;
    if (line::iequals(mech, "PLAIN")) {
        auto r = co_await sasl_response("", initial);
        if (!r) co_return;
        // authzid NUL authcid NUL passwd (RFC 4616 2). Without the two NULs there is nothing to
        // check; other flaws (a third NUL, an empty or overlong field) fail as a wrong password.
        auth::PlainCredentials creds;
        if (auth::split_plain(*r, creds) == auth::PlainError::no_separator) {
            c_.reply("501 5.5.2 Malformed PLAIN response");
            co_return;
        }
        name = std::move(creds.authcid);
        password = std::move(creds.password);
        // An authzid other than the user itself is refused.
        if (!creds.authzid.empty() && creds.authzid != name) {
            c_.reply("535 5.7.8 Authentication credentials invalid");
            co_return;
        }
    } else if (line::iequals(mech, "LOGIN")) {
        auto u = co_await sasl_response("VXNlcm5hbWU6", initial);  // "Username:"
        if (!u) co_return;
        auto p = co_await sasl_response("UGFzc3dvcmQ6", "");  // "Password:"
        if (!p) co_return;
        name = std::move(*u);
        password = std::move(*p);
    } else {
        c_.reply("504 5.5.4 Unrecognized authentication type");
        co_return;
    }
    auto user = co_await s_.users->login(name, password, peer);
    if (!user) {
        spdlog::info("smtp: failed AUTH {} for {:?} from {}", mech, name, peer.to_string());
        c_.reply("535 5.7.8 Authentication credentials invalid");
        co_return;
    }
    user_ = user->name;
    c_.set_logged_in(true);
    c_.note("authenticated as " + user_);
    c_.reply("235 2.7.0 Authentication successful");
}

}  // namespace smtpd
