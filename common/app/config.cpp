#include "app/config.hpp"

#include <CLI/CLI.hpp>

#include "app/config_impl.hpp"

#include <filesystem>
#include <sstream>

namespace app {

toml::table load_toml(const std::string& path) {
    try {
        return toml::parse_file(path);
    } catch (const toml::parse_error& e) {
        std::ostringstream msg;
        msg << path << ":" << e.source().begin.line << ":" << e.source().begin.column << ": " << e.description();
        throw ConfigError(msg.str());
    }
}

std::string path_in_file(const std::string& config_file, const std::string& path) {
    if (path.empty() || path.front() == '/' || config_file.empty()) return path;
    auto dir = std::filesystem::path(config_file).parent_path();
    if (dir.empty()) return path;
    return (dir / path).lexically_normal().string();
}

const toml::node* find_key(const toml::table& t, std::string_view dotted) {
    const toml::table* cur = &t;
    for (;;) {
        auto dot = dotted.find('.');
        auto part = dotted.substr(0, dot);
        const toml::node* n = cur->get(part);
        if (!n || dot == std::string_view::npos) return n;
        cur = n->as_table();
        if (!cur) return nullptr;
        dotted.remove_prefix(dot + 1);
    }
}

void Options::apply(const toml::table& file, const std::string& file_name) const {
    for (const auto& b : bindings_) {
        if (b.key.empty()) continue;
        if (b.option && b.option->count() > 0) continue;  // the flag wins
        if (const auto* n = find_key(file, b.key)) {
            std::string where = file_name + ": " + b.key;
            if (auto src = n->source(); src.begin.line)
                where = file_name + ":" + std::to_string(src.begin.line) + ": " + b.key;
            b.from_toml(*n, where);
        }
    }
}

namespace {
void collect(const toml::table& t, const std::string& prefix, std::vector<std::string>& out) {
    for (const auto& [k, v] : t) {
        std::string key = prefix.empty() ? std::string(k.str()) : prefix + "." + std::string(k.str());
        if (const auto* sub = v.as_table()) collect(*sub, key, out);
        else out.push_back(key);
    }
}

bool has_prefix(const std::string& key, const std::string& prefix) {
    return key == prefix ||
           (key.size() > prefix.size() && key.compare(0, prefix.size(), prefix) == 0 && key[prefix.size()] == '.');
}
}  // namespace

std::vector<std::string> Options::unknown_keys(const toml::table& file) const {
    std::vector<std::string> keys, unknown;
    collect(file, "", keys);
    for (const auto& k : keys) {
        bool known = false;
        for (const auto& b : bindings_) known = known || (!b.key.empty() && has_prefix(k, b.key));
        for (const auto& p : extra_keys_) known = known || has_prefix(k, p);
        if (!known) unknown.push_back(k);
    }
    return unknown;
}

// The option types the daemons bind (Options::add is defined in config_impl.hpp).
#define SUITE_OPTION_TYPE(T) \
    template CLI::Option* Options::add<T>(const std::string&, const std::string&, T&, const std::string&);
SUITE_OPTION_TYPE(std::string)
SUITE_OPTION_TYPE(bool)
SUITE_OPTION_TYPE(int)
SUITE_OPTION_TYPE(long)
SUITE_OPTION_TYPE(long long)
SUITE_OPTION_TYPE(unsigned short)
SUITE_OPTION_TYPE(unsigned)
SUITE_OPTION_TYPE(unsigned long)
SUITE_OPTION_TYPE(unsigned long long)
SUITE_OPTION_TYPE(double)
SUITE_OPTION_TYPE(std::vector<std::string>)
SUITE_OPTION_TYPE(std::vector<std::uint16_t>)
#undef SUITE_OPTION_TYPE

}  // namespace app
