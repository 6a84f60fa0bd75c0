#include "dns/name.hpp"

#include <stdexcept>
#include <vector>

namespace dns {

std::string_view to_string(NameError e) {
    switch (e) {
        case NameError::ok: return "ok";
        case NameError::truncated: return "name truncated";
        case NameError::label_too_long: return "label longer than 63 octets";
        case NameError::name_too_long: return "name longer than 255 octets";
        case NameError::bad_pointer: return "bad compression pointer";
        case NameError::bad_label_type: return "bad label type";
        case NameError::empty_label: return "empty label";
        case NameError::bad_escape: return "bad escape";
    }
    return "?";
}

namespace {

/// Decodes the escape starting at text[i] (a backslash) onto `label`: \DDD, exactly three
/// decimal digits of at most 255 (RFC 1035 5.1), or \X for X. Returns its length in text,
/// 0 when malformed.
std::size_t unescape_at(std::string_view text, std::size_t i, std::string& label) {
    if (i + 1 >= text.size()) return 0;
    char n = text[i + 1];
    if (n < '0' || n > '9') {
        label.push_back(n);
        return 2;
    }
    if (i + 3 >= text.size()) return 0;
    int v = 0;
    for (std::size_t k = 1; k <= 3; ++k) {
        char d = text[i + k];
        if (d < '0' || d > '9') return 0;
        v = v * 10 + (d - '0');
    }
    if (v > 255) return 0;
    label.push_back(static_cast<char>(v));
    return 4;
}

}  // namespace

std::optional<Name> Name::from_text(std::string_view text, const Name* origin, NameError& err) {
    err = NameError::ok;
    if (text == "@") {
        if (origin == nullptr) {
            err = NameError::empty_label;
            return std::nullopt;
        }
        return *origin;
    }
    if (text == ".") return Name();
    if (text.empty()) {
        err = NameError::empty_label;
        return std::nullopt;
    }
    std::string wire;
    wire.reserve(text.size() + 2);
    std::string label;
    bool absolute = false;
    auto flush = [&]() -> bool {
        if (label.empty()) {
            err = NameError::empty_label;
            return false;
        }
        if (label.size() > max_label_length) {
            err = NameError::label_too_long;
            return false;
        }
        wire.push_back(static_cast<char>(label.size()));
        wire += label;
        label.clear();
        return true;
    };
    for (std::size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        if (c == '\\') {
            std::size_t n = unescape_at(text, i, label);
            if (n == 0) {
                err = NameError::bad_escape;
                return std::nullopt;
            }
            i += n - 1;
        } else if (c == '.') {
            if (!flush()) return std::nullopt;
            if (i + 1 == text.size()) absolute = true;
        } else {
            label.push_back(c);
        }
        if (label.size() > max_label_length) {
            err = NameError::label_too_long;
            return std::nullopt;
        }
    }
    if (!absolute && !flush()) return std::nullopt;
    if (!absolute) {
        if (origin == nullptr) {
            err = NameError::empty_label;
            return std::nullopt;
        }
        wire.append(origin->wire());
    } else {
        wire.push_back('\0');
    }
    if (wire.size() > max_name_length) {
        err = NameError::name_too_long;
        return std::nullopt;
    }
    return Name(std::move(wire));
}

Name Name::parse(std::string_view text) {
    NameError err;
    auto n = from_text(text, nullptr, err);
    if (!n) throw std::invalid_argument(std::string(to_string(err)) + ": " + std::string(text));
    return *n;
}

std::optional<Name> Name::from_wire(std::string_view wire) {
    if (wire.empty() || wire.size() > max_name_length) return std::nullopt;
    std::size_t i = 0;
    while (i < wire.size()) {
        auto len = static_cast<std::uint8_t>(wire[i]);
        if (len == 0) return i + 1 == wire.size() ? std::optional<Name>(Name(std::string(wire))) : std::nullopt;
        if (len > max_label_length) return std::nullopt;
        i += 1 + len;
    }
    return std::nullopt;
}

NameError Name::read(ByteReader& r, Name& out) {
    auto msg = r.whole();
    std::size_t pos = r.position();
    std::size_t end_after = 0;  // reader position after the name (set at the first pointer)
    bool jumped = false;
    unsigned hops = 0;
    std::string wire;
    wire.reserve(64);
    for (;;) {
        if (pos >= msg.size()) return NameError::truncated;
        std::uint8_t len = msg[pos];
        if ((len & 0xC0) == 0xC0) {
            if (pos + 1 >= msg.size()) return NameError::truncated;
            std::size_t target = (static_cast<std::size_t>(len & 0x3F) << 8) | msg[pos + 1];
            // Strictly backwards: no loops, no forward references (RFC 1035 4.1.4
            // only ever points at a prior occurrence).
            if (target >= pos || ++hops > max_pointer_hops) return NameError::bad_pointer;
            if (!jumped) {
                end_after = pos + 2;
                jumped = true;
            }
            pos = target;
            continue;
        }
        if ((len & 0xC0) != 0) return NameError::bad_label_type;
        if (len == 0) {
            wire.push_back('\0');
            if (!jumped) end_after = pos + 1;
            break;
        }
        if (pos + 1 + len > msg.size()) return NameError::truncated;
        if (wire.size() + 1 + len + 1 > max_name_length) return NameError::name_too_long;
        wire.append(reinterpret_cast<const char*>(msg.data() + pos), 1 + len);
        pos += 1 + len;
    }
    (void)r.seek(end_after);
    out = Name(std::move(wire));
    return NameError::ok;
}

std::size_t Name::label_count() const {
    std::size_t n = 0;
    for (std::size_t i = 0; wire_[i] != 0; i += 1 + static_cast<std::uint8_t>(wire_[i])) ++n;
    return n;
}

std::string Name::to_text() const {
    if (is_root()) return ".";
    std::string out;
    out.reserve(wire_.size() + 4);
    for (std::size_t i = 0; wire_[i] != 0;) {
        auto len = static_cast<std::uint8_t>(wire_[i]);
        for (std::size_t k = 1; k <= len; ++k) {
            auto c = static_cast<unsigned char>(wire_[i + k]);
            if (c == '.' || c == '\\' || c == '"' || c == ';' || c == '(' || c == ')' || c == '@' || c == '$') {
                out.push_back('\\');
                out.push_back(static_cast<char>(c));
            } else if (c <= 0x20 || c >= 0x7f) {
                char buf[5];
                buf[0] = '\\';
                buf[1] = static_cast<char>('0' + c / 100);
                buf[2] = static_cast<char>('0' + (c / 10) % 10);
                buf[3] = static_cast<char>('0' + c % 10);
                out.append(buf, 4);
            } else {
                out.push_back(static_cast<char>(c));
            }
        }
        out.push_back('.');
        i += 1 + len;
    }
    return out;
}

Name Name::lowered() const {
    std::string w = wire_;
    wire_lower(w);
    return Name(std::move(w));
}

Name Name::parent() const {
    if (is_root()) return *this;
    return Name(wire_.substr(1 + static_cast<std::uint8_t>(wire_[0])));
}

std::optional<Name> Name::prepend(std::string_view label) const {
    if (label.empty() || label.size() > max_label_length) return std::nullopt;
    if (wire_.size() + 1 + label.size() > max_name_length) return std::nullopt;
    std::string w;
    w.reserve(wire_.size() + 1 + label.size());
    w.push_back(static_cast<char>(label.size()));
    w.append(label);
    w.append(wire_);
    return Name(std::move(w));
}

bool Name::is_subdomain_of(const Name& ancestor) const {
    if (ancestor.size() > size()) return false;
    // Walk labels until the remaining suffix has the ancestor's length (label-aligned).
    std::size_t i = 0;
    while (size() - i > ancestor.size()) i += 1 + static_cast<std::uint8_t>(wire_[i]);
    if (size() - i != ancestor.size()) return false;
    return wire_equal(std::string_view(wire_).substr(i), ancestor.wire());
}

bool wire_equal(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (ascii_lower(static_cast<std::uint8_t>(a[i])) != ascii_lower(static_cast<std::uint8_t>(b[i]))) return false;
    }
    return true;
}

void wire_lower(std::span<char> wire) {
    for (auto& c : wire) c = static_cast<char>(ascii_lower(static_cast<std::uint8_t>(c)));
}

std::size_t wire_hash(std::string_view wire) {
    // FNV-1a over lower-cased octets.
    std::uint64_t h = 1469598103934665603ULL;
    for (char c : wire) {
        h ^= ascii_lower(static_cast<std::uint8_t>(c));
        h *= 1099511628211ULL;
    }
    return static_cast<std::size_t>(h);
}

bool operator==(const Name& a, const Name& b) { return wire_equal(a.wire_, b.wire_); }

std::strong_ordering operator<=>(const Name& a, const Name& b) {
    // Collect label offsets, then compare from the rightmost label (RFC 4034 6.1).
    auto offsets = [](const std::string& w) {
        std::vector<std::size_t> v;
        for (std::size_t i = 0; w[i] != 0; i += 1 + static_cast<std::uint8_t>(w[i])) v.push_back(i);
        return v;
    };
    auto oa = offsets(a.wire_);
    auto ob = offsets(b.wire_);
    std::size_t ia = oa.size(), ib = ob.size();
    while (ia > 0 && ib > 0) {
        --ia;
        --ib;
        std::size_t pa = oa[ia], pb = ob[ib];
        std::size_t la = static_cast<std::uint8_t>(a.wire_[pa]), lb = static_cast<std::uint8_t>(b.wire_[pb]);
        std::size_t n = la < lb ? la : lb;
        for (std::size_t k = 1; k <= n; ++k) {
            auto ca = ascii_lower(static_cast<std::uint8_t>(a.wire_[pa + k]));
            auto cb = ascii_lower(static_cast<std::uint8_t>(b.wire_[pb + k]));
            if (ca != cb) return ca <=> cb;
        }
        if (la != lb) return la <=> lb;
    }
    return oa.size() <=> ob.size();
}

}  // namespace dns
