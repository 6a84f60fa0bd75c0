// The users file (Dovecot passwd-file style) and the table loaded from it. No I/O but loading.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace auth {

/// A users file that cannot be loaded; what() is "file:line: message" (or "file: message").
class UsersError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// One user from the file.
struct User {
    std::string name{};  ///< case-sensitive, non-empty, no ":", "/" or control characters, not "." or ".."
    std::string hash{};  ///< a crypt(3) string ("$y$...", "$6$..."), scheme prefix removed; "" for {PLAIN}
    std::string home{};  ///< absolute path, or "" when the line gives none
    std::vector<std::pair<std::string, std::string>> options{};  ///< the extra field, in order
    std::optional<std::string> plain{};                          ///< the secret of a {PLAIN} entry

    /// Value of option `key` ("write=yes" gives "yes"; a bare "write" gives "yes"); "" if absent.
    [[nodiscard]] std::string_view option(std::string_view key) const;
    /// True when option `key` is present and its value is yes, true, on or 1 (any case).
    [[nodiscard]] bool flag(std::string_view key) const;
    /// The plain secret (only {PLAIN} entries have one), for APOP and CRAM-MD5, which need it.
    [[nodiscard]] std::optional<std::string_view> plain_secret() const {
        return plain ? std::optional<std::string_view>(*plain) : std::nullopt;
    }
};

/// Bounds and policy for loading a users file.
struct LoadOptions {
    bool allow_plain = false;              ///< accept {PLAIN}secret entries (labs, demos)
    std::size_t max_file_bytes = 4 << 20;  ///< larger files are refused
    std::size_t max_line = 4096;           ///< bytes per line, line end excluded
};

/// The users of one file, immutable once loaded (shared between threads as
/// shared_ptr<const UserTable>).
class UserTable {
public:
    /// The user named exactly `name`, or nullptr.
    [[nodiscard]] const User* find(std::string_view name) const;
    [[nodiscard]] std::size_t size() const { return users_.size(); }
    /// The hash an unknown user's password is checked against, so that a wrong name costs
    /// as much time as a wrong password: the first crypt user's (same algorithm and cost),
    /// else a fixed yescrypt hash; "" when every user is {PLAIN}.
    [[nodiscard]] const std::string& dummy_hash() const { return dummy_hash_; }

    /// Parses users file text. Throws UsersError "file_name:line: message" on the first bad line.
    [[nodiscard]] static UserTable parse(std::string_view text, const std::string& file_name,
                                         const LoadOptions& opts = {});
    /// Reads and parses a file. Throws UsersError (cannot read, too large, bad line).
    [[nodiscard]] static UserTable load(const std::string& path, const LoadOptions& opts = {});

private:
    struct Hash {
        using is_transparent = void;
        std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
    };
    std::unordered_map<std::string, User, Hash, std::equal_to<>> users_;
    std::string dummy_hash_;
};

}  // namespace auth
