#include "smtpd/envelope.hpp"

#include <charconv>

namespace smtpd {

namespace {

constexpr std::string_view kMagic = "netsuite-queue 1";

// Addresses in the file are the ones our parser accepted: no spaces or line ends outside a
// quoted local part, which xtext keeps out of the file as well.
std::string_view next_line(std::string_view text, std::size_t& pos) {
    const auto end = text.find('\n', pos);
    if (end == std::string_view::npos) {
        pos = std::string_view::npos;
        return {};
    }
    const auto l = text.substr(pos, end - pos);
    pos = end + 1;
    return l;
}

std::optional<std::string> bracketed(std::string_view s) {
    if (s.size() < 2 || s.front() != '<' || s.back() != '>') return std::nullopt;
    return xtext_decode(s.substr(1, s.size() - 2));
}

std::optional<QueuedRcpt> parse_rcpt_line(std::string_view rest) {
    QueuedRcpt r;
    const auto sp = std::min(rest.find(' '), rest.size());
    auto a = bracketed(rest.substr(0, sp));
    if (!a || a->empty()) return std::nullopt;
    r.address = *a;
    rest.remove_prefix(sp);
    while (!rest.empty()) {
        rest.remove_prefix(1);
        const auto end = std::min(rest.find(' '), rest.size());
        const auto word = rest.substr(0, end);
        rest.remove_prefix(end);
        if (word.starts_with("notify=")) {
            unsigned v = 0;
            const auto num = word.substr(7);
            if (std::from_chars(num.data(), num.data() + num.size(), v).ptr != num.data() + num.size())
                return std::nullopt;
            r.notify = static_cast<std::uint8_t>(v);
        } else if (word.starts_with("orcpt=")) {
            auto d = xtext_decode(word.substr(6));
            if (!d) return std::nullopt;
            r.orcpt = *d;
        }
    }
    return r;
}

}  // namespace

std::string encode_envelope(const Envelope& e) {
    std::string out(kMagic);
    out += "\nsender <" + xtext_encode(e.sender) + ">\narrival " + std::to_string(e.arrival) + "\n";
    if (e.ret != Ret::unset) out += e.ret == Ret::full ? "ret full\n" : "ret hdrs\n";
    if (!e.envid.empty()) out += "envid " + xtext_encode(e.envid) + "\n";
    if (e.utf8) out += "utf8\n";
    for (const auto& r : e.rcpts) {
        out += "rcpt <" + xtext_encode(r.address) + "> notify=" + std::to_string(r.notify);
        if (!r.orcpt.empty()) out += " orcpt=" + xtext_encode(r.orcpt);
        out += '\n';
    }
    out += '\n';
    return out;
}

std::optional<Envelope> parse_envelope(std::string_view text, std::size_t& body_offset) {
    std::size_t pos = 0;
    if (next_line(text, pos) != kMagic) return std::nullopt;
    Envelope e;
    bool sender = false;
    while (pos != std::string_view::npos) {
        const auto l = next_line(text, pos);
        if (pos == std::string_view::npos) return std::nullopt;
        if (l.empty()) {
            body_offset = pos;
            if (!sender || e.rcpts.empty()) return std::nullopt;
            return e;
        }
        const auto sp = std::min(l.find(' '), l.size());
        const auto key = l.substr(0, sp);
        const auto rest = sp < l.size() ? l.substr(sp + 1) : std::string_view{};
        if (key == "sender") {
            auto s = bracketed(rest);
            if (!s) return std::nullopt;
            e.sender = *s;
            sender = true;
        } else if (key == "arrival") {
            long long t = 0;
            if (std::from_chars(rest.data(), rest.data() + rest.size(), t).ptr != rest.data() + rest.size())
                return std::nullopt;
            e.arrival = static_cast<std::time_t>(t);
        } else if (key == "ret") {
            e.ret = rest == "hdrs" ? Ret::hdrs : Ret::full;
        } else if (key == "envid") {
            auto d = xtext_decode(rest);
            if (!d) return std::nullopt;
            e.envid = *d;
        } else if (key == "utf8") {
            e.utf8 = true;
        } else if (key == "rcpt") {
            auto r = parse_rcpt_line(rest);
            if (!r) return std::nullopt;
            e.rcpts.push_back(std::move(*r));
        }
    }
    return std::nullopt;
}

bool QueueState::is_finished(std::string_view rcpt) const {
    for (const auto& f : finished)
        if (f == rcpt) return true;
    return false;
}

std::string encode_state(const QueueState& s) {
    std::string out = "attempts " + std::to_string(s.attempts) + "\n";
    if (s.warned) out += "warned\n";
    for (const auto& f : s.finished) out += "done <" + xtext_encode(f) + ">\n";
    return out;
}

QueueState parse_state(std::string_view text) {
    QueueState s;
    std::size_t pos = 0;
    while (pos != std::string_view::npos && pos < text.size()) {
        const auto l = next_line(text, pos);
        if (l.starts_with("attempts ")) {
            const auto n = l.substr(9);
            (void)std::from_chars(n.data(), n.data() + n.size(), s.attempts);
        } else if (l == "warned") {
            s.warned = true;
        } else if (l.starts_with("done ")) {
            if (auto a = bracketed(l.substr(5))) s.finished.push_back(*a);
        }
    }
    return s;
}

}  // namespace smtpd
