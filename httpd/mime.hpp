// Media types by file extension, read from a mime.types file (Debian's media-types). Pure parse.
#pragma once

#include <string>
#include <string_view>
#include <unordered_map>

namespace httpd {

class MimeTypes {
public:
    /// Adds every "type ext ext ..." line of mime.types text; '#' starts a comment.
    /// A later line wins for an extension already seen.
    void parse(std::string_view text);
    /// Reads and parses a file; returns false if it cannot be read.
    [[nodiscard]] bool load(const std::string& path);
    /// Maps one extension (without the dot, case-insensitive) to a type.
    void add(std::string_view ext, std::string_view type);
    /// Type for a file name by its last extension; `fallback` if unknown or none.
    [[nodiscard]] std::string_view lookup(std::string_view filename, std::string_view fallback) const;
    [[nodiscard]] std::size_t size() const { return by_ext_.size(); }

private:
    std::unordered_map<std::string, std::string> by_ext_;
};

}  // namespace httpd
