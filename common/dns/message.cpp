#include "dns/message.hpp"

#include <arpa/inet.h>

#include <cstdio>
#include <limits>

namespace dns {

std::string_view to_string(ParseError e) {
    switch (e) {
        case ParseError::ok: return "ok";
        case ParseError::short_header: return "short header";
        case ParseError::bad_name: return "bad name";
        case ParseError::truncated: return "truncated";
        case ParseError::bad_rdata: return "bad rdata";
        case ParseError::multiple_opt: return "more than one OPT";
        case ParseError::bad_opt: return "bad OPT";
    }
    return "?";
}

std::uint16_t Header::flags() const {
    return static_cast<std::uint16_t>((qr ? 0x8000 : 0) | ((opcode & 0xF) << 11) | (aa ? 0x0400 : 0) |
                                      (tc ? 0x0200 : 0) | (rd ? 0x0100 : 0) | (ra ? 0x0080 : 0) | (ad ? 0x0020 : 0) |
                                      (cd ? 0x0010 : 0) | (rcode & 0xF));
}

void Header::set_flags(std::uint16_t f) {
    qr = f & 0x8000;
    opcode = static_cast<std::uint8_t>((f >> 11) & 0xF);
    aa = f & 0x0400;
    tc = f & 0x0200;
    rd = f & 0x0100;
    ra = f & 0x0080;
    ad = f & 0x0020;
    cd = f & 0x0010;
    rcode = static_cast<std::uint8_t>(f & 0xF);
}

bool Header::read(ByteReader& r) {
    std::uint16_t f = 0;
    if (!r.available(header_size)) return false;
    (void)r.u16(id);
    (void)r.u16(f);
    (void)r.u16(qdcount);
    (void)r.u16(ancount);
    (void)r.u16(nscount);
    (void)r.u16(arcount);
    set_flags(f);
    return true;
}

RdataLayout rdata_layout(std::uint16_t type) {
    constexpr auto any = std::numeric_limits<std::size_t>::max();
    switch (type) {
        case type::NS:
        case type::CNAME:
        case type::PTR: return {0, 1, 0, true};
        case type::MX: return {2, 1, 0, true};
        case type::SOA: return {0, 2, 20, true};
        case type::SRV: return {6, 1, 0, false};
        default: return {0, 0, any, false};
    }
}

bool read_rdata(ByteReader& r, std::uint16_t type, std::uint16_t rdlength, std::string& out) {
    out.clear();
    std::size_t start = r.position();
    if (!r.available(rdlength)) return false;
    auto layout = rdata_layout(type);
    std::span<const std::uint8_t> bytes;
    if (layout.names == 0) {
        if (type == type::A && rdlength != 4) return false;
        if (type == type::AAAA && rdlength != 16) return false;
        (void)r.bytes(rdlength, bytes);
        out.assign(reinterpret_cast<const char*>(bytes.data()), bytes.size());
        return true;
    }
    // Names inside rdata may point anywhere earlier in the message, but must not run past
    // the rdata itself: read against a view that ends at the rdata's end.
    ByteReader bounded(r.whole().first(start + rdlength));
    (void)bounded.seek(start);
    if (!bounded.bytes(layout.prefix, bytes)) return false;
    out.assign(reinterpret_cast<const char*>(bytes.data()), bytes.size());
    for (std::size_t i = 0; i < layout.names; ++i) {
        Name n;
        if (Name::read(bounded, n) != NameError::ok) return false;
        out.append(n.wire());
    }
    if (bounded.remaining() != layout.suffix) return false;
    (void)bounded.bytes(layout.suffix, bytes);
    out.append(reinterpret_cast<const char*>(bytes.data()), bytes.size());
    return r.skip(rdlength);
}

bool edns_options_valid(std::string_view options) {
    std::size_t at = 0;
    while (at < options.size()) {
        if (options.size() - at < 4) return false;  // OPTION-CODE and OPTION-LENGTH
        std::size_t len =
            (std::size_t{static_cast<std::uint8_t>(options[at + 2])} << 8) | static_cast<std::uint8_t>(options[at + 3]);
        at += 4;
        if (options.size() - at < len) return false;
        at += len;
    }
    return true;
}

namespace {

ParseError read_rr(ByteReader& r, Rr& rr, bool& is_opt) {
    if (Name::read(r, rr.owner) != NameError::ok) return ParseError::bad_name;
    std::uint16_t rdlength = 0;
    if (!r.u16(rr.type) || !r.u16(rr.klass) || !r.u32(rr.ttl) || !r.u16(rdlength)) return ParseError::truncated;
    if (!r.available(rdlength)) return ParseError::truncated;
    is_opt = rr.type == type::OPT;
    if (is_opt) {
        std::span<const std::uint8_t> b;
        (void)r.bytes(rdlength, b);
        rr.rdata.assign(reinterpret_cast<const char*>(b.data()), b.size());
        return ParseError::ok;
    }
    return read_rdata(r, rr.type, rdlength, rr.rdata) ? ParseError::ok : ParseError::bad_rdata;
}

}  // namespace

ParseError parse_message(std::span<const std::uint8_t> data, Message& out) {
    out = Message{};
    ByteReader r(data);
    if (!out.header.read(r)) return ParseError::short_header;
    for (unsigned i = 0; i < out.header.qdcount; ++i) {
        Question q;
        if (auto e = Name::read(r, q.name); e != NameError::ok)
            return e == NameError::truncated ? ParseError::truncated : ParseError::bad_name;
        if (!r.u16(q.type) || !r.u16(q.klass)) return ParseError::truncated;
        out.questions.push_back(std::move(q));
    }
    std::vector<Rr>* sections[3] = {&out.answer, &out.authority, &out.additional};
    std::uint16_t counts[3] = {out.header.ancount, out.header.nscount, out.header.arcount};
    for (int s = 0; s < 3; ++s) {
        for (unsigned i = 0; i < counts[s]; ++i) {
            Rr rr;
            bool is_opt = false;
            if (auto e = read_rr(r, rr, is_opt); e != ParseError::ok) return e;
            if (is_opt) {
                if (s != 2 || !rr.owner.is_root() || !edns_options_valid(rr.rdata)) return ParseError::bad_opt;
                if (out.edns) return ParseError::multiple_opt;
                Edns e;
                e.udp_size = rr.klass;
                e.ext_rcode = static_cast<std::uint8_t>(rr.ttl >> 24);
                e.version = static_cast<std::uint8_t>(rr.ttl >> 16);
                e.do_bit = rr.ttl & 0x8000;
                e.options = std::move(rr.rdata);
                out.edns = std::move(e);
                continue;
            }
            sections[s]->push_back(std::move(rr));
        }
    }
    return ParseError::ok;
}

MessageWriter::MessageWriter(std::span<std::uint8_t> buf, std::size_t limit)
    : w_(buf), limit_(limit < buf.size() ? limit : buf.size()) {
    w_.set_limit(limit_);
}

bool MessageWriter::header(const Header& h) {
    counts_ = {};
    table_size_ = 0;
    return w_.u16(h.id) && w_.u16(h.flags()) && w_.u16(0) && w_.u16(0) && w_.u16(0) && w_.u16(0);
}

void MessageWriter::reserve(std::size_t n) {
    reserved_ = n;
    w_.set_limit(limit_ > n ? limit_ - n : 0);
}

void MessageWriter::rollback(const Mark& m) {
    w_.truncate(m.position);
    table_size_ = m.table_size;
    counts_ = m.counts;
}

void MessageWriter::set_tc() {
    if (w_.position() >= 4) w_.data()[2] |= 0x02;
}

bool MessageWriter::match_at(std::size_t offset, std::string_view suffix) const {
    const std::uint8_t* buf = w_.data();
    std::size_t pos = offset, i = 0;
    for (unsigned hops = 0; hops < 128;) {
        std::uint8_t len = buf[pos];
        if ((len & 0xC0) == 0xC0) {
            pos = (static_cast<std::size_t>(len & 0x3F) << 8) | buf[pos + 1];
            ++hops;
            continue;
        }
        if (i >= suffix.size() || static_cast<std::uint8_t>(suffix[i]) != len) return false;
        if (len == 0) return true;
        for (std::size_t k = 1; k <= len; ++k) {
            if (ascii_lower(buf[pos + k]) != ascii_lower(static_cast<std::uint8_t>(suffix[i + k]))) return false;
        }
        pos += 1 + len;
        i += 1 + len;
    }
    return false;
}

bool MessageWriter::name(std::string_view wire, bool compress) {
    std::size_t start = w_.position();
    std::size_t i = 0;
    std::size_t pointer = 0;
    bool found = false;
    if (compress) {
        for (; wire[i] != 0; i += 1 + static_cast<std::uint8_t>(wire[i])) {
            auto suffix = wire.substr(i);
            for (std::size_t t = 0; t < table_size_; ++t) {
                if (match_at(table_[t], suffix)) {
                    pointer = table_[t];
                    found = true;
                    break;
                }
            }
            if (found) break;
        }
    } else {
        i = wire.size() - 1;
    }
    if (!w_.bytes(wire.data(), i)) return false;
    if (found ? !w_.u16(static_cast<std::uint16_t>(0xC000 | pointer)) : !w_.u8(0)) {
        w_.truncate(start);
        return false;
    }
    // Remember where each label written here starts, for later names to point at.
    for (std::size_t k = 0; k < i; k += 1 + static_cast<std::uint8_t>(wire[k])) {
        if (start + k < 0x4000 && table_size_ < table_.size())
            table_[table_size_++] = static_cast<std::uint16_t>(start + k);
    }
    return true;
}

bool MessageWriter::question(const Name& n, std::uint16_t type, std::uint16_t klass) {
    std::size_t mark = w_.position();
    std::size_t tmark = table_size_;
    if (!name(n.wire(), true) || !w_.u16(type) || !w_.u16(klass)) {
        w_.truncate(mark);
        table_size_ = tmark;
        return false;
    }
    ++counts_[0];
    return true;
}

bool MessageWriter::rdata(std::uint16_t type, std::string_view rd) {
    auto layout = rdata_layout(type);
    if (layout.names == 0) return w_.bytes(rd);
    if (!w_.bytes(rd.substr(0, layout.prefix))) return false;
    std::size_t i = layout.prefix;
    for (std::size_t n = 0; n < layout.names; ++n) {
        std::size_t j = i;
        while (j < rd.size() && rd[j] != 0) j += 1 + static_cast<std::uint8_t>(rd[j]);
        if (j >= rd.size()) return false;
        if (!name(rd.substr(i, j + 1 - i), layout.compress)) return false;
        i = j + 1;
    }
    return w_.bytes(rd.substr(i));
}

bool MessageWriter::rr(Section s, std::string_view owner, std::uint16_t type, std::uint16_t klass, std::uint32_t ttl,
                       std::string_view rd) {
    std::size_t mark = w_.position();
    std::size_t tmark = table_size_;
    bool ok = name(owner, true) && w_.u16(type) && w_.u16(klass) && w_.u32(ttl) && w_.u16(0);
    std::size_t len_at = w_.position() - 2;
    ok = ok && rdata(type, rd);
    if (!ok) {
        w_.truncate(mark);
        table_size_ = tmark;
        return false;
    }
    w_.patch_u16(len_at, static_cast<std::uint16_t>(w_.position() - len_at - 2));
    ++counts_[static_cast<int>(s) + 1];
    return true;
}

bool MessageWriter::opt(const Edns& e) {
    w_.set_limit(limit_);
    reserved_ = 0;
    std::uint32_t ttl =
        (std::uint32_t{e.ext_rcode} << 24) | (std::uint32_t{e.version} << 16) | (e.do_bit ? 0x8000u : 0u);
    std::size_t mark = w_.position();
    if (!w_.u8(0) || !w_.u16(type::OPT) || !w_.u16(e.udp_size) || !w_.u32(ttl) ||
        !w_.u16(static_cast<std::uint16_t>(e.options.size())) || !w_.bytes(e.options)) {
        w_.truncate(mark);
        return false;
    }
    ++counts_[3];
    return true;
}

std::size_t MessageWriter::finish() {
    for (int i = 0; i < 4; ++i) w_.patch_u16(4 + 2 * static_cast<std::size_t>(i), counts_[i]);
    return w_.position();
}

std::size_t build_query(std::span<std::uint8_t> buf, std::uint16_t id, const Name& name, std::uint16_t type, bool rd,
                        std::uint16_t edns_size) {
    MessageWriter w(buf, buf.size());
    Header h;
    h.id = id;
    h.rd = rd;
    if (!w.header(h) || !w.question(name, type, klass::IN)) return 0;
    if (edns_size != 0) {
        Edns e;
        e.udp_size = edns_size;
        if (!w.opt(e)) return 0;
    }
    return w.finish();
}

namespace {

std::string hex(std::string_view b) {
    static const char* digits = "0123456789ABCDEF";
    std::string s;
    for (char c : b) {
        s.push_back(digits[static_cast<std::uint8_t>(c) >> 4]);
        s.push_back(digits[static_cast<std::uint8_t>(c) & 0xF]);
    }
    return s;
}

std::string quoted(std::string_view s) {
    std::string out = "\"";
    for (char ch : s) {
        auto c = static_cast<unsigned char>(ch);
        if (c == '"' || c == '\\') {
            out.push_back('\\');
            out.push_back(ch);
        } else if (c < 0x20 || c >= 0x7f) {
            char buf[6];
            std::snprintf(buf, sizeof buf, "\\%03u", c);
            out += buf;
        } else {
            out.push_back(ch);
        }
    }
    return out + "\"";
}

std::string unknown(std::string_view rd) {
    return "\\# " + std::to_string(rd.size()) + (rd.empty() ? "" : " " + hex(rd));
}

// Splits `rd` at a name starting at `i`; returns the name text and advances i.
std::optional<std::string> name_at(std::string_view rd, std::size_t& i) {
    std::size_t j = i;
    while (j < rd.size() && rd[j] != 0) j += 1 + static_cast<std::uint8_t>(rd[j]);
    if (j >= rd.size()) return std::nullopt;
    auto n = Name::from_wire(rd.substr(i, j + 1 - i));
    if (!n) return std::nullopt;
    i = j + 1;
    return n->to_text();
}

}  // namespace

namespace {

/// The length of the uncompressed wire name at `at` in `rd`, or 0 when it runs past the end.
std::size_t name_length(std::string_view rd, std::size_t at) {
    std::size_t j = at;
    while (j < rd.size() && rd[j] != 0) j += 1 + static_cast<std::uint8_t>(rd[j]);
    return j < rd.size() ? j + 1 - at : 0;
}

}  // namespace

bool rdata_equal(std::uint16_t type, std::string_view a, std::string_view b) {
    auto layout = rdata_layout(type);
    if (layout.names == 0 || a.size() != b.size()) return a == b;
    if (a.substr(0, layout.prefix) != b.substr(0, layout.prefix)) return false;
    std::size_t at = layout.prefix;
    for (std::size_t n = 0; n < layout.names; ++n) {
        std::size_t la = name_length(a, at), lb = name_length(b, at);
        if (la == 0 || la != lb) return a == b;  // not well formed: only identical octets match
        if (!wire_equal(a.substr(at, la), b.substr(at, lb))) return false;
        at += la;
    }
    return a.substr(at) == b.substr(at);
}

std::optional<Name> rdata_target(std::uint16_t type, std::string_view rd) {
    std::size_t i = 0;
    switch (type) {
        case type::NS:
        case type::CNAME:
        case type::PTR: break;
        case type::MX: i = 2; break;
        case type::SRV: i = 6; break;
        default: return std::nullopt;
    }
    if (i >= rd.size()) return std::nullopt;
    std::size_t j = i;
    while (j < rd.size() && rd[j] != 0) j += 1 + static_cast<std::uint8_t>(rd[j]);
    if (j >= rd.size()) return std::nullopt;
    return Name::from_wire(rd.substr(i, j + 1 - i));
}

std::string rdata_to_text(std::uint16_t type, std::string_view rd) {
    auto u16 = [&](std::size_t at) {
        return static_cast<unsigned>((static_cast<std::uint8_t>(rd[at]) << 8) | static_cast<std::uint8_t>(rd[at + 1]));
    };
    auto u32 = [&](std::size_t at) { return (u16(at) << 16) | u16(at + 2); };
    switch (type) {
        case type::A:
            if (rd.size() == 4) {
                char buf[INET_ADDRSTRLEN];
                if (inet_ntop(AF_INET, rd.data(), buf, sizeof buf)) return buf;
            }
            break;
        case type::AAAA:
            if (rd.size() == 16) {
                char buf[INET6_ADDRSTRLEN];
                if (inet_ntop(AF_INET6, rd.data(), buf, sizeof buf)) return buf;
            }
            break;
        case type::NS:
        case type::CNAME:
        case type::PTR: {
            std::size_t i = 0;
            if (auto n = name_at(rd, i); n && i == rd.size()) return *n;
            break;
        }
        case type::MX: {
            if (rd.size() < 3) break;
            std::size_t i = 2;
            if (auto n = name_at(rd, i); n && i == rd.size()) return std::to_string(u16(0)) + " " + *n;
            break;
        }
        case type::SRV: {
            if (rd.size() < 7) break;
            std::size_t i = 6;
            if (auto n = name_at(rd, i); n && i == rd.size())
                return std::to_string(u16(0)) + " " + std::to_string(u16(2)) + " " + std::to_string(u16(4)) + " " + *n;
            break;
        }
        case type::SOA: {
            std::size_t i = 0;
            auto m = name_at(rd, i);
            auto r = m ? name_at(rd, i) : std::nullopt;
            if (!r || rd.size() - i != 20) break;
            std::string s = *m + " " + *r;
            for (int k = 0; k < 5; ++k) s += " " + std::to_string(u32(i + 4 * static_cast<std::size_t>(k)));
            return s;
        }
        case type::TXT: {
            std::string s;
            std::size_t i = 0;
            while (i < rd.size()) {
                std::size_t len = static_cast<std::uint8_t>(rd[i]);
                if (i + 1 + len > rd.size()) return unknown(rd);
                if (!s.empty()) s.push_back(' ');
                s += quoted(rd.substr(i + 1, len));
                i += 1 + len;
            }
            if (rd.empty()) break;
            return s;
        }
        case type::CAA: {
            if (rd.size() < 2) break;
            std::size_t tlen = static_cast<std::uint8_t>(rd[1]);
            if (2 + tlen > rd.size()) break;
            return std::to_string(static_cast<std::uint8_t>(rd[0])) + " " + std::string(rd.substr(2, tlen)) + " " +
                   quoted(rd.substr(2 + tlen));
        }
        default: break;
    }
    return unknown(rd);
}

std::string rr_to_text(const Rr& rr) {
    return rr.owner.to_text() + " " + std::to_string(rr.ttl) + " " + class_to_string(rr.klass) + " " +
           type_to_string(rr.type) + " " + rdata_to_text(rr.type, rr.rdata);
}

}  // namespace dns
