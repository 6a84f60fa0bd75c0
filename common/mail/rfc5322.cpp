#include "mail/rfc5322.hpp"

#include <cstdio>

namespace mail {
namespace {

bool is_wsp(char c) { return c == ' ' || c == '\t'; }

std::string_view trim(std::string_view s) {
    while (!s.empty() && is_wsp(s.front())) s.remove_prefix(1);
    while (!s.empty() && is_wsp(s.back())) s.remove_suffix(1);
    return s;
}

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (lower(a[i]) != lower(b[i])) return false;
    return true;
}

// RFC 5322 3.6.8: field-name = 1*ftext, printable US-ASCII except ":".
bool valid_field_name(std::string_view n) {
    if (n.empty()) return false;
    for (char c : n) {
        auto u = static_cast<unsigned char>(c);
        if (u < 33 || u > 126 || c == ':') return false;
    }
    return true;
}

}  // namespace

std::string_view Header::get(std::string_view name) const {
    for (const auto& f : fields)
        if (iequals(f.name, name)) return f.value;
    return {};
}

std::size_t Header::count(std::string_view name) const {
    std::size_t n = 0;
    for (const auto& f : fields) n += iequals(f.name, name) ? 1 : 0;
    return n;
}

// RFC 5322 2.2: a field is a name, a colon and a body; a line that begins with white space
// continues the field before it (2.2.3: unfolding removes the line break only). The header
// ends at the first empty line (2.1).
Header parse_header(std::string_view text, const HeaderLimits& limits) {
    Header h;
    std::size_t pos = 0;
    auto finish = [&](HeaderStatus s, std::size_t body) {
        h.status = s;
        h.body_offset = body;
        if (!h.fields.empty()) h.fields.back().value = std::string(trim(h.fields.back().value));
        return h;
    };
    while (pos < text.size()) {
        const std::size_t eol = text.find('\n', pos);
        const std::size_t next = eol == std::string_view::npos ? text.size() : eol + 1;
        if (next > limits.max_bytes) return finish(HeaderStatus::too_large, pos);
        std::string_view line = text.substr(pos, (eol == std::string_view::npos ? text.size() : eol) - pos);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (line.empty()) return finish(HeaderStatus::complete, next);
        if (is_wsp(line.front())) {
            if (h.fields.empty()) return finish(HeaderStatus::not_a_header, pos);
            h.fields.back().value.append(line);
        } else {
            const std::size_t colon = line.find(':');
            // RFC 5322 4.5.3 (obsolete syntax): white space may precede the colon.
            const std::string_view name = colon == std::string_view::npos ? "" : trim(line.substr(0, colon));
            if (!valid_field_name(name)) return finish(HeaderStatus::not_a_header, pos);
            if (h.fields.size() == limits.max_fields) return finish(HeaderStatus::too_many_fields, pos);
            if (!h.fields.empty()) h.fields.back().value = std::string(trim(h.fields.back().value));
            h.fields.push_back({std::string(name), std::string(line.substr(colon + 1))});
        }
        pos = next;
    }
    return finish(HeaderStatus::no_body, text.size());
}

std::string format_date(std::time_t t, long utc_offset_seconds) {
    static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                              "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    std::time_t shifted = t + utc_offset_seconds;
    std::tm tm{};
    gmtime_r(&shifted, &tm);
    const long off = utc_offset_seconds < 0 ? -utc_offset_seconds : utc_offset_seconds;
    char buf[64];
    // RFC 5322 3.3: day-name "," day month year hour ":" minute ":" second zone.
    std::snprintf(buf, sizeof buf, "%s, %d %s %d %02d:%02d:%02d %c%02ld%02ld", kDays[tm.tm_wday], tm.tm_mday,
                  kMonths[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec,
                  utc_offset_seconds < 0 ? '-' : '+', off / 3600, off / 60 % 60);
    return buf;
}

std::string format_date_local(std::time_t t) {
    std::tm tm{};
    localtime_r(&t, &tm);
    return format_date(t, tm.tm_gmtoff);
}

std::string_view received_protocol(bool ehlo, bool tls, bool authenticated, bool utf8) {
    if (utf8) {
        // RFC 6531 3.7.3 registers these for SMTPUTF8 sessions.
        if (tls && authenticated) return "UTF8SMTPSA";
        if (tls) return "UTF8SMTPS";
        if (authenticated) return "UTF8SMTPA";
        return "UTF8SMTP";
    }
    if (!ehlo) return "SMTP";
    // RFC 3848 2.
    if (tls && authenticated) return "ESMTPSA";
    if (tls) return "ESMTPS";
    if (authenticated) return "ESMTPA";
    return "ESMTP";
}

namespace {

// Client-supplied text in a trace field: no control character may split the field, and in
// atoms no space, comment or ";" may make it read as something else (the date follows ";").
std::string clean(std::string_view s, bool atom) {
    std::string out;
    out.reserve(s.size());
    for (char c : s) {
        auto u = static_cast<unsigned char>(c);
        const bool bad =
            u < 0x20 || u == 0x7f || (atom && (c == ' ' || c == '(' || c == ')' || c == ';' || c == '<' || c == '>'));
        out.push_back(bad ? '_' : c);
    }
    return out;
}

// RFC 5321 4.1.3: an address literal, "[192.0.2.1]" or "[IPv6:2001:db8::1]".
std::string address_literal(std::string_view address) {
    std::string a = clean(address, true);
    return (a.find(':') != std::string::npos ? "[IPv6:" : "[") + a + "]";
}

}  // namespace

// RFC 5321 4.4: Stamp = From-domain By-domain Opt-info [CFWS] ";" FWS date-time, with
// From-domain = "FROM" FWS Extended-Domain and TCP-info = address-literal / ( Domain FWS
// address-literal ) inside the comment.
std::string received_field(const ReceivedInfo& info) {
    std::string f = "Received: from ";
    f += info.helo.empty() ? address_literal(info.client_address) : clean(info.helo, true);
    f += " (";
    if (!info.client_host.empty()) f += clean(info.client_host, true) + " ";
    f += address_literal(info.client_address);
    f += ")\r\n\tby ";
    f += clean(info.by, true);
    f += " with ";
    f += clean(info.protocol, true);
    if (!info.id.empty()) f += " id " + clean(info.id, true);
    if (!info.for_recipient.empty()) f += "\r\n\tfor <" + clean(info.for_recipient, false) + ">";
    f += "; ";
    f += format_date_local(info.time);
    f += "\r\n";
    return f;
}

std::string return_path_field(std::string_view sender) { return "Return-Path: <" + clean(sender, false) + ">\r\n"; }

std::string delivered_to_field(std::string_view recipient) {
    return "Delivered-To: " + clean(recipient, false) + "\r\n";
}

}  // namespace mail
