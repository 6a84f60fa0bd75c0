#include "tracker/bencode.hpp"

#include <charconv>

namespace tracker::bencode {

Writer& Writer::integer(std::int64_t v) {
    char buf[24];
    auto r = std::to_chars(buf, buf + sizeof buf, v);
    out_ += 'i';
    out_.append(buf, r.ptr);
    out_ += 'e';
    return *this;
}

Writer& Writer::string(std::string_view s) {
    char buf[24];
    auto r = std::to_chars(buf, buf + sizeof buf, s.size());
    out_.append(buf, r.ptr);
    out_ += ':';
    out_.append(s);
    return *this;
}

const Value* Value::find(std::string_view key) const {
    if (!is_dict()) return nullptr;
    auto it = as_dict().find(key);
    return it == as_dict().end() ? nullptr : &it->second;
}

namespace {

struct Parser {
    std::string_view in;
    std::size_t pos = 0;

    bool peek(char& c) const {
        if (pos >= in.size()) return false;
        c = in[pos];
        return true;
    }

    // Digits up to `end`; no leading zeros except "0" itself; optional '-' when signed.
    std::optional<std::int64_t> number(char end, bool allow_sign) {
        std::size_t stop = in.find(end, pos);
        if (stop == std::string_view::npos || stop == pos || stop - pos > 20) return std::nullopt;
        std::string_view digits = in.substr(pos, stop - pos);
        bool neg = allow_sign && digits[0] == '-';
        std::string_view body = neg ? digits.substr(1) : digits;
        if (body.empty() || (body.size() > 1 && body[0] == '0') || (neg && body == "0")) return std::nullopt;
        std::int64_t v = 0;
        auto r = std::from_chars(digits.data(), digits.data() + digits.size(), v);
        if (r.ec != std::errc{} || r.ptr != digits.data() + digits.size()) return std::nullopt;
        pos = stop + 1;
        return v;
    }

    std::optional<std::string> str() {
        auto len = number(':', false);
        if (!len || static_cast<std::uint64_t>(*len) > in.size() - pos) return std::nullopt;
        std::string s(in.substr(pos, static_cast<std::size_t>(*len)));
        pos += static_cast<std::size_t>(*len);
        return s;
    }

    std::optional<Value> value(int depth) {
        if (depth <= 0) return std::nullopt;
        char c;
        if (!peek(c)) return std::nullopt;
        if (c == 'i') {
            ++pos;
            auto n = number('e', true);
            if (!n) return std::nullopt;
            return Value{*n};
        }
        if (c == 'l') {
            ++pos;
            List l;
            while (peek(c) && c != 'e') {
                auto v = value(depth - 1);
                if (!v) return std::nullopt;
                l.push_back(std::move(*v));
            }
            if (!peek(c)) return std::nullopt;
            ++pos;
            return Value{std::move(l)};
        }
        if (c == 'd') {
            ++pos;
            Dict d;
            std::optional<std::string> last;
            while (peek(c) && c != 'e') {
                auto k = str();
                if (!k || (last && *k <= *last)) return std::nullopt;
                auto v = value(depth - 1);
                if (!v) return std::nullopt;
                last = *k;
                d.emplace(std::move(*k), std::move(*v));
            }
            if (!peek(c)) return std::nullopt;
            ++pos;
            return Value{std::move(d)};
        }
        if (c >= '0' && c <= '9') {
            auto s = str();
            if (!s) return std::nullopt;
            return Value{std::move(*s)};
        }
        return std::nullopt;
    }
};

}  // namespace

std::optional<Value> decode(std::string_view in, int max_depth) {
    Parser p{in};
    auto v = p.value(max_depth);
    if (!v || p.pos != in.size()) return std::nullopt;
    return v;
}

}  // namespace tracker::bencode
