#include "tracker/whitelist.hpp"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <stdexcept>

namespace tracker {

HashSet parse_whitelist(std::string_view text, const std::string& name) {
    HashSet set;
    // Sized once for every line: growing by doubling would leave the freed smaller tables
    // resident in the heap (a 100,000-hash list cost 5 MB instead of 2.5).
    set.reserve(static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n')) + 1);
    std::size_t line_no = 0;
    while (!text.empty()) {
        ++line_no;
        std::size_t nl = text.find('\n');
        std::string_view line = text.substr(0, nl);
        text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
        if (auto hash = line.find('#'); hash != std::string_view::npos) line = line.substr(0, hash);
        while (!line.empty() && std::isspace(static_cast<unsigned char>(line.front()))) line.remove_prefix(1);
        while (!line.empty() && std::isspace(static_cast<unsigned char>(line.back()))) line.remove_suffix(1);
        if (line.empty()) continue;
        auto h = hash20_from_hex(line);
        if (!h) throw std::runtime_error(name + ":" + std::to_string(line_no) + ": not a 40-hex-digit info_hash");
        set.insert(*h);
    }
    return set;
}

HashSet load_whitelist(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error(path + ": cannot open whitelist");
    // One buffer of the file's size (a stream copy would hold it twice).
    in.seekg(0, std::ios::end);
    const std::streamoff size = in.tellg();
    in.seekg(0, std::ios::beg);
    if (size < 0 || !in) throw std::runtime_error(path + ": cannot read whitelist");
    std::string text(static_cast<std::size_t>(size), '\0');
    in.read(text.data(), size);
    if (in.gcount() != size) throw std::runtime_error(path + ": cannot read whitelist");
    return parse_whitelist(text, path);
}

}  // namespace tracker
