#include "http/parser.hpp"

#include "http/text.hpp"

#include <array>
#include <cstring>

namespace http {
namespace {

// RFC 9110 5.6.2: tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." /
//                         "^" / "_" / "`" / "|" / "~" / DIGIT / ALPHA
constexpr std::array<bool, 256> make_tchar() {
    std::array<bool, 256> t{};
    for (int c = '0'; c <= '9'; ++c) t[c] = true;
    for (int c = 'a'; c <= 'z'; ++c) t[c] = true;
    for (int c = 'A'; c <= 'Z'; ++c) t[c] = true;
    for (char c : std::string_view("!#$%&'*+-.^_`|~")) t[static_cast<unsigned char>(c)] = true;
    return t;
}
constexpr auto kTchar = make_tchar();

bool is_token(std::string_view s) {
    if (s.empty()) return false;
    for (unsigned char c : s)
        if (!kTchar[c]) return false;
    return true;
}

// field-value bytes: HTAB, SP, VCHAR, obs-text (RFC 9110 5.5).
bool valid_field_value(std::string_view v) {
    for (unsigned char c : v)
        if ((c < 0x20 && c != '\t') || c == 0x7f) return false;
    return true;
}

std::string_view trim_ows(std::string_view v) {
    while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
    while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
    return v;
}

// RFC 3986 2.3, 2.2: unreserved and sub-delims, the bytes of a reg-name besides %XX.
bool host_char(char c) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
    return std::string_view("-._~!$&'()*+,;=").find(c) != std::string_view::npos;
}

// `s` is 1*( host_char / pct-encoded / the extra bytes allowed ).
bool host_chars(std::string_view s, std::string_view extra) {
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '%') {
            if (s.size() - i < 3 || hex_value(s[i + 1]) < 0 || hex_value(s[i + 2]) < 0) return false;
            i += 2;
        } else if (!host_char(s[i]) && extra.find(s[i]) == std::string_view::npos) {
            return false;
        }
    }
    return true;
}

// RFC 9110 7.2 / RFC 3986 3.2.2-3.2.3: Host = uri-host [ ":" port ], where uri-host is an
// IP-literal ("[" IPv6 / IPvFuture "]"), an IPv4 address or a reg-name (which covers IPv4),
// and port is *DIGIT. A reg-name may be empty (RFC 9112 3.2: a Host for a URI without one).
bool valid_host(std::string_view h) {
    std::string_view port;
    if (!h.empty() && h.front() == '[') {
        const auto close = h.find(']');
        if (close == std::string_view::npos || close == 1 || !host_chars(h.substr(1, close - 1), ":")) return false;
        const auto rest = h.substr(close + 1);
        if (!rest.empty() && rest.front() != ':') return false;
        if (!rest.empty()) port = rest.substr(1);
    } else {
        const auto colon = h.find(':');
        if (!host_chars(h.substr(0, colon), "")) return false;
        if (colon != std::string_view::npos) port = h.substr(colon + 1);
    }
    for (char c : port)
        if (c < '0' || c > '9') return false;
    return true;
}

// Removes the line terminator's CR (the LF is already excluded).
std::string_view strip_cr(std::string_view line) {
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    return line;
}

}  // namespace

int status_for(ParseError e) {
    switch (e) {
        case ParseError::none: return 200;
        case ParseError::request_line_too_long: return 414;
        case ParseError::header_too_large:
        case ParseError::too_many_headers: return 431;
        case ParseError::version_not_supported: return 505;
        case ParseError::unsupported_transfer_encoding: return 501;
        case ParseError::unsupported_expectation: return 417;
        default: return 400;
    }
}

std::string_view to_string(ParseError e) {
    switch (e) {
        case ParseError::none: return "none";
        case ParseError::request_line_too_long: return "request_line_too_long";
        case ParseError::header_too_large: return "header_too_large";
        case ParseError::too_many_headers: return "too_many_headers";
        case ParseError::bad_request_line: return "bad_request_line";
        case ParseError::bad_method: return "bad_method";
        case ParseError::bad_target: return "bad_target";
        case ParseError::bad_version: return "bad_version";
        case ParseError::version_not_supported: return "version_not_supported";
        case ParseError::bad_header: return "bad_header";
        case ParseError::obsolete_line_folding: return "obsolete_line_folding";
        case ParseError::bad_content_length: return "bad_content_length";
        case ParseError::conflicting_content_length: return "conflicting_content_length";
        case ParseError::content_length_and_chunked: return "content_length_and_chunked";
        case ParseError::bad_transfer_encoding: return "bad_transfer_encoding";
        case ParseError::unsupported_transfer_encoding: return "unsupported_transfer_encoding";
        case ParseError::transfer_encoding_http10: return "transfer_encoding_http10";
        case ParseError::missing_host: return "missing_host";
        case ParseError::duplicate_host: return "duplicate_host";
        case ParseError::bad_host: return "bad_host";
        case ParseError::unsupported_expectation: return "unsupported_expectation";
    }
    return "unknown";
}

void RequestParser::reset() {
    req_.clear();
    start_ = scan_ = line_start_ = lines_ = 0;
    started_ = false;
}

ParseResult RequestParser::parse(std::string_view data) {
    // RFC 9112 2.2: ignore empty lines before the request line. They count against
    // the request-line limit so that a stream of CRLFs cannot keep us busy forever.
    if (!started_) {
        std::size_t i = start_;
        while (i < data.size() && (data[i] == '\r' || data[i] == '\n')) ++i;
        if (i > limits_.max_request_line) return fail(ParseError::request_line_too_long);
        if (i < data.size() && i > 0 && data[i - 1] == '\r') return fail(ParseError::bad_request_line);
        if (i == data.size()) return {};
        start_ = scan_ = line_start_ = i;
        started_ = true;
    }

    while (true) {
        const char* base = data.data();
        const void* nl = scan_ < data.size() ? std::memchr(base + scan_, '\n', data.size() - scan_) : nullptr;
        if (nl == nullptr) {
            scan_ = data.size();
            // A trailing CR may be the start of the terminator, so it does not count yet.
            const std::size_t pending = data.size() - line_start_ - (data.back() == '\r' ? 1 : 0);
            if (lines_ == 0 && pending > limits_.max_request_line) return fail(ParseError::request_line_too_long);
            if (data.size() - start_ > limits_.max_header_bytes) return fail(ParseError::header_too_large);
            return {};
        }
        const std::size_t pos = static_cast<std::size_t>(static_cast<const char*>(nl) - base);
        const std::string_view line = strip_cr(data.substr(line_start_, pos - line_start_));
        const std::size_t head_len = pos + 1 - start_;
        if (lines_ == 0 && line.size() > limits_.max_request_line) return fail(ParseError::request_line_too_long);
        if (head_len > limits_.max_header_bytes) return fail(ParseError::header_too_large);
        scan_ = line_start_ = pos + 1;
        if (line.empty() && lines_ > 0) {
            const ParseError e = parse_head(data.substr(start_, head_len));
            if (e != ParseError::none) return fail(e);
            return {ParseStatus::complete, pos + 1, ParseError::none};
        }
        if (++lines_ > limits_.max_headers + 1) return fail(ParseError::too_many_headers);
    }
}

ParseError RequestParser::parse_head(std::string_view head) {
    req_.headers.clear();
    bool first = true;
    while (!head.empty()) {
        const auto nl = head.find('\n');
        const std::string_view line = strip_cr(head.substr(0, nl));
        head.remove_prefix(nl + 1);
        if (line.empty()) break;
        const ParseError e = first ? parse_request_line(line) : parse_header_line(line);
        if (e != ParseError::none) return e;
        first = false;
    }
    return finish_semantics();
}

ParseError RequestParser::parse_request_line(std::string_view line) {
    // request-line = method SP request-target SP HTTP-version (RFC 9112 3), single spaces.
    const auto sp1 = line.find(' ');
    if (sp1 == std::string_view::npos) return ParseError::bad_request_line;
    const auto sp2 = line.find(' ', sp1 + 1);
    if (sp2 == std::string_view::npos) return ParseError::bad_request_line;
    const std::string_view method = line.substr(0, sp1);
    const std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
    const std::string_view version = line.substr(sp2 + 1);
    if (!is_token(method)) return ParseError::bad_method;
    if (target.empty()) return ParseError::bad_target;
    for (unsigned char c : target)
        if (c <= 0x20 || c >= 0x7f) return ParseError::bad_target;
    // HTTP-version = "HTTP/" DIGIT "." DIGIT (case-sensitive, RFC 9112 2.3)
    if (version.size() != 8 || version.substr(0, 5) != "HTTP/" || version[6] != '.' || version[5] < '0' ||
        version[5] > '9' || version[7] < '0' || version[7] > '9')
        return ParseError::bad_version;
    if (version[5] != '1') return ParseError::version_not_supported;
    req_.method_token = method;
    req_.method = method_from(method);
    req_.target = target;
    req_.version_minor = version[7] == '0' ? 0 : 1;
    return ParseError::none;
}

ParseError RequestParser::parse_header_line(std::string_view line) {
    if (line.front() == ' ' || line.front() == '\t') return ParseError::obsolete_line_folding;
    const auto colon = line.find(':');
    if (colon == std::string_view::npos) return ParseError::bad_header;
    const std::string_view name = line.substr(0, colon);
    // RFC 9112 5.1: no whitespace between field name and colon; is_token rejects it.
    if (!is_token(name)) return ParseError::bad_header;
    const std::string_view value = trim_ows(line.substr(colon + 1));
    if (!valid_field_value(value)) return ParseError::bad_header;
    if (req_.headers.size() >= limits_.max_headers) return ParseError::too_many_headers;
    req_.headers.push_back({name, value});
    return ParseError::none;
}

ParseError RequestParser::finish_semantics() {
    Request& r = req_;
    bool has_cl = false, has_te = false, chunked = false, other_coding = false, bad_te = false;
    bool connection_close = false, connection_keep_alive = false;
    std::size_t hosts = 0;
    std::uint64_t cl = 0;
    for (const auto& h : r.headers) {
        const auto n = h.name;
        if (iequals(n, "content-length")) {
            // RFC 9110 8.6: a list of identical values may be accepted; anything else is an error.
            std::string_view list = h.value;
            do {
                const auto comma = list.find(',');
                std::uint64_t v = 0;
                if (!parse_decimal(trim_ows(list.substr(0, comma)), v)) return ParseError::bad_content_length;
                if (has_cl && v != cl) return ParseError::conflicting_content_length;
                has_cl = true;
                cl = v;
                list = comma == std::string_view::npos ? std::string_view{} : list.substr(comma + 1);
            } while (!list.empty());
        } else if (iequals(n, "transfer-encoding")) {
            has_te = true;
            std::string_view list = h.value;
            while (true) {
                const auto comma = list.find(',');
                const auto coding = trim_ows(list.substr(0, comma));
                if (!coding.empty()) {
                    if (chunked) bad_te = true;  // something after chunked, or chunked twice
                    if (iequals(coding, "chunked")) chunked = true;
                    else other_coding = true;
                }
                if (comma == std::string_view::npos) break;
                list.remove_prefix(comma + 1);
            }
        } else if (iequals(n, "host")) {
            // RFC 9112 3.2: an invalid Host value is a bad request (never a virtual host name).
            if (!valid_host(h.value)) return ParseError::bad_host;
            ++hosts;
            r.host = h.value;
        } else if (iequals(n, "connection")) {
            if (list_has_token(h.value, "close")) connection_close = true;
            if (list_has_token(h.value, "keep-alive")) connection_keep_alive = true;
        } else if (iequals(n, "expect")) {
            if (!iequals(h.value, "100-continue")) return ParseError::unsupported_expectation;
            r.expect_continue = r.version_minor >= 1;
        }
    }
    if (hosts > 1) return ParseError::duplicate_host;
    if (hosts == 0 && r.version_minor >= 1) return ParseError::missing_host;
    // RFC 9112 3.2.2: an absolute-form target's authority replaces Host.
    if (r.target.size() > 7 && (iequals(r.target.substr(0, 7), "http://") ||
                                (r.target.size() > 8 && iequals(r.target.substr(0, 8), "https://")))) {
        auto rest = r.target.substr(r.target.find("//") + 2);
        r.host = rest.substr(0, rest.find_first_of("/?"));
        // RFC 9110 4.2.1: an http URI with an empty host is invalid; 4.2.4: so is userinfo
        // (no '@' passes valid_host).
        if (r.host.empty() || !valid_host(r.host)) return ParseError::bad_host;
    }
    if (has_te) {
        // RFC 9112 6.1 / 6.3: TE in 1.0 or together with CL means the framing is faulty.
        if (r.version_minor == 0) return ParseError::transfer_encoding_http10;
        if (has_cl) return ParseError::content_length_and_chunked;
        if (bad_te || !chunked)
            return other_coding && !bad_te ? ParseError::unsupported_transfer_encoding
                                           : ParseError::bad_transfer_encoding;
        if (other_coding) return ParseError::unsupported_transfer_encoding;
        r.body = BodyKind::chunked;
    } else if (has_cl) {
        r.body = cl > 0 ? BodyKind::length : BodyKind::none;
        r.content_length = cl;
    }
    // RFC 9112 9.3: 1.1 persists unless "close"; 1.0 only with "keep-alive".
    r.keep_alive = r.version_minor >= 1 ? !connection_close : (connection_keep_alive && !connection_close);
    return ParseError::none;
}

}  // namespace http
