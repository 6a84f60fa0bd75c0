#include "httpd/conditional.hpp"

#include <cstdio>

#include "http/date.hpp"

namespace httpd {

std::string make_etag(std::int64_t mtime_sec, std::int64_t mtime_nsec, std::uint64_t size) {
    char buf[64];
    const int n = std::snprintf(buf, sizeof buf, "\"%llx.%llx-%llx\"", static_cast<unsigned long long>(mtime_sec),
                                static_cast<unsigned long long>(mtime_nsec), static_cast<unsigned long long>(size));
    return std::string(buf, static_cast<std::size_t>(n > 0 ? n : 0));
}

Decision decide(const http::Request& req, const Validators& v) {
    // RFC 9110 13.1.1: If-Match ("*" included) is false without a current representation;
    // If-None-Match is then true, and If-Unmodified-Since has no date to compare (13.1.4).
    if (!v.exists) return {req.has_header("If-Match") ? 412 : 200, {}};
    const bool get_or_head = req.method == http::Method::get || req.method == http::Method::head;
    // RFC 9110 13.2.2 step 1: If-Match (strong comparison); step 2 only when it is absent.
    if (req.has_header("If-Match")) {
        if (!http::etag_matches(req.header("If-Match"), v.etag, false)) return {412, {}};
    } else if (req.has_header("If-Unmodified-Since")) {
        // An invalid date is ignored (RFC 9110 13.1.4).
        if (auto t = http::parse_http_date(req.header("If-Unmodified-Since")); t && v.mtime > *t) return {412, {}};
    }
    // Step 3: If-None-Match (weak comparison); step 4 only when it is absent.
    if (req.has_header("If-None-Match")) {
        if (http::etag_matches(req.header("If-None-Match"), v.etag, true)) return {get_or_head ? 304 : 412, {}};
    } else if (get_or_head && req.has_header("If-Modified-Since")) {
        if (auto t = http::parse_http_date(req.header("If-Modified-Since")); t && v.mtime <= *t) return {304, {}};
    }
    // Step 5: Range, only for GET (RFC 9110 14.2), and only if If-Range still holds.
    if (req.method != http::Method::get || !req.has_header("Range")) return {200, {}};
    if (req.has_header("If-Range")) {
        const auto ir = req.header("If-Range");
        if (!ir.empty() && (ir.front() == '"' || ir.starts_with("W/"))) {
            // RFC 9110 13.1.5: exactly one entity-tag, compared strongly (a weak one never
            // matches); a list is not an If-Range value and matches nothing.
            if (ir != v.etag || v.etag.starts_with("W/")) return {200, {}};
        } else {
            // RFC 9110 13.1.5: a date validator must match exactly.
            auto t = http::parse_http_date(ir);
            if (!t || *t != v.mtime) return {200, {}};
        }
    }
    const auto r = http::evaluate_range(req.header("Range"), v.size);
    switch (r.kind) {
        case http::RangeKind::single: return {206, r.range};
        case http::RangeKind::unsatisfiable: return {416, {}};
        default: return {200, {}};  // none, or several ranges: the whole file (allowed, RFC 9110 14.2)
    }
}

}  // namespace httpd
