// Directory listings: the LIST (ls -l), NLST and MLSD/MLST (RFC 3659 7) line formats, which
// are pure, and reading a directory beneath the session's root, which blocks (run it through
// net::run_blocking).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ftpd {

/// One directory entry as a listing shows it.
struct Entry {
    std::string name;
    mode_t mode = 0;  ///< lstat's mode: a symlink is S_IFLNK
    std::uint64_t size = 0;
    std::int64_t mtime = 0;  ///< Unix seconds
    std::uint64_t nlink = 1;
    std::string link_target;            ///< for a symlink, what it points to (LIST's "-> x")
    std::optional<mode_t> target_mode;  ///< for a symlink that resolves inside the root
    std::uint64_t target_size = 0;
    std::int64_t target_mtime = 0;
};

/// MLST facts (RFC 3659 7.5), selectable with OPTS MLST.
enum Fact : unsigned { fact_type = 1, fact_size = 2, fact_modify = 4, fact_perm = 8, fact_unix_mode = 16 };
inline constexpr unsigned kAllFacts = fact_type | fact_size | fact_modify | fact_perm | fact_unix_mode;

/// The FEAT line for MLST: "MLST type*;size*;modify*;perm*;unix.mode;" (* = selected).
[[nodiscard]] std::string mlst_feature(unsigned selected);
/// OPTS MLST's argument ("type;size;") as a fact set; unknown facts are ignored (RFC 3659 7.9).
[[nodiscard]] unsigned parse_mlst_opts(std::string_view arg);
/// OPTS MLST's reply: "200 MLST OPTS type;size;".
[[nodiscard]] std::string mlst_opts_reply(unsigned selected);

/// "drwxr-xr-x 1 ftp ftp 4096 Jan 02 03:04 name" (within six months of `now`, else the year).
[[nodiscard]] std::string list_line(const Entry& e, std::int64_t now);
/// "type=file;size=3;modify=20260102030405;perm=r; name" (no line end). `writable`: the
/// session may change it (perm a, c, d, f, m, p, w). `kind` overrides the type ("cdir").
/// nullopt for a symlink that does not resolve inside the root (MLSD leaves it out).
[[nodiscard]] std::optional<std::string> mlst_line(const Entry& e, unsigned facts, bool writable,
                                                   std::string_view kind = {});

/// Reads directory `dir_fd` (its own descriptor, consumed) into entries sorted by name; dot
/// files only with `all`, never "." and "..". Blocking. Returns 0 or an errno value.
[[nodiscard]] int read_directory(int dir_fd, bool all, std::vector<Entry>& out);
/// The entry for `name` in directory `dir_fd` (lstat, and its target when it is a symlink
/// that stays beneath `dir_fd`). Returns 0 or an errno value.
[[nodiscard]] int stat_entry(int dir_fd, const std::string& name, Entry& out);

}  // namespace ftpd
