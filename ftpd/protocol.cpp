#include "ftpd/protocol.hpp"

#include <array>
#include <charconv>
#include <ctime>
#include <vector>

namespace ftpd {

namespace ip = boost::asio::ip;

namespace {

// A decimal number of 1 to `max_digits` digits, nothing else, at most `max`.
std::optional<std::uint64_t> decimal(std::string_view s, std::size_t max_digits, std::uint64_t max) {
    if (s.empty() || s.size() > max_digits) return std::nullopt;
    std::uint64_t v = 0;
    for (char ch : s) {
        if (ch < '0' || ch > '9') return std::nullopt;
        v = v * 10 + static_cast<std::uint64_t>(ch - '0');
    }
    if (v > max) return std::nullopt;
    return v;
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
    while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
    return s;
}

}  // namespace

std::optional<ActiveTarget> parse_port(std::string_view arg) {
    arg = trim(arg);
    std::array<std::uint64_t, 6> f{};
    for (std::size_t i = 0; i < f.size(); ++i) {
        const auto comma = arg.find(',');
        const bool last = i + 1 == f.size();
        if (last != (comma == std::string_view::npos)) return std::nullopt;
        auto v = decimal(arg.substr(0, comma), 3, 255);
        if (!v) return std::nullopt;
        f[i] = *v;
        if (!last) arg.remove_prefix(comma + 1);
    }
    ip::address_v4::bytes_type b{static_cast<unsigned char>(f[0]), static_cast<unsigned char>(f[1]),
                                 static_cast<unsigned char>(f[2]), static_cast<unsigned char>(f[3])};
    return ActiveTarget{ip::address_v4(b), static_cast<std::uint16_t>(f[4] * 256 + f[5])};
}

std::optional<ActiveTarget> parse_eprt(std::string_view arg, EprtError& error) {
    error = EprtError::syntax;
    arg = trim(arg);
    // RFC 2428 2: the delimiter is any character in ASCII 33-126, "|" recommended.
    if (arg.size() < 7 || arg[0] < 33 || arg[0] > 126) return std::nullopt;
    const char d = arg[0];
    std::array<std::string_view, 3> f;
    std::string_view rest = arg.substr(1);
    for (auto& part : f) {
        const auto end = rest.find(d);
        if (end == std::string_view::npos) return std::nullopt;
        part = rest.substr(0, end);
        rest.remove_prefix(end + 1);
    }
    if (!rest.empty()) return std::nullopt;
    const auto proto = decimal(f[0], 3, 255);
    const auto port = decimal(f[2], 5, 65535);
    if (!proto || !port || *port == 0) return std::nullopt;
    if (*proto != 1 && *proto != 2) {
        error = EprtError::protocol;
        return std::nullopt;
    }
    boost::system::error_code ec;
    ip::address a;
    if (*proto == 1) a = ip::make_address_v4(std::string(f[1]), ec);
    else a = ip::make_address_v6(std::string(f[1]), ec);
    if (ec) return std::nullopt;
    error = EprtError::none;
    return ActiveTarget{a, static_cast<std::uint16_t>(*port)};
}

EpsvArg parse_epsv(std::string_view arg) {
    arg = trim(arg);
    if (arg.empty()) return EpsvArg::any;
    if (arg.size() == 3 && (arg[0] | 0x20) == 'a' && (arg[1] | 0x20) == 'l' && (arg[2] | 0x20) == 'l')
        return EpsvArg::all;
    const auto proto = decimal(arg, 3, 255);
    if (!proto) return EpsvArg::syntax;
    if (*proto == 1) return EpsvArg::ipv4;
    if (*proto == 2) return EpsvArg::ipv6;
    return EpsvArg::unknown_protocol;
}

std::optional<std::uint64_t> parse_rest(std::string_view arg) {
    return decimal(trim(arg), 19, static_cast<std::uint64_t>(INT64_MAX));
}

std::optional<Type> parse_type(std::string_view arg, TypeError& error) {
    error = TypeError::syntax;
    arg = trim(arg);
    if (arg.empty()) return std::nullopt;
    const char t = static_cast<char>(arg[0] & ~0x20);
    std::string_view param = trim(arg.substr(1));
    if (arg.size() > 1 && arg[1] != ' ') return std::nullopt;
    switch (t) {
        case 'A':
            // RFC 959 3.1.1.5: the format parameter; only Non-print is supported.
            if (param.empty() || param == "N" || param == "n") break;
            if (param.size() == 1 && (param == "T" || param == "t" || param == "C" || param == "c")) {
                error = TypeError::unsupported;
            }
            return std::nullopt;
        case 'I':
            if (!param.empty()) return std::nullopt;
            error = TypeError::none;
            return Type::image;
        case 'L':
            if (param == "8") {
                error = TypeError::none;
                return Type::image;
            }
            if (decimal(param, 3, 255)) error = TypeError::unsupported;
            return std::nullopt;
        case 'E':
            if (param.empty() || param.size() == 1) error = TypeError::unsupported;
            return std::nullopt;
        default: return std::nullopt;
    }
    error = TypeError::none;
    return Type::ascii;
}

std::string pasv_reply(const ip::address_v4& address, std::uint16_t port) {
    const auto b = address.to_bytes();
    std::string out = "227 Entering Passive Mode (";
    for (auto x : b) out += std::to_string(x) + ",";
    out += std::to_string(port >> 8) + "," + std::to_string(port & 0xff) + ").";
    return out;
}

std::string epsv_reply(std::uint16_t port) {
    return "229 Entering Extended Passive Mode (|||" + std::to_string(port) + "|)";
}

ip::address unmapped(const ip::address& a) {
    if (a.is_v6() && a.to_v6().is_v4_mapped()) return ip::make_address_v4(ip::v4_mapped, a.to_v6());
    return a;
}

std::optional<std::string> resolve_path(std::string_view cwd, std::string_view arg) {
    if (arg.find('\0') != std::string_view::npos) return std::nullopt;
    std::vector<std::string_view> parts;
    auto walk = [&parts](std::string_view p) {
        while (!p.empty()) {
            const auto slash = p.find('/');
            const auto part = p.substr(0, slash);
            if (part == "..") {
                if (!parts.empty()) parts.pop_back();  // ".." at the root stays there (chroot)
            } else if (!part.empty() && part != ".") {
                parts.push_back(part);
            }
            if (slash == std::string_view::npos) break;
            p.remove_prefix(slash + 1);
        }
    };
    if (arg.empty() || arg[0] != '/') walk(cwd);
    walk(arg);
    std::string out;
    for (auto p : parts) {
        out += '/';
        out += p;
    }
    if (out.empty()) out = "/";
    if (out.size() > kMaxPath) return std::nullopt;
    return out;
}

std::string beneath(std::string_view vpath) {
    while (!vpath.empty() && vpath.front() == '/') vpath.remove_prefix(1);
    return std::string(vpath);
}

std::string parent_path(std::string_view vpath) {
    const auto slash = vpath.rfind('/');
    if (slash == std::string_view::npos || slash == 0) return "/";
    return std::string(vpath.substr(0, slash));
}

std::string_view base_name(std::string_view vpath) {
    const auto slash = vpath.rfind('/');
    return slash == std::string_view::npos ? vpath : vpath.substr(slash + 1);
}

std::string quote_path(std::string_view vpath) {
    std::string out = "\"";
    for (char ch : vpath) {
        out += ch;
        if (ch == '"') out += '"';
    }
    out += '"';
    return out;
}

std::string_view list_path(std::string_view arg, bool* all) {
    arg = trim(arg);
    // "LIST -la dir": options as ls takes them (vsftpd, ProFTPD do the same); "--" ends them.
    while (!arg.empty() && arg[0] == '-') {
        const auto space = arg.find(' ');
        const auto opt = arg.substr(0, space);
        if (all != nullptr && opt.find('a') != std::string_view::npos) *all = true;
        arg = space == std::string_view::npos ? std::string_view() : trim(arg.substr(space));
        if (opt == "--") break;
    }
    return arg;
}

std::string ftp_time(std::int64_t unix_seconds) {
    const std::time_t t = static_cast<std::time_t>(unix_seconds);
    std::tm tm{};
    gmtime_r(&t, &tm);
    std::array<char, 32> buf{};
    const auto n = std::strftime(buf.data(), buf.size(), "%Y%m%d%H%M%S", &tm);
    return std::string(buf.data(), n);
}

}  // namespace ftpd
