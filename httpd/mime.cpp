#include "httpd/mime.hpp"

#include "http/text.hpp"

#include <fstream>
#include <sstream>

namespace httpd {
namespace {
using http::ascii_lower;
}  // namespace

void MimeTypes::add(std::string_view ext, std::string_view type) { by_ext_[ascii_lower(ext)] = std::string(type); }

void MimeTypes::parse(std::string_view text) {
    while (!text.empty()) {
        const auto nl = text.find('\n');
        std::string_view line = text.substr(0, nl);
        text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
        line = line.substr(0, line.find('#'));
        std::string_view type;
        while (!line.empty()) {
            const auto start = line.find_first_not_of(" \t\r");
            if (start == std::string_view::npos) break;
            line.remove_prefix(start);
            const auto end = line.find_first_of(" \t\r");
            const std::string_view word = line.substr(0, end);
            line = end == std::string_view::npos ? std::string_view{} : line.substr(end);
            if (type.empty()) {
                if (word.find('/') == std::string_view::npos) break;  // not "type/subtype": skip the line
                type = word;
            } else {
                add(word, type);
            }
        }
    }
}

bool MimeTypes::load(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return false;
    std::ostringstream ss;
    ss << in.rdbuf();
    parse(ss.str());
    return true;
}

std::string_view MimeTypes::lookup(std::string_view filename, std::string_view fallback) const {
    const auto slash = filename.rfind('/');
    if (slash != std::string_view::npos) filename.remove_prefix(slash + 1);
    const auto dot = filename.rfind('.');
    if (dot == std::string_view::npos || dot + 1 == filename.size()) return fallback;
    const auto it = by_ext_.find(ascii_lower(filename.substr(dot + 1)));
    return it == by_ext_.end() ? fallback : std::string_view(it->second);
}

}  // namespace httpd
