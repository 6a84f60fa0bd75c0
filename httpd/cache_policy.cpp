#include "httpd/cache_policy.hpp"

#include <algorithm>
#include <cstdio>
#include <sstream>

#include "http/date.hpp"
#include "http/message.hpp"
#include "http/text.hpp"

namespace httpd::cache {

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

std::vector<std::string_view> split_list(std::string_view v) {
    std::vector<std::string_view> out;
    while (!v.empty()) {
        const auto c = v.find(',');
        const auto e = trim(v.substr(0, c));
        if (!e.empty()) out.push_back(e);
        if (c == std::string_view::npos) break;
        v.remove_prefix(c + 1);
    }
    return out;
}

std::vector<std::string> connection_tokens(const Fields& f) {
    std::vector<std::string> out;
    for (const auto& [n, v] : f)
        if (http::iequals(n, "connection"))
            for (auto t : split_list(v)) out.emplace_back(t);
    return out;
}

bool is_hop_by_hop(std::string_view name, const std::vector<std::string>& named) {
    static constexpr std::string_view kFixed[] = {"connection",       "keep-alive",          "te",
                                                  "trailer",          "transfer-encoding",   "upgrade",
                                                  "proxy-connection", "proxy-authorization", "proxy-authenticate"};
    for (auto f : kFixed)
        if (http::iequals(name, f)) return true;
    if (name.size() > 6 && http::iequals(name.substr(0, 6), "proxy-")) return true;
    return std::any_of(named.begin(), named.end(), [&](const std::string& n) { return http::iequals(name, n); });
}

Fields relayable(const Fields& origin) {
    const auto named = connection_tokens(origin);
    Fields out;
    for (const auto& [n, v] : origin) {
        if (is_hop_by_hop(n, named) || http::iequals(n, "content-length") || http::iequals(n, "date") ||
            http::iequals(n, "server") || http::iequals(n, "age") || http::iequals(n, "x-cache"))
            continue;
        out.emplace_back(n, v);
    }
    return out;
}

std::string_view field(const Fields& f, std::string_view name) {
    for (const auto& [n, v] : f)
        if (http::iequals(n, name)) return v;
    return {};
}

std::string joined(const Fields& f, std::string_view name) {
    std::string out;
    for (const auto& [n, v] : f) {
        if (!http::iequals(n, name)) continue;
        if (!out.empty()) out += ", ";
        out += v;
    }
    return out;
}

Directives cache_control(std::string_view value) {
    Directives out;
    for (auto d : split_list(value)) {
        const auto eq = d.find('=');
        std::string name = http::ascii_lower(trim(d.substr(0, eq)));
        std::string arg;
        if (eq != std::string_view::npos) {
            auto a = trim(d.substr(eq + 1));
            if (a.size() >= 2 && a.front() == '"' && a.back() == '"') a = a.substr(1, a.size() - 2);
            arg = std::string(a);
        }
        out.emplace(std::move(name), std::move(arg));
    }
    return out;
}

std::optional<std::uint64_t> seconds(const Directives& cc, const std::string& name) {
    auto it = cc.find(name);
    if (it == cc.end()) return std::nullopt;
    std::uint64_t v = 0;
    if (!http::parse_decimal(it->second, v)) return 0;
    return v;
}

namespace {

// host[:port] or [v6][:port] into `out`; `need_port` for CONNECT.
bool split_authority(std::string_view auth, bool need_port, Target& out) {
    if (auth.empty() || auth.find('@') != std::string_view::npos) return false;
    out.authority = std::string(auth);
    std::string_view host = auth, port;
    bool has_port = false;
    if (auth.front() == '[') {
        const auto rb = auth.find(']');
        if (rb == std::string_view::npos) return false;
        host = auth.substr(1, rb - 1);
        if (rb + 1 < auth.size()) {
            if (auth[rb + 1] != ':') return false;
            port = auth.substr(rb + 2);
            has_port = true;
        }
    } else if (const auto colon = auth.rfind(':'); colon != std::string_view::npos) {
        host = auth.substr(0, colon);
        port = auth.substr(colon + 1);
        has_port = true;
        if (host.find(':') != std::string_view::npos) return false;  // an IPv6 address needs brackets
    }
    if (host.empty() || (need_port && !has_port)) return false;
    for (const char c : host)
        if (static_cast<unsigned char>(c) <= ' ' || c == '/' || c == '?' || c == '#' || c == '\\') return false;
    if (has_port) {
        std::uint64_t p = 0;
        if (!http::parse_decimal(port, p) || p == 0 || p > 65535) return false;
        out.port = static_cast<std::uint16_t>(p);
    }
    out.host = http::ascii_lower(host);
    return true;
}

constexpr int kHeuristic[] = {200, 203, 204, 300, 301, 308, 404, 405, 410, 414, 501};
bool heuristically_cacheable(int status) {
    return std::find(std::begin(kHeuristic), std::end(kHeuristic), status) != std::end(kHeuristic);
}

}  // namespace

std::optional<Target> parse_absolute(std::string_view t) {
    if (t.size() < 8 || !http::iequals(t.substr(0, 7), "http://")) return std::nullopt;
    t.remove_prefix(7);
    const auto end = t.find_first_of("/?#");
    Target out;
    std::string_view rest = end == std::string_view::npos ? std::string_view{} : t.substr(end);
    if (const auto hash = rest.find('#'); hash != std::string_view::npos) rest = rest.substr(0, hash);
    out.path = rest.empty() || rest.front() != '/' ? "/" + std::string(rest) : std::string(rest);
    if (!split_authority(t.substr(0, end), false, out)) return std::nullopt;
    return out;
}

std::optional<Target> parse_authority(std::string_view t) {
    Target out;
    if (!split_authority(t, true, out)) return std::nullopt;
    return out;
}

std::uint64_t Entry::age(Clock::time_point now) const {
    const auto resident = now > stored ? std::chrono::duration_cast<std::chrono::seconds>(now - stored).count() : 0;
    return initial_age + static_cast<std::uint64_t>(resident);
}

bool Entry::stale_allowed(Clock::time_point now, const std::string& directive) const {
    if (must_revalidate) return false;
    const auto window = seconds(cache_control(joined(fields, "cache-control")), directive);
    return window && age(now) < lifetime + *window;
}

std::uint64_t freshness(const Fields& f, const Directives& cc, int status, std::time_t date) {
    if (auto s = seconds(cc, "s-maxage")) return *s;
    if (auto s = seconds(cc, "max-age")) return *s;
    if (auto ex = field(f, "expires"); !ex.empty()) {
        auto e = http::parse_http_date(ex);
        return e && *e > date ? static_cast<std::uint64_t>(*e - date) : 0;
    }
    // Heuristic: 10% of the time since Last-Modified, for heuristically cacheable codes.
    if (!heuristically_cacheable(status)) return 0;
    if (auto lm = http::parse_http_date(field(f, "last-modified")); lm && *lm < date)
        return static_cast<std::uint64_t>(date - *lm) / 10;
    return 0;
}

std::optional<Entry> storable(const RequestFacts& q, std::string key, int status, const Fields& origin_fields,
                              std::string&& body, const FetchTimes& t, std::uint64_t max_object_size) {
    if (!q.get || q.no_store || status == 206) return std::nullopt;
    if (body.size() > max_object_size) return std::nullopt;
    const auto rcc = cache_control(joined(origin_fields, "cache-control"));
    if (rcc.count("no-store") || rcc.count("private")) return std::nullopt;
    if (trim(joined(origin_fields, "vary")) == "*") return std::nullopt;
    // RFC 9111 3.5: a response to an authorized request only when the origin says so.
    if (q.authorization && !rcc.count("public") && !rcc.count("s-maxage") && !rcc.count("must-revalidate"))
        return std::nullopt;
    const auto date = http::parse_http_date(field(origin_fields, "date")).value_or(t.now);
    Entry e;
    e.key = std::move(key);
    e.status = status;
    e.fields = relayable(origin_fields);
    e.stored = t.received;
    // RFC 9111 4.2.3: corrected initial age.
    std::uint64_t age_value = 0;
    (void)http::parse_decimal(trim(field(origin_fields, "age")), age_value);
    const std::uint64_t apparent = t.now > date ? static_cast<std::uint64_t>(t.now - date) : 0;
    const auto delay =
        t.received > t.sent
            ? static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::seconds>(t.received - t.sent).count())
            : 0;
    e.initial_age = std::max(apparent, age_value + delay);
    e.lifetime = freshness(e.fields, rcc, status, date);
    e.no_cache = rcc.count("no-cache") > 0;
    e.must_revalidate = rcc.count("must-revalidate") || rcc.count("proxy-revalidate") || rcc.count("s-maxage");
    e.etag = std::string(field(origin_fields, "etag"));
    e.last_modified = std::string(field(origin_fields, "last-modified"));
    const bool explicit_fresh = rcc.count("max-age") || rcc.count("s-maxage") ||
                                !field(origin_fields, "expires").empty() || rcc.count("public");
    if (!heuristically_cacheable(status) && !explicit_fresh) return std::nullopt;
    if (e.lifetime == 0 && e.etag.empty() && e.last_modified.empty()) return std::nullopt;
    e.body = std::move(body);
    return e;
}

void freshen(Entry& e, const Fields& origin_fields, const FetchTimes& t) {
    for (const auto& [n, v] : relayable(origin_fields)) {
        bool replaced = false;
        for (auto& [fn, fv] : e.fields)
            if (http::iequals(fn, n)) {
                fv = v;
                replaced = true;
            }
        if (!replaced) e.fields.emplace_back(n, v);
    }
    const auto cc = cache_control(joined(e.fields, "cache-control"));
    const auto date = http::parse_http_date(field(origin_fields, "date")).value_or(t.now);
    e.stored = t.received;
    e.initial_age = 0;
    e.lifetime = freshness(e.fields, cc, e.status, date);
    e.no_cache = cc.count("no-cache") > 0;
    e.must_revalidate = cc.count("must-revalidate") || cc.count("proxy-revalidate") || cc.count("s-maxage");
    if (auto et = field(origin_fields, "etag"); !et.empty()) e.etag = std::string(et);
    if (auto lm = field(origin_fields, "last-modified"); !lm.empty()) e.last_modified = std::string(lm);
}

bool not_modified(std::string_view if_none_match, std::string_view if_modified_since, const Entry& e) {
    if (!if_none_match.empty()) {
        if (e.etag.empty()) return false;
        if (trim(if_none_match) == "*") return true;
        auto weak = [](std::string_view t) { return t.substr(0, 2) == "W/" ? t.substr(2) : t; };
        const auto lists = split_list(if_none_match);
        return std::any_of(lists.begin(), lists.end(), [&](std::string_view t) { return weak(t) == weak(e.etag); });
    }
    if (!if_modified_since.empty() && !e.last_modified.empty()) {
        auto a = http::parse_http_date(if_modified_since);
        auto b = http::parse_http_date(e.last_modified);
        return a && b && *b <= *a;
    }
    return false;
}

std::string serialize(const Entry& e, std::time_t wall_now, Clock::time_point now) {
    const auto wall = wall_now - std::chrono::duration_cast<std::chrono::seconds>(now - e.stored).count();
    std::ostringstream o;
    o << "NSCACHE1 " << e.status << ' ' << e.lifetime << ' ' << e.initial_age << ' ' << wall << ' ' << e.no_cache << ' '
      << e.must_revalidate << ' ' << e.fields.size() << ' ' << e.key.size() << ' ' << e.etag.size() << ' '
      << e.last_modified.size() << ' ' << e.body.size() << '\n'
      << e.key << e.etag << e.last_modified;
    for (const auto& [n, v] : e.fields) o << n.size() << ' ' << v.size() << '\n' << n << v;
    o << e.body;
    return o.str();
}

std::optional<Entry> deserialize(const std::string& data, std::time_t wall_now, Clock::time_point now) {
    std::istringstream in(data);
    std::string magic;
    Entry e;
    long long wall = 0;
    std::size_t nfields = 0, klen = 0, elen = 0, llen = 0, blen = 0;
    in >> magic >> e.status >> e.lifetime >> e.initial_age >> wall >> e.no_cache >> e.must_revalidate >> nfields >>
        klen >> elen >> llen >> blen;
    if (!in || magic != "NSCACHE1" || in.get() != '\n' || nfields > 1000) return std::nullopt;
    const std::size_t left = data.size() - static_cast<std::size_t>(in.tellg());
    if (klen > left || elen > left || llen > left || blen > left) return std::nullopt;
    auto take = [&](std::size_t n, std::string& out) {
        out.resize(n);
        return static_cast<bool>(in.read(out.data(), static_cast<std::streamsize>(n)));
    };
    if (!take(klen, e.key) || !take(elen, e.etag) || !take(llen, e.last_modified)) return std::nullopt;
    for (std::size_t i = 0; i < nfields; ++i) {
        std::size_t nl = 0, vl = 0;
        in >> nl >> vl;
        if (!in || in.get() != '\n' || nl > 65536 || vl > 65536) return std::nullopt;
        std::string n, v;
        if (!take(nl, n) || !take(vl, v)) return std::nullopt;
        e.fields.emplace_back(std::move(n), std::move(v));
    }
    if (!take(blen, e.body) || in.peek() != std::char_traits<char>::eof()) return std::nullopt;
    const auto ago = std::max<long long>(0, static_cast<long long>(wall_now) - wall);
    e.stored = now - std::chrono::seconds(ago);
    return e;
}

std::string file_of(const std::string& key) {
    std::uint64_t h = 1469598103934665603ull;
    for (unsigned char c : key) h = (h ^ c) * 1099511628211ull;
    char buf[17];
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
    return buf;
}

}  // namespace httpd::cache
