// The HTTP/1.1 request parser: any bytes, fed whole and then split at one point.
#include <string_view>

#include "http/parser.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view in(reinterpret_cast<const char*>(data), size);
    http::RequestParser p;
    (void)p.parse(in);
    // Split-point: a prefix first, then everything; the parser must resume cleanly.
    http::RequestParser q;
    if (q.parse(in.substr(0, size / 2)).status == http::ParseStatus::need_more) (void)q.parse(in);
    return 0;
}
