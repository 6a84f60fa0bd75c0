#include "dns/zone_parser.hpp"

#include <arpa/inet.h>

#include <charconv>
#include <fstream>
#include <limits>
#include <sstream>

namespace dns {
namespace {

struct ParseFailure {
    std::string message;
};

[[noreturn]] void fail(std::string msg) { throw ParseFailure{std::move(msg)}; }

bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\r'; }

/// Splits master-file text into entries (logical lines), tracking parentheses and lines.
class Tokenizer {
public:
    explicit Tokenizer(std::string_view text) : text_(text) {}

    /// Next entry's tokens; false at end of input. `blank_owner` is true when the entry's
    /// first line starts with white space (owner omitted, RFC 1035 5.1).
    bool next(std::vector<std::string>& tokens, std::vector<bool>& quoted, bool& blank_owner, std::size_t& line) {
        tokens.clear();
        quoted.clear();
        int depth = 0;
        bool line_start = true;
        std::size_t paren_line = 0;
        for (;;) {
            if (line_start && depth == 0 && tokens.empty()) {
                blank_owner = pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t');
                line = line_;
            }
            line_start = false;
            while (pos_ < text_.size() && is_blank(text_[pos_])) ++pos_;
            if (pos_ >= text_.size()) {
                if (depth > 0) {
                    line_ = paren_line;
                    fail("unbalanced parenthesis");
                }
                return !tokens.empty();
            }
            char c = text_[pos_];
            if (c == ';') {
                while (pos_ < text_.size() && text_[pos_] != '\n') ++pos_;
                continue;
            }
            if (c == '\n') {
                ++pos_;
                ++line_;
                line_start = true;
                if (depth == 0 && !tokens.empty()) return true;
                continue;
            }
            if (c == '(') {
                if (depth++ == 0) paren_line = line_;
                ++pos_;
                continue;
            }
            if (c == ')') {
                if (depth == 0) fail("unbalanced parenthesis");
                --depth;
                ++pos_;
                continue;
            }
            bool is_quoted = c == '"';
            tokens.push_back(is_quoted ? quoted_string() : bare_token());
            quoted.push_back(is_quoted);
        }
    }
    [[nodiscard]] std::size_t line() const { return line_; }

private:
    /// A "quoted string" at pos_ (escapes kept, quotes dropped); it may not span lines.
    std::string quoted_string() {
        ++pos_;
        std::string tok;
        for (;;) {
            if (pos_ >= text_.size()) fail("unterminated quoted string");
            char d = text_[pos_];
            if (d == '\n') fail("unterminated quoted string");
            if (d == '"') {
                ++pos_;
                return tok;
            }
            if (d == '\\' && pos_ + 1 < text_.size()) {
                tok.push_back(d);
                tok.push_back(text_[pos_ + 1]);
                pos_ += 2;
                continue;
            }
            tok.push_back(d);
            ++pos_;
        }
    }

    /// A token up to white space, a comment, a parenthesis or a quote (escapes kept).
    std::string bare_token() {
        std::string tok;
        while (pos_ < text_.size()) {
            char d = text_[pos_];
            if (is_blank(d) || d == '\n' || d == ';' || d == '(' || d == ')' || d == '"') break;
            if (d == '\\' && pos_ + 1 < text_.size() && text_[pos_ + 1] != '\n') {
                tok.push_back(d);
                tok.push_back(text_[pos_ + 1]);
                pos_ += 2;
                continue;
            }
            tok.push_back(d);
            ++pos_;
        }
        return tok;
    }

    std::string_view text_;
    std::size_t pos_ = 0;
    std::size_t line_ = 1;
};

/// Removes presentation escapes (\X, \DDD) from a character-string.
std::string unescape(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] != '\\') {
            out.push_back(s[i]);
            continue;
        }
        if (i + 1 >= s.size()) fail("bad escape in string");
        if (s[i + 1] >= '0' && s[i + 1] <= '9') {
            if (i + 3 >= s.size()) fail("bad \\DDD escape");
            int v = 0;
            for (std::size_t k = 1; k <= 3; ++k) {
                char d = s[i + k];
                if (d < '0' || d > '9') fail("bad \\DDD escape");
                v = v * 10 + (d - '0');
            }
            if (v > 255) fail("bad \\DDD escape");
            out.push_back(static_cast<char>(v));
            i += 3;
        } else {
            out.push_back(s[i + 1]);
            ++i;
        }
    }
    return out;
}

template <class T>
T number(std::string_view s, const char* what) {
    unsigned long long v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (s.empty() || ec != std::errc() || p != s.data() + s.size() || v > std::numeric_limits<T>::max())
        fail(std::string("bad ") + what + " '" + std::string(s) + "'");
    return static_cast<T>(v);
}

Name name_of(std::string_view text, const Name* origin) {
    NameError err;
    auto n = Name::from_text(text, origin, err);
    if (!n) {
        if (err == NameError::empty_label && origin == nullptr && !text.empty() && text.back() != '.')
            fail("relative name '" + std::string(text) + "' without $ORIGIN");
        fail("bad name '" + std::string(text) + "': " + std::string(to_string(err)));
    }
    return *n;
}

void put16(std::string& s, unsigned v) {
    s.push_back(static_cast<char>(v >> 8));
    s.push_back(static_cast<char>(v));
}
void put32(std::string& s, std::uint32_t v) {
    put16(s, v >> 16);
    put16(s, v & 0xFFFF);
}

void expect_fields(const std::vector<std::string>& t, std::size_t n, std::uint16_t type) {
    if (t.size() != n)
        fail("wrong number of fields for " + type_to_string(type) + " (expected " + std::to_string(n) + ", got " +
             std::to_string(t.size()) + ")");
}

int hexval(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/// RFC 3597 5: "\\# <length> <hex>" rdata, which works for every type (known types must still
/// be well formed).
std::string generic_rdata(std::uint16_t type, const std::vector<std::string>& t) {
    std::string rd;
    if (t.size() < 2) fail("\\# needs a length");
    auto len = number<std::uint16_t>(t[1], "rdata length");
    std::string hex;
    for (std::size_t i = 2; i < t.size(); ++i) hex += t[i];
    if (hex.size() % 2 != 0) fail("odd number of hex digits");
    for (std::size_t i = 0; i < hex.size(); i += 2) {
        int hi = hexval(hex[i]), lo = hexval(hex[i + 1]);
        if (hi < 0 || lo < 0) fail("bad hex digit");
        rd.push_back(static_cast<char>(hi * 16 + lo));
    }
    if (rd.size() != len)
        fail("\\# length " + std::to_string(len) + " does not match " + std::to_string(rd.size()) + " octets");
    std::string check;
    ByteReader r({reinterpret_cast<const std::uint8_t*>(rd.data()), rd.size()});
    if (!read_rdata(r, type, static_cast<std::uint16_t>(rd.size()), check) || check != rd)
        fail("malformed \\# rdata for " + type_to_string(type));
    return rd;
}

/// SOA: MNAME RNAME SERIAL, then four timers in TTL syntax (BIND units allowed).
std::string soa_rdata(const std::vector<std::string>& t, const Name* origin) {
    std::string rd(name_of(t[0], origin).wire());
    rd += name_of(t[1], origin).wire();
    put32(rd, number<std::uint32_t>(t[2], "SOA serial"));
    for (std::size_t i = 3; i < 7; ++i) {
        auto v = parse_ttl(t[i]);
        if (!v) fail("bad SOA timer '" + t[i] + "'");
        put32(rd, *v);
    }
    return rd;
}

/// TXT: one or more character-strings of at most 255 octets each (RFC 1035 3.3.14).
std::string txt_rdata(const std::vector<std::string>& t) {
    if (t.empty()) fail("TXT needs at least one string");
    std::string rd;
    for (const auto& tok : t) {
        auto s = unescape(tok);
        if (s.size() > 255) fail("character-string longer than 255 octets");
        rd.push_back(static_cast<char>(s.size()));
        rd += s;
    }
    if (rd.size() > 65535) fail("rdata longer than 65535 octets");
    return rd;
}

/// CAA: flags, an alphanumeric tag of 1..15 characters, a value (RFC 8659 4.1).
std::string caa_rdata(const std::vector<std::string>& t) {
    std::string rd(1, static_cast<char>(number<std::uint8_t>(t[0], "CAA flags")));
    const auto& tag = t[1];
    if (tag.empty() || tag.size() > 15) fail("bad CAA tag '" + tag + "'");
    for (char c : tag)
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')))
            fail("bad CAA tag '" + tag + "'");
    rd.push_back(static_cast<char>(tag.size()));
    rd += tag;
    rd += unescape(t[2]);
    if (rd.size() > 65535) fail("rdata longer than 65535 octets");
    return rd;
}

std::string rdata_text_impl(std::uint16_t type, const std::vector<std::string>& t, const std::vector<bool>& quoted,
                            const Name* origin) {
    std::string rd;
    if (!t.empty() && t[0] == "\\#" && !quoted[0]) return generic_rdata(type, t);
    switch (type) {
        case type::A: {
            expect_fields(t, 1, type);
            unsigned char buf[4];
            if (inet_pton(AF_INET, t[0].c_str(), buf) != 1) fail("bad IPv4 address '" + t[0] + "'");
            return std::string(reinterpret_cast<char*>(buf), 4);
        }
        case type::AAAA: {
            expect_fields(t, 1, type);
            unsigned char buf[16];
            if (inet_pton(AF_INET6, t[0].c_str(), buf) != 1) fail("bad IPv6 address '" + t[0] + "'");
            return std::string(reinterpret_cast<char*>(buf), 16);
        }
        case type::NS:
        case type::CNAME:
        case type::PTR: expect_fields(t, 1, type); return std::string(name_of(t[0], origin).wire());
        case type::MX:
            expect_fields(t, 2, type);
            put16(rd, number<std::uint16_t>(t[0], "MX preference"));
            rd += name_of(t[1], origin).wire();
            return rd;
        case type::SRV:
            expect_fields(t, 4, type);
            put16(rd, number<std::uint16_t>(t[0], "SRV priority"));
            put16(rd, number<std::uint16_t>(t[1], "SRV weight"));
            put16(rd, number<std::uint16_t>(t[2], "SRV port"));
            rd += name_of(t[3], origin).wire();
            return rd;
        case type::SOA: expect_fields(t, 7, type); return soa_rdata(t, origin);
        case type::TXT:
        case 99: return txt_rdata(t);  // SPF has TXT's syntax (RFC 7208 3.1)
        case type::CAA: expect_fields(t, 3, type); return caa_rdata(t);
        default: fail("type " + type_to_string(type) + " is only supported in RFC 3597 form (\\# len hex)");
    }
}

struct Context {
    const ZoneParseOptions& opts;
    ZoneParseResult& result;
    std::uint32_t last_ttl = 0;
    bool have_last_ttl = false;
    std::optional<std::uint32_t> dollar_ttl{};
    std::optional<Name> last_owner{};
};

std::string dir_of(const std::string& path) {
    auto slash = path.rfind('/');
    return slash == std::string::npos ? std::string() : path.substr(0, slash + 1);
}

bool read_file(const std::string& path, std::size_t cap, std::string& out) {
    std::ifstream f(path, std::ios::binary);
    if (!f) return false;
    std::ostringstream ss;
    ss << f.rdbuf();
    out = ss.str();
    if (out.size() > cap) fail("file larger than " + std::to_string(cap) + " octets");
    return true;
}

/// One file being read: its name, its index in ZoneParseResult::files, its $INCLUDE depth and
/// its current $ORIGIN.
struct FileState {
    const std::string& file;
    std::uint32_t index = 0;
    std::size_t depth = 0;
    std::optional<Name> origin{};
    [[nodiscard]] const Name* origin_ptr() const { return origin ? &*origin : nullptr; }
};

/// One entry's tokens (a logical line), as the tokenizer split them.
struct Entry {
    const std::vector<std::string>& t;
    const std::vector<bool>& quoted;
    bool blank_owner = false;
    std::size_t line = 0;
};

void parse_text(Context& ctx, std::string_view text, FileState& fs);

/// RFC 1035 5.1 $INCLUDE file [origin]: the file is parsed with that origin, then the origin
/// and the owner revert.
void include(Context& ctx, const Entry& e, const FileState& fs) {
    const auto& t = e.t;
    if (!ctx.opts.allow_include) fail("$INCLUDE is not allowed here");
    if (t.size() < 2 || t.size() > 3) fail("$INCLUDE needs a file name and an optional origin");
    if (fs.depth + 1 > ctx.opts.max_include_depth) fail("$INCLUDE nested too deeply");
    std::string path = t[1];
    if (path.empty()) fail("$INCLUDE needs a file name");
    if (path[0] != '/') path = dir_of(fs.file) + path;
    FileState inner{path, 0, fs.depth + 1, fs.origin};
    if (t.size() == 3) inner.origin = name_of(t[2], fs.origin_ptr());
    std::string body;
    if (!read_file(path, ctx.opts.max_file_bytes, body)) fail("cannot read $INCLUDE file '" + path + "'");
    auto saved_owner = ctx.last_owner;
    parse_text(ctx, body, inner);
    ctx.last_owner = saved_owner;
}

/// $ORIGIN, $TTL (RFC 2308 4) or $INCLUDE.
void directive(Context& ctx, const Entry& e, FileState& fs) {
    const auto& t = e.t;
    if (t[0] == "$ORIGIN") {
        if (t.size() != 2) fail("$ORIGIN needs one name");
        fs.origin = name_of(t[1], fs.origin_ptr());
        if (!ctx.result.origin) ctx.result.origin = fs.origin;
        return;
    }
    if (t[0] == "$TTL") {
        if (t.size() != 2) fail("$TTL needs one value");
        auto v = parse_ttl(t[1]);
        if (!v) fail("bad TTL '" + t[1] + "'");
        ctx.dollar_ttl = *v;
        return;
    }
    if (t[0] == "$INCLUDE") return include(ctx, e, fs);
    fail("unknown directive " + t[0]);
}

/// A record's owner, TTL, class and type, which come before its rdata.
struct Head {
    Name owner;
    std::optional<std::uint32_t> ttl;
    std::uint16_t type = 0;
    std::size_t rdata_at = 0;  ///< index of the first rdata token
};

/// RFC 1035 5.1: an omitted owner is the previous one; TTL and class may come in either order
/// before the type, and either may be omitted.
Head read_head(const Context& ctx, const Entry& e, const Name* origin) {
    const auto& t = e.t;
    Head h;
    std::size_t i = 0;
    if (e.blank_owner) {
        if (!ctx.last_owner) fail("no owner name for the first record");
        h.owner = *ctx.last_owner;
    } else {
        h.owner = name_of(t[0], origin);
        i = 1;
    }
    std::optional<std::uint16_t> cls;
    std::optional<std::uint16_t> type;
    for (; i < t.size() && !type; ++i) {
        const auto& tok = t[i];
        if (e.quoted[i]) fail("unexpected quoted string '" + tok + "'");
        if (!tok.empty() && tok[0] >= '0' && tok[0] <= '9') {
            if (h.ttl) fail("two TTLs");
            h.ttl = parse_ttl(tok);
            if (!h.ttl) fail("bad TTL '" + tok + "'");
        } else if (auto c = class_from_string(tok); c && !type_from_string(tok)) {
            if (cls) fail("two classes");
            cls = *c;
        } else if (auto ty = type_from_string(tok)) {
            type = *ty;
        } else {
            fail("unknown type '" + tok + "'");
        }
    }
    if (!type) fail("missing type");
    if (cls && *cls != klass::IN) fail("only class IN is served, not " + class_to_string(*cls));
    if (is_meta_type(*type)) fail("type " + type_to_string(*type) + " cannot appear in a zone");
    h.type = *type;
    h.rdata_at = i;
    return h;
}

/// The TTL of a record that gives `explicit_ttl` or none; remembers an explicit one.
std::uint32_t record_ttl(Context& ctx, std::optional<std::uint32_t> explicit_ttl) {
    if (explicit_ttl) {
        ctx.last_ttl = *explicit_ttl;
        ctx.have_last_ttl = true;
        return *explicit_ttl;
    }
    if (ctx.dollar_ttl) return *ctx.dollar_ttl;  // RFC 2308 4
    if (ctx.have_last_ttl) return ctx.last_ttl;  // RFC 1035 5.1: the last explicitly stated TTL
    return ctx.opts.default_ttl;
}

/// One resource record entry, appended to the result.
void record(Context& ctx, const Entry& e, const FileState& fs) {
    Head h = read_head(ctx, e, fs.origin_ptr());
    auto at = static_cast<long>(h.rdata_at);
    std::vector<std::string> rt(e.t.begin() + at, e.t.end());
    std::vector<bool> rq(e.quoted.begin() + at, e.quoted.end());
    std::string err;
    auto rd = rdata_from_text(h.type, rt, rq, fs.origin_ptr(), err);
    if (!err.empty()) fail(err);
    if (ctx.result.records.size() >= ctx.opts.max_records)
        fail("more than " + std::to_string(ctx.opts.max_records) + " records");
    Rr rr;
    rr.owner = h.owner;
    rr.type = h.type;
    rr.klass = klass::IN;
    rr.ttl = record_ttl(ctx, h.ttl);
    rr.rdata = std::move(rd);
    ctx.last_owner = std::move(h.owner);
    ctx.result.records.push_back(std::move(rr));
    ctx.result.sources.push_back({fs.index, static_cast<std::uint32_t>(e.line)});
}

void parse_entry(Context& ctx, const Entry& e, FileState& fs) {
    if (!e.blank_owner && !e.quoted[0] && e.t[0][0] == '$') return directive(ctx, e, fs);
    record(ctx, e, fs);
}

struct LocatedFailure {
    std::string where;
};

void parse_text(Context& ctx, std::string_view text, FileState& fs) {
    Tokenizer tz(text);
    std::vector<std::string> tokens;
    std::vector<bool> quoted;
    bool blank_owner = false;
    std::size_t line = 1;
    bool in_entry = false;
    fs.index = static_cast<std::uint32_t>(ctx.result.files.size());
    ctx.result.files.push_back(fs.file);
    try {
        while (tz.next(tokens, quoted, blank_owner, line)) {
            in_entry = true;
            parse_entry(ctx, Entry{tokens, quoted, blank_owner, line}, fs);
            in_entry = false;
        }
    } catch (const ParseFailure& f) {
        std::size_t at = in_entry ? line : tz.line();
        throw LocatedFailure{fs.file + ":" + std::to_string(at) + ": " + f.message};
    }
}

}  // namespace

std::optional<std::uint32_t> parse_ttl(std::string_view s) {
    if (s.empty()) return std::nullopt;
    std::uint64_t total = 0, cur = 0;
    bool digits = false, any_unit = false;
    for (char c : s) {
        if (c >= '0' && c <= '9') {
            cur = cur * 10 + static_cast<unsigned>(c - '0');
            digits = true;
            if (cur > 0xFFFFFFFFULL) return std::nullopt;
            continue;
        }
        std::uint64_t mult = 0;
        switch (c) {
            case 's':
            case 'S': mult = 1; break;
            case 'm':
            case 'M': mult = 60; break;
            case 'h':
            case 'H': mult = 3600; break;
            case 'd':
            case 'D': mult = 86400; break;
            case 'w':
            case 'W': mult = 604800; break;
            default: return std::nullopt;
        }
        if (!digits) return std::nullopt;
        total += cur * mult;
        cur = 0;
        digits = false;
        any_unit = true;
    }
    if (digits) total += cur;
    else if (!any_unit) return std::nullopt;
    // RFC 2181 8: TTLs are 31-bit.
    if (total > 0x7FFFFFFFULL) return std::nullopt;
    return static_cast<std::uint32_t>(total);
}

std::string rdata_from_text(std::uint16_t type, const std::vector<std::string>& tokens, const std::vector<bool>& quoted,
                            const Name* origin, std::string& err) {
    err.clear();
    try {
        return rdata_text_impl(type, tokens, quoted, origin);
    } catch (const ParseFailure& f) {
        err = f.message;
        return {};
    }
}

ZoneParseResult parse_zone_text(std::string_view text, const std::string& file_name, const ZoneParseOptions& opts) {
    ZoneParseResult result;
    result.origin = opts.origin;
    Context ctx{opts, result};
    try {
        FileState top{file_name, 0, 0, opts.origin};
        parse_text(ctx, text, top);
    } catch (const LocatedFailure& f) {
        result.records.clear();
        result.sources.clear();
        result.error = f.where;
    }
    return result;
}

ZoneParseResult parse_zone_file(const std::string& path, const ZoneParseOptions& opts) {
    std::string body;
    try {
        if (!read_file(path, opts.max_file_bytes, body)) {
            ZoneParseResult r;
            r.error = path + ":0: cannot read file";
            return r;
        }
    } catch (const ParseFailure& f) {
        ZoneParseResult r;
        r.error = path + ":0: " + f.message;
        return r;
    }
    return parse_zone_text(body, path, opts);
}

}  // namespace dns
