// ftpd's command-argument parsers (PORT, EPRT, EPSV, REST, TYPE, OPTS MLST, LIST options) and
// path resolution on any bytes. Checked: a resolved path is absolute, normalized (no "." or ".."
// component, no "//") and bounded; parsed ports and offsets are in range.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "ftpd/listing.hpp"
#include "ftpd/protocol.hpp"

namespace {

[[noreturn]] void fail(const char* what) {
    std::fprintf(stderr, "ftpd_args: %s\n", what);
    std::abort();
}

void check_path(const std::string& p) {
    if (p.empty() || p[0] != '/' || p.size() > ftpd::kMaxPath) fail("path not absolute or too long");
    if (p.size() > 1 && p.back() == '/') fail("trailing slash");
    if (p.find("//") != std::string::npos) fail("empty component");
    const std::string padded = p + "/";
    if (padded.find("/./") != std::string::npos || padded.find("/../") != std::string::npos) fail("dot component");
    if (ftpd::resolve_path("/", p) != p) fail("not idempotent");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view in(reinterpret_cast<const char*>(data), size);
    if (auto t = ftpd::parse_port(in)) {
        if (!t->address.is_v4()) fail("PORT gave a non-IPv4 address");
    }
    ftpd::EprtError e{};
    if (auto t = ftpd::parse_eprt(in, e)) {
        if (t->port == 0 || e != ftpd::EprtError::none) fail("EPRT accepted port 0 or with an error");
    }
    (void)ftpd::parse_epsv(in);
    if (auto r = ftpd::parse_rest(in)) {
        if (*r > static_cast<std::uint64_t>(INT64_MAX)) fail("REST offset out of range");
    }
    ftpd::TypeError te{};
    (void)ftpd::parse_type(in, te);
    (void)ftpd::parse_mlst_opts(in);
    const auto split = in.find('\n');
    const std::string cwd_arg(in.substr(0, split == std::string_view::npos ? 0 : split));
    const auto arg = split == std::string_view::npos ? in : in.substr(split + 1);
    if (auto cwd = ftpd::resolve_path("/", cwd_arg)) {
        check_path(*cwd);
        if (auto p = ftpd::resolve_path(*cwd, ftpd::list_path(arg))) {
            check_path(*p);
            check_path(ftpd::parent_path(*p));
            if (ftpd::base_name(*p).find('/') != std::string_view::npos) fail("base name with a slash");
        }
    }
    return 0;
}
