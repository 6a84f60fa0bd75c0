// HTTP dates (RFC 9110 5.6.7). Pure: no I/O.
#pragma once

#include <ctime>
#include <optional>
#include <string>
#include <string_view>

namespace http {

/// Length of an IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT").
inline constexpr std::size_t kHttpDateLen = 29;

/// Formats `t` (UTC) as IMF-fixdate into `out` (exactly kHttpDateLen bytes, no NUL).
void format_http_date(std::time_t t, char* out);
[[nodiscard]] std::string format_http_date(std::time_t t);

/// Parses IMF-fixdate, the obsolete RFC 850 form and asctime(); nullopt if none matches
/// (RFC 9110 13.1.3: an invalid date in a precondition is then ignored).
[[nodiscard]] std::optional<std::time_t> parse_http_date(std::string_view s);

/// Formats the current second once per second (one instance per thread).
class DateCache {
public:
    /// The IMF-fixdate of `now`; recomputed only when the second changes.
    [[nodiscard]] std::string_view get(std::time_t now) {
        if (now != last_) {
            format_http_date(now, buf_);
            last_ = now;
        }
        return {buf_, kHttpDateLen};
    }

private:
    std::time_t last_ = -1;
    char buf_[kHttpDateLen] = {};
};

}  // namespace http
