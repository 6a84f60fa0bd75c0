#include "http/exchange.hpp"

#include <charconv>
#include <cstdio>

#include "http/response.hpp"
#include "http/text.hpp"

namespace http {

bool Response::add_header(std::string_view name, std::string_view value) {
    return append_header_checked(fields, name, value);
}

void Response::add_header(std::string_view name, std::uint64_t value) { append_header(fields, name, value); }

void Response::set_file(fs::FileHandle fd, std::uint64_t offset, std::uint64_t length) {
    file = std::move(fd);
    file_offset = offset;
    file_length = length;
    body.clear();
    shared_owner.reset();
    shared_body = {};
}

void Response::set_shared(std::shared_ptr<const void> owner, std::string_view view) {
    shared_owner = std::move(owner);
    shared_body = view;
    body.clear();
    file.reset();
    file_offset = file_length = 0;
}

void Response::clear() {
    status = 200;
    fields.clear();
    body.clear();
    shared_owner.reset();
    shared_body = {};
    file.reset();
    file_offset = file_length = 0;
    close = false;
    takeover.reset();
    note.clear();
}

void set_error(Response& r, int status, std::string_view detail) {
    r.status = status;
    r.fields.clear();
    r.file.reset();
    r.file_offset = r.file_length = 0;
    r.body.clear();
    r.shared_owner.reset();
    r.shared_body = {};
    r.takeover.reset();
    if (status_has_no_body(status)) return;
    std::string title = std::to_string(status);
    title += ' ';
    title += reason_phrase(status);
    r.body = "<html><head><title>" + title + "</title></head><body><h1>" + title + "</h1>";
    if (!detail.empty()) r.body += "<p>" + html_escape(detail) + "</p>";
    r.body += "</body></html>\n";
    r.add_header("Content-Type", "text/html; charset=utf-8");
}

namespace {

// Log fields are quoted; escape quotes, backslashes and control bytes the way nginx does
// (\xHH), so that one request is always one parseable line.
void append_escaped(std::string& out, std::string_view v) {
    if (v.empty()) {
        out.push_back('-');
        return;
    }
    for (unsigned char c : v) {
        if (c == '"' || c == '\\' || c < 0x20 || c >= 0x7f) {
            out += "\\x";
            out.push_back(kHexDigits[c >> 4]);
            out.push_back(kHexDigits[c & 15]);
        } else {
            out.push_back(static_cast<char>(c));
        }
    }
}

void append_number(std::string& out, std::uint64_t v) {
    char buf[24];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
    (void)ec;
    out.append(buf, end);
}

}  // namespace

void format_combined_log(const LogEntry& e, std::string& out) {
    static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                              "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    out += e.peer.address;
    out += " - - [";
    std::tm tm{};
    gmtime_r(&e.time, &tm);
    char tbuf[40];
    const int n = std::snprintf(tbuf, sizeof tbuf, "%02d/%s/%04d:%02d:%02d:%02d +0000", tm.tm_mday,
                                kMonths[tm.tm_mon % 12], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
    out.append(tbuf, static_cast<std::size_t>(n > 0 ? n : 0));
    out += "] \"";
    if (e.request != nullptr) {
        append_escaped(out, e.request->method_token);
        out.push_back(' ');
        append_escaped(out, e.request->target);
        out += e.request->version_minor == 0 ? " HTTP/1.0" : " HTTP/1.1";
    } else {
        out.push_back('-');
    }
    out += "\" ";
    append_number(out, static_cast<std::uint64_t>(e.status));
    out.push_back(' ');
    if (e.body_bytes == 0) out.push_back('-');
    else append_number(out, e.body_bytes);
    out += " \"";
    append_escaped(out, e.request ? e.request->header("Referer") : std::string_view{});
    out += "\" \"";
    append_escaped(out, e.request ? e.request->header("User-Agent") : std::string_view{});
    out.push_back('"');
}

}  // namespace http
