// Options bound to both a command-line flag and a TOML key: flag > file > default.
#pragma once

#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include <toml++/toml.h>

// CLI11 is header-only and costs seconds in every file that includes it: only config.cpp and
// daemon.cpp do; the rest see these declarations.
namespace CLI {
class App;
class Option;
}  // namespace CLI

namespace app {

/// A configuration error; the message names the file/key ("httpd.toml: http.root: ...").
class ConfigError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// Loads a TOML file. Throws ConfigError with "file:line:col: message".
[[nodiscard]] toml::table load_toml(const std::string& path);

/// Looks up "a.b.c" in a table; nullptr if absent.
[[nodiscard]] const toml::node* find_key(const toml::table& t, std::string_view dotted);

/// A path named in configuration file `config_file`, as the daemon should open it: relative
/// paths are taken relative to that file's directory (as nginx and NSD read theirs); absolute
/// paths, and any path when `config_file` is empty, are returned as given.
[[nodiscard]] std::string path_in_file(const std::string& config_file, const std::string& path);

/// The set of bound options of one daemon.
class Options {
public:
    explicit Options(CLI::App& cli) : cli_(cli) {}

    /// Binds `target` to `--flag` (may be empty: file only) and TOML key `key` (may be
    /// empty: flag only). Supported T: std::string, bool, signed/unsigned integers, double,
    /// std::vector<std::string>, std::vector<std::uint16_t> (instantiated in config.cpp).
    /// Returns the CLI option (nullptr when flag-only is empty).
    template <class T>
    CLI::Option* add(const std::string& flag, const std::string& key, T& target, const std::string& help);

    /// Applies the file's values to every option whose flag was not given.
    /// Throws ConfigError on a wrong type. Unknown keys are reported through `unknown`.
    void apply(const toml::table& file, const std::string& file_name) const;
    /// Dotted keys known to the bindings (the daemon may add its structured sections).
    void allow_key(std::string prefix) { extra_keys_.push_back(std::move(prefix)); }
    /// Keys in `file` that no binding or allowed prefix knows.
    [[nodiscard]] std::vector<std::string> unknown_keys(const toml::table& file) const;

private:
    struct Binding {
        CLI::Option* option;  // may be null
        std::string key;      // may be empty
        std::function<void(const toml::node&, const std::string& where)> from_toml;
    };
    CLI::App& cli_;
    std::vector<Binding> bindings_;
    std::vector<std::string> extra_keys_;
};

}  // namespace app
