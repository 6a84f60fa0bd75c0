#include "http/message.hpp"

#include "http/url.hpp"

namespace http {

Method method_from(std::string_view t) {
    switch (t.size()) {
        case 3:
            if (t == "GET") return Method::get;
            if (t == "PUT") return Method::put;
            break;
        case 4:
            if (t == "HEAD") return Method::head;
            if (t == "POST") return Method::post;
            break;
        case 5:
            if (t == "TRACE") return Method::trace;
            if (t == "PATCH") return Method::patch;
            break;
        case 6:
            if (t == "DELETE") return Method::del;
            break;
        case 7:
            if (t == "OPTIONS") return Method::options;
            if (t == "CONNECT") return Method::connect;
            break;
        default: break;
    }
    return Method::other;
}

std::string_view to_string(Method m) {
    switch (m) {
        case Method::get: return "GET";
        case Method::head: return "HEAD";
        case Method::post: return "POST";
        case Method::put: return "PUT";
        case Method::del: return "DELETE";
        case Method::options: return "OPTIONS";
        case Method::trace: return "TRACE";
        case Method::connect: return "CONNECT";
        case Method::patch: return "PATCH";
        case Method::other: break;
    }
    return "";
}

static inline char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }

bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (lower(a[i]) != lower(b[i])) return false;
    return true;
}

bool list_has_token(std::string_view list, std::string_view token) {
    while (!list.empty()) {
        auto comma = list.find(',');
        auto elem = list.substr(0, comma);
        while (!elem.empty() && (elem.front() == ' ' || elem.front() == '\t')) elem.remove_prefix(1);
        while (!elem.empty() && (elem.back() == ' ' || elem.back() == '\t')) elem.remove_suffix(1);
        if (iequals(elem, token)) return true;
        if (comma == std::string_view::npos) break;
        list.remove_prefix(comma + 1);
    }
    return false;
}

std::string_view Request::header(std::string_view name) const {
    for (const auto& h : headers)
        if (iequals(h.name, name)) return h.value;
    return {};
}

bool Request::has_header(std::string_view name) const {
    for (const auto& h : headers)
        if (iequals(h.name, name)) return true;
    return false;
}

std::size_t Request::count(std::string_view name) const {
    std::size_t n = 0;
    for (const auto& h : headers)
        if (iequals(h.name, name)) ++n;
    return n;
}

std::string_view Request::path() const { return target_path(target); }

std::string_view Request::query() const { return target_query(target); }

void Request::clear() {
    method = Method::other;
    method_token = target = host = {};
    version_minor = 1;
    headers.clear();
    body = BodyKind::none;
    content_length = 0;
    keep_alive = true;
    expect_continue = false;
}

std::string_view reason_phrase(int status) {
    switch (status) {
        case 100: return "Continue";
        case 101: return "Switching Protocols";
        case 200: return "OK";
        case 201: return "Created";
        case 202: return "Accepted";
        case 204: return "No Content";
        case 206: return "Partial Content";
        case 301: return "Moved Permanently";
        case 302: return "Found";
        case 303: return "See Other";
        case 304: return "Not Modified";
        case 307: return "Temporary Redirect";
        case 308: return "Permanent Redirect";
        case 400: return "Bad Request";
        case 401: return "Unauthorized";
        case 403: return "Forbidden";
        case 404: return "Not Found";
        case 405: return "Method Not Allowed";
        case 406: return "Not Acceptable";
        case 408: return "Request Timeout";
        case 409: return "Conflict";
        case 410: return "Gone";
        case 411: return "Length Required";
        case 412: return "Precondition Failed";
        case 413: return "Content Too Large";
        case 414: return "URI Too Long";
        case 415: return "Unsupported Media Type";
        case 416: return "Range Not Satisfiable";
        case 417: return "Expectation Failed";
        case 429: return "Too Many Requests";
        case 431: return "Request Header Fields Too Large";
        case 500: return "Internal Server Error";
        case 501: return "Not Implemented";
        case 502: return "Bad Gateway";
        case 503: return "Service Unavailable";
        case 504: return "Gateway Timeout";
        case 505: return "HTTP Version Not Supported";
        default: return "Unknown";
    }
}

}  // namespace http
