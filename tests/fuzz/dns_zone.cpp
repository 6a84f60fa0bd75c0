// The RFC 1035 master-file parser on arbitrary text ($INCLUDE disabled by the file name's
// directory not existing; the parser must reject, not crash).
#include <string_view>

#include "dns/zone_parser.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    (void)dns::parse_zone_text(text, "/nonexistent-fuzz-dir/zone");
    return 0;
}
