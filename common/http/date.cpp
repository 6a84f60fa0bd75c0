#include "http/date.hpp"

#include <cstring>

namespace http {
namespace {
constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

void put2(char* p, int v) {
    p[0] = static_cast<char>('0' + v / 10 % 10);
    p[1] = static_cast<char>('0' + v % 10);
}

int month_index(std::string_view m) {
    for (int i = 0; i < 12; ++i)
        if (m == kMonths[i]) return i;
    return -1;
}

bool num(std::string_view s, int& out) {
    if (s.empty()) return false;
    int v = 0;
    for (char c : s) {
        if (c < '0' || c > '9') return false;
        v = v * 10 + (c - '0');
    }
    out = v;
    return true;
}

bool hms(std::string_view s, std::tm& tm) {
    // "08:49:37"
    if (s.size() != 8 || s[2] != ':' || s[5] != ':') return false;
    return num(s.substr(0, 2), tm.tm_hour) && num(s.substr(3, 2), tm.tm_min) && num(s.substr(6, 2), tm.tm_sec) &&
           tm.tm_hour < 24 && tm.tm_min < 60 && tm.tm_sec <= 60;
}

std::optional<std::time_t> finish(std::tm& tm) {
    if (tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_mon < 0) return std::nullopt;
    return timegm(&tm);
}
}  // namespace

void format_http_date(std::time_t t, char* out) {
    std::tm tm{};
    gmtime_r(&t, &tm);
    // "Sun, 06 Nov 1994 08:49:37 GMT"
    std::memcpy(out, kDays[tm.tm_wday], 3);
    out[3] = ',';
    out[4] = ' ';
    put2(out + 5, tm.tm_mday);
    out[7] = ' ';
    std::memcpy(out + 8, kMonths[tm.tm_mon], 3);
    out[11] = ' ';
    const int year = tm.tm_year + 1900;
    put2(out + 12, year / 100);
    put2(out + 14, year % 100);
    out[16] = ' ';
    put2(out + 17, tm.tm_hour);
    out[19] = ':';
    put2(out + 20, tm.tm_min);
    out[22] = ':';
    put2(out + 23, tm.tm_sec);
    std::memcpy(out + 25, " GMT", 4);
}

std::string format_http_date(std::time_t t) {
    std::string s(kHttpDateLen, '\0');
    format_http_date(t, s.data());
    return s;
}

std::optional<std::time_t> parse_http_date(std::string_view s) {
    std::tm tm{};
    const auto comma = s.find(',');
    if (comma == 3 && s.size() == kHttpDateLen) {
        // IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT"
        if (s[4] != ' ' || s[7] != ' ' || s[11] != ' ' || s[16] != ' ' || s.substr(25) != " GMT") return std::nullopt;
        int year = 0;
        if (!num(s.substr(5, 2), tm.tm_mday) || !num(s.substr(12, 4), year) || !hms(s.substr(17, 8), tm))
            return std::nullopt;
        tm.tm_mon = month_index(s.substr(8, 3));
        tm.tm_year = year - 1900;
        return finish(tm);
    }
    if (comma != std::string_view::npos && comma > 3) {
        // RFC 850: "Sunday, 06-Nov-94 08:49:37 GMT"
        auto r = s.substr(comma + 1);
        if (r.size() != 23 || r[0] != ' ' || r[3] != '-' || r[7] != '-' || r[10] != ' ' || r.substr(19) != " GMT")
            return std::nullopt;
        int yy = 0;
        if (!num(r.substr(1, 2), tm.tm_mday) || !num(r.substr(8, 2), yy) || !hms(r.substr(11, 8), tm))
            return std::nullopt;
        tm.tm_mon = month_index(r.substr(4, 3));
        tm.tm_year = yy < 70 ? yy + 100 : yy;  // RFC 9110 5.6.7: 50-year window, close enough
        return finish(tm);
    }
    if (s.size() == 24 && s[3] == ' ' && s[7] == ' ' && s[10] == ' ' && s[19] == ' ') {
        // asctime: "Sun Nov  6 08:49:37 1994"
        auto day = s.substr(8, 2);
        if (day[0] == ' ') day.remove_prefix(1);
        int year = 0;
        if (!num(day, tm.tm_mday) || !hms(s.substr(11, 8), tm) || !num(s.substr(20, 4), year)) return std::nullopt;
        tm.tm_mon = month_index(s.substr(4, 3));
        tm.tm_year = year - 1900;
        return finish(tm);
    }
    return std::nullopt;
}

}  // namespace http
