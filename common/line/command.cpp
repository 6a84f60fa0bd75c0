#include "line/command.hpp"

namespace line {

std::string_view to_string(Refusal r) {
    switch (r) {
        case Refusal::unknown: return "unknown command";
        case Refusal::not_now: return "bad sequence";
        case Refusal::missing_argument: return "missing argument";
        case Refusal::unexpected_argument: return "unexpected argument";
    }
    return "?";
}

CommandLine split_command(std::string_view line) {
    const auto sp = line.find(' ');
    if (sp == std::string_view::npos) return {line, {}, false};
    return {line.substr(0, sp), line.substr(sp + 1), true};
}

bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        unsigned char x = static_cast<unsigned char>(a[i]), y = static_cast<unsigned char>(b[i]);
        if (x >= 'a' && x <= 'z') x = static_cast<unsigned char>(x - 32);
        if (y >= 'a' && y <= 'z') y = static_cast<unsigned char>(y - 32);
        if (x != y) return false;
    }
    return true;
}

std::string shown_line(std::string_view line, Shown shown) {
    if (shown == Shown::whole) return std::string(line);
    const auto cl = split_command(line);
    if (!cl.has_arg) return std::string(line);
    std::string out(cl.verb);
    out += ' ';
    if (shown == Shown::first_word) {
        const auto sp = cl.arg.find(' ');
        if (sp == std::string_view::npos) return std::string(line);  // "AUTH PLAIN": nothing secret yet
        out += cl.arg.substr(0, sp);
        out += ' ';
    }
    out += "****";
    return out;
}

}  // namespace line
