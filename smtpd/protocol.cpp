#include "smtpd/protocol.hpp"

#include <charconv>

#include "line/command.hpp"

namespace smtpd {

namespace {

bool is_atext(unsigned char c) {
    if (c >= 0x80) return true;  // UTF-8 octets; checked against SMTPUTF8 by the caller
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
    return std::string_view("!#$%&'*+-/=?^_`{|}~").find(static_cast<char>(c)) != std::string_view::npos;
}

bool ascii_only(std::string_view s) {
    for (unsigned char c : s)
        if (c >= 0x80) return false;
    return true;
}

// RFC 5321 4.1.2 Dot-string: atoms separated by single dots.
bool dot_string(std::string_view s) {
    if (s.empty() || s.front() == '.' || s.back() == '.') return false;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '.') {
            if (s[i + 1] == '.') return false;
        } else if (!is_atext(static_cast<unsigned char>(s[i]))) {
            return false;
        }
    }
    return true;
}

// RFC 5321 4.1.2 Quoted-string: printable ASCII (or UTF-8), backslash pairs.
bool quoted_string(std::string_view s) {
    if (s.size() < 2 || s.front() != '"' || s.back() != '"') return false;
    for (std::size_t i = 1; i + 1 < s.size(); ++i) {
        const auto c = static_cast<unsigned char>(s[i]);
        if (c == '\\') {
            if (++i + 1 >= s.size() || static_cast<unsigned char>(s[i]) < 0x20) return false;
        } else if (c < 0x20 || c == 0x7F || c == '"') {
            return false;
        }
    }
    return true;
}

// A domain of LDH labels (UTF-8 labels allowed, RFC 6531 3.3) or an address literal.
bool valid_domain(std::string_view d) {
    if (d.empty() || d.size() > kMaxDomain) return false;
    if (d.front() == '[') {
        if (d.back() != ']' || d.size() < 3) return false;
        for (char c : d.substr(1, d.size() - 2))
            if (c <= ' ' || c == '[' || c == ']' || c == '\\' || static_cast<unsigned char>(c) >= 0x7F) return false;
        return true;
    }
    std::size_t start = 0;
    while (start <= d.size()) {
        std::size_t dot = d.find('.', start);
        if (dot == std::string_view::npos) dot = d.size();
        const std::string_view label = d.substr(start, dot - start);
        if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') return false;
        for (unsigned char c : label)
            if (!(c >= 0x80 || c == '-' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')))
                return false;
        start = dot + 1;
        if (dot == d.size()) break;
    }
    return true;
}

// The "<...>" path at the start of `s`: the mailbox inside (source route dropped, RFC 5321
// 4.1.2 says to accept and ignore it) and the rest after ">".
std::optional<std::string_view> take_path(std::string_view& s) {
    if (s.empty() || s.front() != '<') return std::nullopt;
    bool quoted = false;
    for (std::size_t i = 1; i < s.size(); ++i) {
        if (quoted && s[i] == '\\') {
            ++i;
        } else if (s[i] == '"') {
            quoted = !quoted;
        } else if (!quoted && s[i] == '>') {
            std::string_view inner = s.substr(1, i - 1);
            s.remove_prefix(i + 1);
            if (!inner.empty() && inner.front() == '@') {
                const auto colon = inner.find(':');
                if (colon == std::string_view::npos) return std::nullopt;
                inner.remove_prefix(colon + 1);
            }
            return inner;
        }
    }
    return std::nullopt;
}

// "FROM:" / "TO:" (any case), then optional spaces (common practice, "MAIL FROM: <a@b>").
bool take_keyword(std::string_view& s, std::string_view kw) {
    if (s.size() < kw.size() || !line::iequals(s.substr(0, kw.size()), kw)) return false;
    s.remove_prefix(kw.size());
    while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
    return true;
}

// Splits the parameters after the path into keyword/value pairs.
template <class F>
bool each_param(std::string_view s, F&& f) {
    while (!s.empty()) {
        if (s.front() != ' ') return false;
        while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
        if (s.empty()) break;
        const auto end = std::min(s.find(' '), s.size());
        const std::string_view p = s.substr(0, end);
        s.remove_prefix(end);
        const auto eq = p.find('=');
        const std::string_view key = p.substr(0, eq);
        const std::string_view value = eq == std::string_view::npos ? std::string_view{} : p.substr(eq + 1);
        if (key.empty() || !f(key, value, eq != std::string_view::npos)) return false;
    }
    return true;
}

PathError check_mailbox(std::string_view a, bool utf8) {
    if (a.size() + 2 > kMaxPath) return PathError::too_long;
    if (!ascii_only(a) && !utf8) return PathError::utf8;
    return valid_mailbox(a, utf8) ? PathError::ok : PathError::bad_address;
}

}  // namespace

bool valid_mailbox(std::string_view m, bool utf8) {
    if (!utf8 && !ascii_only(m)) return false;
    const auto at = m.rfind('@');
    if (at == std::string_view::npos) return line::iequals(m, "postmaster");  // RFC 5321 4.1.1.3
    const std::string_view local = m.substr(0, at), domain = m.substr(at + 1);
    if (local.size() > kMaxLocalPart) return false;
    return (dot_string(local) || quoted_string(local)) && valid_domain(domain);
}

std::string domain_of(std::string_view m) {
    const auto at = m.rfind('@');
    if (at == std::string_view::npos) return {};
    std::string d(m.substr(at + 1));
    for (char& c : d)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
    return d;
}

std::string_view local_of(std::string_view m) {
    const auto at = m.rfind('@');
    return at == std::string_view::npos ? m : m.substr(0, at);
}

bool valid_helo(std::string_view name) {
    if (name.empty() || name.size() > kMaxDomain) return false;
    for (unsigned char c : name)
        if (c <= ' ' || c == 0x7F) return false;
    return true;
}

std::optional<std::string> xtext_decode(std::string_view s) {
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        const auto c = static_cast<unsigned char>(s[i]);
        if (c < '!' || c > '~' || c == '=') return std::nullopt;
        if (c != '+') {
            out += static_cast<char>(c);
            continue;
        }
        if (i + 2 >= s.size()) return std::nullopt;
        unsigned v = 0;
        const auto* first = s.data() + i + 1;
        if (std::from_chars(first, first + 2, v, 16).ptr != first + 2) return std::nullopt;
        out += static_cast<char>(v);
        i += 2;
    }
    return out;
}

std::string xtext_encode(std::string_view s) {
    static constexpr char hex[] = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : s) {
        if (c < '!' || c > '~' || c == '+' || c == '=') {
            out += '+';
            out += hex[c >> 4];
            out += hex[c & 15];
        } else {
            out += static_cast<char>(c);
        }
    }
    return out;
}

PathError parse_mail(std::string_view arg, MailFrom& out) {
    out = MailFrom{};
    if (!take_keyword(arg, "FROM:")) return PathError::syntax;
    const auto path = take_path(arg);
    if (!path) return PathError::syntax;
    bool ok = each_param(arg, [&](std::string_view k, std::string_view v, bool has_value) {
        if (line::iequals(k, "SIZE")) {
            std::uint64_t n = 0;
            if (!has_value || std::from_chars(v.data(), v.data() + v.size(), n).ptr != v.data() + v.size())
                return false;
            out.size = n;
        } else if (line::iequals(k, "BODY")) {
            if (line::iequals(v, "7BIT")) out.body = Body::seven_bit;
            else if (line::iequals(v, "8BITMIME")) out.body = Body::eight_bit_mime;
            else if (line::iequals(v, "BINARYMIME")) out.body = Body::binary_mime;
            else return false;
        } else if (line::iequals(k, "SMTPUTF8")) {
            if (has_value) return false;
            out.smtputf8 = true;
        } else if (line::iequals(k, "RET")) {
            if (line::iequals(v, "FULL")) out.ret = Ret::full;
            else if (line::iequals(v, "HDRS")) out.ret = Ret::hdrs;
            else return false;
        } else if (line::iequals(k, "ENVID")) {
            auto d = xtext_decode(v);
            if (!d || d->size() > 100) return false;  // RFC 3461 4.4: at most 100 characters
            out.envid = *d;
        } else if (line::iequals(k, "AUTH")) {
            out.auth = std::string(v);
        } else {
            return false;
        }
        return true;
    });
    if (!ok) return PathError::bad_parameter;
    if (path->empty()) return PathError::ok;  // the null reverse-path (bounces)
    out.address = std::string(*path);
    return check_mailbox(out.address, out.smtputf8);
}

PathError parse_rcpt(std::string_view arg, bool utf8, RcptTo& out) {
    out = RcptTo{};
    if (!take_keyword(arg, "TO:")) return PathError::syntax;
    const auto path = take_path(arg);
    if (!path || path->empty()) return PathError::syntax;
    bool ok = each_param(arg, [&](std::string_view k, std::string_view v, bool) {
        if (line::iequals(k, "NOTIFY")) {
            std::uint8_t bits = 0;
            while (!v.empty()) {
                const auto end = std::min(v.find(','), v.size());
                const auto word = v.substr(0, end);
                v.remove_prefix(std::min(end + 1, v.size()));
                if (line::iequals(word, "NEVER")) bits |= notify_never;
                else if (line::iequals(word, "SUCCESS")) bits |= notify_success;
                else if (line::iequals(word, "FAILURE")) bits |= notify_failure;
                else if (line::iequals(word, "DELAY")) bits |= notify_delay;
                else return false;
            }
            // RFC 3461 4.1: NEVER stands alone.
            if (bits == 0 || ((bits & notify_never) != 0 && bits != notify_never)) return false;
            out.notify = bits;
        } else if (line::iequals(k, "ORCPT")) {
            auto d = xtext_decode(v);
            if (!d || d->find(';') == std::string::npos) return false;
            out.orcpt = *d;
        } else {
            return false;
        }
        return true;
    });
    if (!ok) return PathError::bad_parameter;
    out.address = std::string(*path);
    return check_mailbox(out.address, utf8);
}

namespace {
constexpr std::size_t kHopPrefix = 13;  // "Delivered-To:"
}

void HopCounter::end_line() {
    const std::string_view l = line_;
    if (l.empty() || l == "\r") in_header_ = false;
    else if (line::iequals(l.substr(0, 9), "Received:") || line::iequals(l.substr(0, 13), "Delivered-To:")) ++hops_;
    line_.clear();
}

void HopCounter::feed(std::string_view text) {
    for (std::size_t i = 0; in_header_ && i < text.size(); ++i) {
        if (text[i] == '\n') end_line();
        else if (line_.size() < kHopPrefix) line_ += text[i];
    }
}

std::vector<std::string> ehlo_keywords(const Capabilities& caps) {
    std::vector<std::string> k;
    k.emplace_back("PIPELINING");
    k.push_back(caps.max_size ? "SIZE " + std::to_string(caps.max_size) : std::string("SIZE"));
    k.emplace_back("8BITMIME");
    k.emplace_back("ENHANCEDSTATUSCODES");
    k.emplace_back("SMTPUTF8");
    if (caps.dsn) k.emplace_back("DSN");
    k.emplace_back("CHUNKING");
    if (caps.starttls) k.emplace_back("STARTTLS");
    if (caps.auth) k.emplace_back("AUTH PLAIN LOGIN");
    k.emplace_back("HELP");
    return k;
}

}  // namespace smtpd
