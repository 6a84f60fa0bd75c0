#include "http/response.hpp"

#include <charconv>

#include "http/message.hpp"

namespace http {

void append_status_line(std::string& out, int status, int version_minor) {
    out.append(version_minor == 0 ? "HTTP/1.0 " : "HTTP/1.1 ");
    char buf[4];
    buf[0] = static_cast<char>('0' + status / 100 % 10);
    buf[1] = static_cast<char>('0' + status / 10 % 10);
    buf[2] = static_cast<char>('0' + status % 10);
    buf[3] = ' ';
    out.append(buf, 4);
    out.append(reason_phrase(status));
    out.append("\r\n");
}

void append_header(std::string& out, std::string_view name, std::string_view value) {
    out.append(name);
    out.append(": ");
    out.append(value);
    out.append("\r\n");
}

void append_header(std::string& out, std::string_view name, std::uint64_t value) {
    char buf[24];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
    (void)ec;
    append_header(out, name, std::string_view(buf, static_cast<std::size_t>(end - buf)));
}

bool append_header_checked(std::string& out, std::string_view name, std::string_view value) {
    if (name.empty()) return false;
    for (char c : name)
        if (c <= ' ' || c == ':' || static_cast<unsigned char>(c) >= 0x7f) return false;
    for (char c : value)
        if (c == '\r' || c == '\n' || c == '\0') return false;
    append_header(out, name, value);
    return true;
}

void append_chunk(std::string& out, std::string_view data) {
    if (data.empty()) return;
    char buf[20];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, data.size(), 16);
    (void)ec;
    out.append(buf, end);
    out.append("\r\n");
    out.append(data);
    out.append("\r\n");
}

std::string html_escape(std::string_view in) {
    std::string out;
    out.reserve(in.size());
    for (char c : in) {
        switch (c) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '"': out += "&quot;"; break;
            case '\'': out += "&#39;"; break;
            default: out.push_back(c);
        }
    }
    return out;
}

}  // namespace http
