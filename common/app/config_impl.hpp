// Template part of app/config.hpp.
#pragma once

#include <limits>
#include <type_traits>

namespace app::detail {

inline void assign(std::string& t, const toml::node& n, const std::string& where) {
    auto v = n.value<std::string>();
    if (!v) throw ConfigError(where + ": expected a string");
    t = *v;
}

inline void assign(bool& t, const toml::node& n, const std::string& where) {
    auto v = n.value_exact<bool>();
    if (!v) throw ConfigError(where + ": expected true or false");
    t = *v;
}

inline void assign(double& t, const toml::node& n, const std::string& where) {
    auto v = n.value<double>();
    if (!v) throw ConfigError(where + ": expected a number");
    t = *v;
}

/// Integers other than bool (bool has its own overload above).
template <class T>
concept Integer = std::is_integral_v<T> && !std::is_same_v<T, bool>;

template <Integer T>
void assign(T& t, const toml::node& n, const std::string& where) {
    auto v = n.value_exact<std::int64_t>();
    if (!v) throw ConfigError(where + ": expected an integer");
    if (*v < static_cast<std::int64_t>(std::numeric_limits<T>::min()) ||
        static_cast<std::uint64_t>(*v) > static_cast<std::uint64_t>(std::numeric_limits<T>::max()) ||
        (std::is_unsigned_v<T> && *v < 0))
        throw ConfigError(where + ": " + std::to_string(*v) + " is out of range");
    t = static_cast<T>(*v);
}

inline void assign(std::vector<std::string>& t, const toml::node& n, const std::string& where) {
    if (auto s = n.value<std::string>()) {
        t = {*s};
        return;
    }
    const auto* arr = n.as_array();
    if (!arr) throw ConfigError(where + ": expected a string or an array of strings");
    std::vector<std::string> out;
    for (const auto& e : *arr) {
        auto s = e.value<std::string>();
        if (!s) throw ConfigError(where + ": expected an array of strings");
        out.push_back(*s);
    }
    t = std::move(out);
}

/// A list of integers (ports): each element checked as a single one is.
template <Integer T>
void assign(std::vector<T>& t, const toml::node& n, const std::string& where) {
    const auto* arr = n.as_array();
    if (!arr) throw ConfigError(where + ": expected an array of integers");
    std::vector<T> out;
    for (const auto& e : *arr) assign(out.emplace_back(), e, where);
    t = std::move(out);
}

template <class T>
inline constexpr bool is_list = false;
template <class T>
inline constexpr bool is_list<std::vector<T>> = true;

}  // namespace app::detail

namespace app {

template <class T>
CLI::Option* Options::add(const std::string& flag, const std::string& key, T& target, const std::string& help) {
    CLI::Option* opt = nullptr;
    if (!flag.empty()) {
        if constexpr (std::is_same_v<T, bool>) {
            opt = cli_.add_flag(flag, target, help);
        } else if constexpr (detail::is_list<T>) {
            opt = cli_.add_option(flag, target, help);
        } else {
            opt = cli_.add_option(flag, target, help)->capture_default_str();
        }
        if (!key.empty()) opt->group("Options (also config key `" + key + "`)");
    }
    bindings_.push_back(
        {opt, key, [&target](const toml::node& n, const std::string& where) { detail::assign(target, n, where); }});
    return opt;
}

}  // namespace app
