// Bencoding (BEP 3): a streaming writer for replies and a small bounded reader (tests, tools).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace tracker::bencode {

/// Appends bencoded values to a string. The caller writes dictionary keys in sorted
/// byte order (BEP 3); the writer does not reorder.
class Writer {
public:
    explicit Writer(std::string& out) : out_(out) {}
    Writer& integer(std::int64_t v);
    Writer& string(std::string_view s);
    Writer& begin_dict() {
        out_ += 'd';
        return *this;
    }
    Writer& begin_list() {
        out_ += 'l';
        return *this;
    }
    Writer& end() {
        out_ += 'e';
        return *this;
    }
    /// key + integer value.
    Writer& kv(std::string_view key, std::int64_t v) { return string(key).integer(v); }
    /// key + string value.
    Writer& kv(std::string_view key, std::string_view v) { return string(key).string(v); }

private:
    std::string& out_;
};

/// A decoded value.
struct Value;
using List = std::vector<Value>;
using Dict = std::map<std::string, Value, std::less<>>;
struct Value {
    std::variant<std::int64_t, std::string, List, Dict> v;
    [[nodiscard]] bool is_int() const { return v.index() == 0; }
    [[nodiscard]] bool is_string() const { return v.index() == 1; }
    [[nodiscard]] bool is_list() const { return v.index() == 2; }
    [[nodiscard]] bool is_dict() const { return v.index() == 3; }
    [[nodiscard]] std::int64_t as_int() const { return std::get<0>(v); }
    [[nodiscard]] const std::string& as_string() const { return std::get<1>(v); }
    [[nodiscard]] const List& as_list() const { return std::get<2>(v); }
    [[nodiscard]] const Dict& as_dict() const { return std::get<3>(v); }
    /// Dictionary member or nullptr (also nullptr when this is not a dictionary).
    [[nodiscard]] const Value* find(std::string_view key) const;
};

/// Decodes exactly one value filling all of `in`. Nullopt on any syntax error, trailing
/// bytes, leading zeros, unsorted or duplicate keys, or nesting deeper than `max_depth`.
[[nodiscard]] std::optional<Value> decode(std::string_view in, int max_depth = 32);

}  // namespace tracker::bencode
