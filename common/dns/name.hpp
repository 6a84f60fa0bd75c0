// Domain names (RFC 1035 3.1): stored uncompressed in wire form, compared case-insensitively.
#pragma once

#include <compare>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "dns/bytes.hpp"

namespace dns {

inline constexpr std::size_t max_label_length = 63;   ///< RFC 1035 2.3.4
inline constexpr std::size_t max_name_length = 255;   ///< wire octets, root label included
inline constexpr std::size_t max_pointer_hops = 127;  ///< 127 one-octet labels fill 255 octets

/// Why a name could not be read or parsed.
enum class NameError {
    ok,
    truncated,       ///< the message ends inside the name
    label_too_long,  ///< a label over 63 octets
    name_too_long,   ///< over 255 octets
    bad_pointer,     ///< a compression pointer that does not point strictly backwards
    bad_label_type,  ///< label types 01 and 10 (RFC 6891 obsoleted extended labels)
    empty_label,     ///< "a..b" in text form
    bad_escape,      ///< "\" followed by junk, or \DDD over 255
};
[[nodiscard]] std::string_view to_string(NameError e);

inline constexpr std::uint8_t ascii_lower(std::uint8_t c) {
    return (c >= 'A' && c <= 'Z') ? static_cast<std::uint8_t>(c + 32) : c;
}

/// A fully qualified domain name in uncompressed wire form ("\3www\7example\3com\0").
/// Always valid: at most 255 octets, labels at most 63 octets.
class Name {
public:
    /// The root name ".".
    Name() : wire_(1, '\0') {}

    /// From presentation form. A name without a trailing dot is relative to `origin`
    /// ("@" alone is the origin). Returns nullopt and sets `err` on a bad name or
    /// a relative name without origin (err = empty_label).
    [[nodiscard]] static std::optional<Name> from_text(std::string_view text, const Name* origin, NameError& err);
    /// Convenience for absolute literals in code and tests; throws std::invalid_argument.
    [[nodiscard]] static Name parse(std::string_view text);
    /// From uncompressed wire form; nullopt when invalid.
    [[nodiscard]] static std::optional<Name> from_wire(std::string_view wire);
    /// Reads a possibly compressed name from a message at the reader's position.
    /// Pointers must point strictly before the pointer itself, which excludes loops and
    /// forward references; the reader ends after the name's first pointer or root label.
    [[nodiscard]] static NameError read(ByteReader& r, Name& out);

    [[nodiscard]] std::string_view wire() const { return wire_; }
    [[nodiscard]] std::size_t size() const { return wire_.size(); }
    [[nodiscard]] bool is_root() const { return wire_.size() == 1; }
    [[nodiscard]] std::size_t label_count() const;
    /// Presentation form with a trailing dot ("www.example.com."), escaping as RFC 4343.
    [[nodiscard]] std::string to_text() const;
    /// The same name in lower case.
    [[nodiscard]] Name lowered() const;
    /// The name without its first label (root stays root).
    [[nodiscard]] Name parent() const;
    /// This name with `label` prepended; nullopt if too long.
    [[nodiscard]] std::optional<Name> prepend(std::string_view label) const;
    /// Case-insensitive: is this name equal to or below `ancestor`?
    [[nodiscard]] bool is_subdomain_of(const Name& ancestor) const;
    /// The first label starts with the single label "*".
    [[nodiscard]] bool is_wildcard() const { return wire_.size() >= 2 && wire_[0] == 1 && wire_[1] == '*'; }

    /// Case-insensitive equality.
    friend bool operator==(const Name& a, const Name& b);
    /// RFC 4034 6.1 canonical order (case-insensitive, rightmost label first).
    friend std::strong_ordering operator<=>(const Name& a, const Name& b);

private:
    explicit Name(std::string wire) : wire_(std::move(wire)) {}
    std::string wire_;
};

/// Case-insensitive comparison of two uncompressed wire names.
[[nodiscard]] bool wire_equal(std::string_view a, std::string_view b);
/// Lower-cases a wire name in place (length octets are below 64, so unaffected).
void wire_lower(std::span<char> wire);
/// Case-insensitive hash of a wire name, consistent with wire_equal.
[[nodiscard]] std::size_t wire_hash(std::string_view wire);

}  // namespace dns
