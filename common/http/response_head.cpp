#include "http/response_head.hpp"

#include "http/text.hpp"

namespace http {

namespace {

bool is_tchar(unsigned char c) {
    if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) return true;
    return std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) != std::string_view::npos;
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

// Strips the line terminator (CRLF or bare LF, RFC 9112 2.2).
std::string_view chomp(std::string_view line) {
    if (!line.empty() && line.back() == '\n') line.remove_suffix(1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    return line;
}

// status-line = HTTP-version SP status-code SP [ reason-phrase ] (RFC 9112 4).
ResponseError parse_status_line(std::string_view line, ResponseHead& out) {
    if (line.size() < 12 || line.substr(0, 7) != "HTTP/1." || line[7] < '0' || line[7] > '9' || line[8] != ' ')
        return ResponseError::bad_status_line;
    out.version_minor = line[7] == '0' ? 0 : 1;
    int code = 0;
    for (std::size_t i = 9; i < 12; ++i) {
        if (line[i] < '0' || line[i] > '9') return ResponseError::bad_status_line;
        code = code * 10 + (line[i] - '0');
    }
    if (code < 100 || code > 599) return ResponseError::bad_status_line;
    if (line.size() > 12 && line[12] != ' ') return ResponseError::bad_status_line;
    out.status = code;
    out.reason = line.size() > 13 ? line.substr(13) : std::string_view{};
    for (unsigned char c : out.reason)
        if ((c < 0x20 && c != '\t') || c == 0x7f) return ResponseError::bad_status_line;
    return ResponseError::none;
}

ResponseError parse_field(std::string_view line, ResponseHead& out) {
    if (line.front() == ' ' || line.front() == '\t') return ResponseError::bad_header;  // obs-fold
    const auto colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) return ResponseError::bad_header;
    const auto name = line.substr(0, colon);
    for (unsigned char c : name)
        if (!is_tchar(c)) return ResponseError::bad_header;
    const auto value = trim(line.substr(colon + 1));
    for (unsigned char c : value)
        if ((c < 0x20 && c != '\t') || c == 0x7f) return ResponseError::bad_header;
    out.headers.push_back({name, value});
    return ResponseError::none;
}

// RFC 9112 6.3: the framing of the body from status, method and fields.
ResponseError derive_framing(ResponseHead& out, bool request_was_head) {
    bool have_length = false, chunked = false, close = false, keep_alive = false;
    std::uint64_t length = 0;
    for (const auto& h : out.headers) {
        if (iequals(h.name, "content-length")) {
            // A list of identical values is one value (RFC 9110 8.6).
            std::string_view rest = h.value;
            while (!rest.empty()) {
                const auto comma = rest.find(',');
                const auto item = trim(rest.substr(0, comma));
                std::uint64_t v = 0;
                if (!parse_decimal(item, v)) return ResponseError::bad_content_length;
                if (have_length && v != length) return ResponseError::bad_content_length;
                have_length = true;
                length = v;
                rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
            }
        } else if (iequals(h.name, "transfer-encoding")) {
            // The last coding must be chunked; anything else is read until close (RFC 9112 6.3 item 4).
            auto v = trim(h.value);
            const auto comma = v.rfind(',');
            const auto last = trim(comma == std::string_view::npos ? v : v.substr(comma + 1));
            if (!iequals(last, "chunked")) return ResponseError::bad_transfer_encoding;
            if (chunked) return ResponseError::bad_transfer_encoding;
            chunked = true;
        } else if (iequals(h.name, "connection")) {
            if (list_has_token(h.value, "close")) close = true;
            if (list_has_token(h.value, "keep-alive")) keep_alive = true;
        }
    }
    out.keep_alive = out.version_minor >= 1 ? !close : (keep_alive && !close);
    if (request_was_head || status_has_no_body(out.status)) {
        out.body = ResponseBody::none;
    } else if (chunked) {
        out.body = ResponseBody::chunked;
        if (have_length) out.keep_alive = false;  // smuggling risk: never reuse
    } else if (have_length) {
        out.body = length == 0 ? ResponseBody::none : ResponseBody::length;
        out.content_length = length;
    } else {
        out.body = ResponseBody::until_close;
        out.keep_alive = false;
    }
    return ResponseError::none;
}

}  // namespace

std::string_view ResponseHead::header(std::string_view name) const {
    for (const auto& h : headers)
        if (iequals(h.name, name)) return h.value;
    return {};
}

bool ResponseHead::has_header(std::string_view name) const {
    for (const auto& h : headers)
        if (iequals(h.name, name)) return true;
    return false;
}

std::string_view to_string(ResponseError e) {
    switch (e) {
        case ResponseError::none: return "none";
        case ResponseError::head_too_large: return "head_too_large";
        case ResponseError::too_many_headers: return "too_many_headers";
        case ResponseError::bad_status_line: return "bad_status_line";
        case ResponseError::bad_header: return "bad_header";
        case ResponseError::bad_content_length: return "bad_content_length";
        case ResponseError::bad_transfer_encoding: return "bad_transfer_encoding";
    }
    return "unknown";
}

ResponseResult parse_response_head(std::string_view data, bool request_was_head, ResponseHead& out,
                                   const ResponseLimits& limits) {
    out = ResponseHead{};
    std::size_t pos = 0;
    bool first = true;
    std::size_t fields = 0;
    for (;;) {
        const auto nl = data.find('\n', pos);
        if (nl == std::string_view::npos) {
            if (data.size() > limits.max_head) return {ParseStatus::error, 0, ResponseError::head_too_large};
            return {};
        }
        if (nl + 1 > limits.max_head) return {ParseStatus::error, 0, ResponseError::head_too_large};
        const auto raw = data.substr(pos, nl + 1 - pos);
        const auto line = chomp(raw);
        if (line.find('\r') != std::string_view::npos) return {ParseStatus::error, 0, ResponseError::bad_header};
        pos = nl + 1;
        if (first) {
            if (auto e = parse_status_line(line, out); e != ResponseError::none) return {ParseStatus::error, 0, e};
            first = false;
            continue;
        }
        if (line.empty()) break;
        if (++fields > limits.max_headers) return {ParseStatus::error, 0, ResponseError::too_many_headers};
        if (auto e = parse_field(line, out); e != ResponseError::none) return {ParseStatus::error, 0, e};
    }
    if (auto e = derive_framing(out, request_was_head); e != ResponseError::none) return {ParseStatus::error, 0, e};
    return {ParseStatus::complete, pos, ResponseError::none};
}

}  // namespace http
